import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { nodePtyFactory } from '../../src/session/pty-host.js';
import { findJobProcesses, isAlive, signalProcesses, stopJobTree, type ProcessMarker } from '../../src/session/process-tree.js';
import { DEFAULT_COLS, DEFAULT_ROWS, type PtyProcess } from '../../src/session/pty.js';
import { systemClock } from '../../src/util/clock.js';
import { fixture } from '../helpers/paths.js';

/** Polls `condition` until it holds or the deadline passes. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Job {
  pty: PtyProcess;
  marker: ProcessMarker;
  output: () => string;
  exited: Promise<void>;
}

/** Runs a command in a real PTY with a fresh job marker in its environment. */
function startJob(file: string, args: string[]): Job {
  const marker = { name: 'CODEX_RUN_JOB_TOKEN', value: randomUUID() };
  const pty = nodePtyFactory({
    file,
    args,
    cwd: os.tmpdir(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', [marker.name]: marker.value },
    cols: DEFAULT_COLS,
    rows: DEFAULT_ROWS,
  });
  let text = '';
  pty.onData((chunk) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  return { pty, marker, output: () => text, exited };
}

/** Kills whatever a test left behind, by pid. */
function cleanUp(job: Job): void {
  signalProcesses(findJobProcesses(job.pty.pid, job.marker), 'SIGKILL');
}

function pidAfter(label: string, text: string): number {
  const match = new RegExp(`${label} (\\d+)`).exec(text);
  assert.ok(match?.[1], `no "${label} <pid>" line in ${JSON.stringify(text)}`);
  return Number(match[1]);
}

test('a setsid escapee whose parent died is found only through the marker, and is stopped', { timeout: 120_000 }, async (t) => {
  const job = startJob('/bin/sh', [fixture('setsid-grandchild.sh')]);
  t.after(() => cleanUp(job));
  await job.exited;
  const escapee = pidAfter('setsid', job.output());
  const nohup = pidAfter('nohup', job.output());
  assert.equal(isAlive(job.pty.pid), false, 'the root has exited');
  assert.notEqual(fs.readFileSync(`/proc/${escapee}/stat`, 'utf8').split(' ')[3], String(job.pty.pid), 'the escapee was reparented');

  assert.deepEqual(findJobProcesses(job.pty.pid), [nohup], 'without the marker only the session member is found');
  const found = findJobProcesses(job.pty.pid, job.marker);
  assert.deepEqual(found, [escapee, nohup].sort((a, b) => a - b));

  assert.equal(signalProcesses(found, 'SIGTERM'), 2);
  await waitFor('both sleepers to die', () => !isAlive(escapee) && !isAlive(nohup));
  assert.deepEqual(findJobProcesses(job.pty.pid, job.marker), []);
});

test('while the root runs, its whole tree is found by session and parent, and stopJobTree ends it', { timeout: 120_000 }, async (t) => {
  const job = startJob('/bin/sh', [fixture('setsid-grandchild.sh'), 'stay']);
  t.after(() => cleanUp(job));
  await waitFor('the fixture to be ready', () => job.output().includes('ready'));
  const escapee = pidAfter('setsid', job.output());
  const nohup = pidAfter('nohup', job.output());
  const expected = [job.pty.pid, escapee, nohup].sort((a, b) => a - b);
  assert.deepEqual(findJobProcesses(job.pty.pid), expected, 'the escapee is still a child of the root');
  assert.deepEqual(findJobProcesses(job.pty.pid, job.marker), expected);

  const outcome = await stopJobTree(job.pty.pid, job.marker, { graceMs: 3000, clock: systemClock });
  assert.deepEqual(outcome, { terminated: 3, killed: 0, remaining: [] });
  await job.exited;
  assert.equal(expected.some(isAlive), false);
});

test('a process that ignores SIGTERM is killed after the grace period', { timeout: 120_000 }, async (t) => {
  const job = startJob(process.execPath, [fixture('ignore-term.js')]);
  t.after(() => cleanUp(job));
  await waitFor('the handler to be installed', () => job.output().includes('ready'));
  const outcome = await stopJobTree(job.pty.pid, job.marker, { graceMs: 300, clock: systemClock });
  assert.deepEqual(outcome, { terminated: 1, killed: 1, remaining: [] });
  await job.exited;
  assert.equal(isAlive(job.pty.pid), false);
});

test('the runner and its ancestors are never returned, even when they match', { timeout: 120_000 }, async (t) => {
  // Rooted at our parent, the descendant walk reaches us and our child; the PATH entry of our
  // initial environment matches us, our ancestors and the child.
  const path = /(?:^|\0)PATH=([^\0]*)/.exec(fs.readFileSync('/proc/self/environ', 'latin1'))?.[1];
  assert.ok(path !== undefined);
  const child = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore', env: { PATH: path } });
  const childExited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGKILL');
    await childExited;
  });
  await waitFor('the child to run sleep', () => fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('/usr/bin/sleep'));
  const found = new Set(findJobProcesses(process.ppid, { name: 'PATH', value: path }));
  assert.ok(found.has(child.pid!), 'the scan finds our child');
  for (let pid = process.pid; pid > 0; ) {
    assert.equal(found.has(pid), false, `pid ${pid} is the runner or an ancestor`);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
});

test('signalProcesses counts live pids, skips vanished ones and refuses dangerous ones', { timeout: 120_000 }, async () => {
  const child = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  assert.equal(signalProcesses([pid, pid], 'SIGTERM'), 1);
  await exited;
  assert.equal(signalProcesses([pid], 'SIGTERM'), 0);
  for (const bad of [0, 1, -1, process.pid]) {
    assert.throws(() => signalProcesses([bad], 'SIGTERM'), /Internal error/);
  }
});

test('isAlive treats a zombie as dead', { timeout: 120_000 }, async (t) => {
  // `true` exits at once and its parent (now `sleep`) never reaps it: a zombie.
  const parent = spawn('/bin/sh', ['-c', 'true & exec /usr/bin/sleep 30'], { stdio: 'ignore' });
  const parentExited = new Promise((resolve) => parent.once('exit', resolve));
  t.after(async () => {
    parent.kill('SIGKILL');
    await parentExited;
  });
  const zombieOf = (ppid: number): number | undefined =>
    fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .find((pid) => {
        try {
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          const [state, parentPid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return state === 'Z' && Number(parentPid) === ppid;
        } catch {
          return false;
        }
      });
  let zombie: number | undefined;
  await waitFor('the zombie', () => (zombie = zombieOf(parent.pid!)) !== undefined);
  assert.doesNotThrow(() => process.kill(zombie!, 0), 'the zombie still has a pid');
  assert.equal(isAlive(zombie!), false);
  assert.equal(isAlive(parent.pid!), true);
});

test('as root, a marked process that switched to another uid is still found by its marker', { timeout: 15_000 }, async (t) => {
  if (process.getuid?.() !== 0) {
    // Without root no process can switch uid; the uid filter is what this guards.
    assert.equal(findJobProcesses(process.ppid, { name: 'CODEX_RUN_NO_SUCH', value: 'x' }).length, 0);
    return;
  }
  const marker = { name: 'CODEX_RUN_JOB_TOKEN', value: randomUUID() };
  // setsid + a reaped parent: only the marker can find it.
  const child = spawn('/usr/bin/setsid', ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/sleep', '30'], {
    stdio: 'ignore',
    env: { PATH: '/usr/bin:/bin', [marker.name]: marker.value },
  });
  const pid = child.pid!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    signalProcesses([pid], 'SIGKILL');
    await exited;
  });
  await waitFor('the child to run as nobody', () => {
    try {
      return fs.statSync(`/proc/${pid}`).uid === 65534 && fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('/usr/bin/sleep');
    } catch {
      return false;
    }
  });
  assert.deepEqual(findJobProcesses(999_999_999, marker), [pid]);
});
