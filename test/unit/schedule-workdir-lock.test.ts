import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  WorkdirLocks,
  acquireWorkdirLock,
  isProcessAlive,
  liveLockHolder,
  lockFilePath,
  type LockAttempt,
  type WorkdirLock,
} from '../../src/schedule/workdir-lock.js';
import { identifyProcess, processStartTime } from '../../src/util/process-identity.js';

function setup(t: { after(fn: () => void): void }): { runsRoot: string; workdir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-lock-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const workdir = path.join(root, 'repo');
  fs.mkdirSync(workdir);
  return { runsRoot: path.join(root, 'runs'), workdir };
}

function held(attempt: LockAttempt): WorkdirLock {
  assert.equal(attempt.kind, 'acquired', `expected the lock, got ${JSON.stringify(attempt)}`);
  if (attempt.kind !== 'acquired') throw new Error('unreachable');
  return attempt.lock;
}

// A pid that surely belongs to no process: one of ours that has exited and been reaped.
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  assert.ok(pid !== undefined && !isProcessAlive(pid));
  return pid;
}

test('the lock file holds our pid, is 0600 in a 0700 folder, and goes away on release', { timeout: 120_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const lock = held(acquireWorkdirLock(runsRoot, workdir, 'jobs.yaml#a', { now: 123 }));
  const file = lockFilePath(runsRoot, workdir);
  assert.equal(lock.file, file);
  const content = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; owner: string; since: number; startTime: string; bootId: string };
  assert.deepEqual([content.pid, content.owner, content.since], [process.pid, 'jobs.yaml#a', 123]);
  assert.deepEqual([content.startTime, content.bootId], [identifyProcess().startTime, identifyProcess().bootId]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  lock.release();
  assert.equal(fs.existsSync(file), false);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [], 'no temporary files left');
});

test('a second taker is told who holds it; the same workdir spelled differently is the same lock', { timeout: 120_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const lock = held(acquireWorkdirLock(runsRoot, workdir, 'manual run', { now: 1 }));
  const second = acquireWorkdirLock(runsRoot, path.join(workdir, '..', 'repo', '.'), 'jobs.yaml#b', { now: 2 });
  assert.equal(second.kind, 'busy');
  if (second.kind === 'busy') {
    assert.equal(second.holder.pid, process.pid);
    assert.equal(second.holder.owner, 'manual run');
    assert.equal(second.inProcess, false);
  }
  lock.release();
  held(acquireWorkdirLock(runsRoot, workdir, 'jobs.yaml#b', { now: 3 })).release();
});

test('a lock left by a dead process is stale and taken over', { timeout: 120_000 }, async (t) => {
  const { runsRoot, workdir } = setup(t);
  const pid = await deadPid();
  const file = lockFilePath(runsRoot, workdir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid, owner: 'crashed run', since: 0, token: 'x' }));
  const attempt = acquireWorkdirLock(runsRoot, workdir, 'jobs.yaml#a', { now: 5 });
  assert.equal(attempt.kind, 'acquired');
  if (attempt.kind !== 'acquired') return;
  assert.deepEqual(attempt.recovered, { pid });
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
  attempt.lock.release();
});

test('a lock of a live process is not stale, and an unreadable lock is', { timeout: 120_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const file = lockFilePath(runsRoot, workdir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, owner: 'parent', since: 0, token: 'y' }));
  assert.equal(acquireWorkdirLock(runsRoot, workdir, 'a', { now: 0 }).kind, 'busy');
  fs.writeFileSync(file, 'garbage');
  const attempt = acquireWorkdirLock(runsRoot, workdir, 'a', { now: 0 });
  assert.equal(attempt.kind, 'acquired');
  if (attempt.kind === 'acquired') {
    assert.deepEqual(attempt.recovered, { pid: null });
    attempt.lock.release();
  }
});

test('a lock naming a live pid with another start time or boot id (pid reused after a restart) is stale and taken over', { timeout: 10_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const file = lockFilePath(runsRoot, workdir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me = identifyProcess(1);
  assert.ok(me.startTime !== null && me.bootId !== null, 'this test needs /proc');
  const stale = [
    // pid 1 again after a container restart: same boot, another start time.
    { pid: 1, startTime: String(BigInt(me.startTime) + 12345n), bootId: me.bootId },
    // Our own pid, recorded in another boot.
    { pid: process.pid, startTime: processStartTime(process.pid), bootId: '00000000-0000-0000-0000-000000000000' },
  ];
  for (const identity of stale) {
    fs.writeFileSync(file, JSON.stringify({ ...identity, owner: 'before the restart', since: 0, token: 'z' }));
    const attempt = acquireWorkdirLock(runsRoot, workdir, 'jobs.yaml#a', { now: 7 });
    assert.equal(attempt.kind, 'acquired', `a lock of ${JSON.stringify(identity)} must be stale, got ${JSON.stringify(attempt)}`);
    if (attempt.kind !== 'acquired') return;
    assert.deepEqual(attempt.recovered, { pid: identity.pid });
    attempt.lock.release();
  }
  // The same identity as a live process holds the lock.
  fs.writeFileSync(file, JSON.stringify({ ...identifyProcess(1), owner: 'init', since: 0, token: 'w' }));
  assert.equal(acquireWorkdirLock(runsRoot, workdir, 'a', { now: 8 }).kind, 'busy');
  assert.equal(liveLockHolder(runsRoot, workdir)?.pid, 1);
});

test('release never removes a lock that someone else has taken since', { timeout: 120_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const mine = held(acquireWorkdirLock(runsRoot, workdir, 'a', { now: 0 }));
  const file = lockFilePath(runsRoot, workdir);
  fs.unlinkSync(file);
  const theirs = held(acquireWorkdirLock(runsRoot, workdir, 'b', { now: 1 }));
  mine.release();
  assert.equal(fs.existsSync(file), true);
  theirs.release();
  assert.equal(fs.existsSync(file), false);
});

test('WorkdirLocks tells a holder in this process from one in the lock file', { timeout: 120_000 }, (t) => {
  const { runsRoot, workdir } = setup(t);
  const locks = new WorkdirLocks(runsRoot);
  const first = held(locks.tryAcquire(workdir, 'jobs.yaml#a', 0));
  const again = locks.tryAcquire(workdir, 'jobs.yaml#b', 1);
  assert.equal(again.kind, 'busy');
  if (again.kind === 'busy') {
    assert.equal(again.inProcess, true);
    assert.equal(again.holder.owner, 'jobs.yaml#a');
  }
  first.release();
  held(locks.tryAcquire(workdir, 'jobs.yaml#b', 2)).release();
});
