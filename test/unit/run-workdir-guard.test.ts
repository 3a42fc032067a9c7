import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { planRun, type RunPlan } from '../../src/run/plan.js';
import { busyWorkdirs } from '../../src/run/workdir-guard.js';
import { acquireWorkdirLock, lockFilePath } from '../../src/schedule/workdir-lock.js';
import { lockUnitOf } from '../../src/workspace/lock-unit.js';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../helpers/temp-dir.js';

const OTHER_PID = 424_242;
const SINCE = Date.UTC(2026, 0, 5, 2, 0, 0);

// A manifest with two jobs in ./a and one in ./b, planned for a run of every job.
async function setup(): Promise<{ dir: string; runsRoot: string; plan: RunPlan }> {
  const dir = tempDir('codex-run-guard-');
  for (const sub of ['a', 'b']) mkdirSync(path.join(dir, sub));
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    ['version: 1', 'defaults: { agent: command, command: ["true"] }', 'jobs:', '  one: { workdir: a }', '  two: { workdir: a }', '  three: { workdir: b }', ''].join('\n'),
  );
  const loaded = await loadManifest(file, { env: {} });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error.diagnostics));
  const plan = planRun(loaded.value, { env: {} });
  assert.ok(plan.ok);
  return { dir, runsRoot: path.join(dir, '.codex-run', 'runs'), plan: plan.value };
}

test('a workdir locked by another live process is named once, with its jobs and the holder', async () => {
  const { dir, runsRoot, plan } = await setup();
  const lock = acquireWorkdirLock(runsRoot, path.join(dir, 'a'), 'jobs.yaml#nightly', { pid: OTHER_PID, now: SINCE, isAlive: () => true });
  assert.equal(lock.kind, 'acquired');
  const alive = (pid: number): boolean => pid === OTHER_PID;
  assert.deepEqual(busyWorkdirs(runsRoot, plan, { isAlive: alive }), [
    `workdir ${path.join(dir, 'a')} (job 'one', 'two') is in use by jobs.yaml#nightly (pid ${OTHER_PID}) since 2026-01-05T02:00:00.000Z; ` +
      'start this run when that one has finished, or stop it',
  ]);
});

test("a lock of this very process (the scheduler's own run) and a dead holder's lock are no conflict", async () => {
  const { dir, runsRoot, plan } = await setup();
  acquireWorkdirLock(runsRoot, path.join(dir, 'a'), 'jobs.yaml#nightly', { pid: OTHER_PID, now: SINCE, isAlive: () => true });
  assert.deepEqual(busyWorkdirs(runsRoot, plan, { pid: OTHER_PID, isAlive: () => true }), []);
  assert.deepEqual(busyWorkdirs(runsRoot, plan, { isAlive: () => false }), []);
});

test('without any lock the check passes and creates nothing', async () => {
  const { runsRoot, plan } = await setup();
  assert.deepEqual(busyWorkdirs(runsRoot, plan), []);
  assert.equal(existsSync(runsRoot), false);
});

test('worktree jobs of a locked repository do not wait: they edit worktrees of their own, each its own lock unit', { timeout: 20_000 }, async () => {
  const dir = tempDir('codex-run-guard-');
  const repo = path.join(dir, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q'], { cwd: repo });
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    ['version: 1', 'defaults: { agent: command, command: ["true"], workdir: repo }', 'jobs:', '  a: { isolation: worktree }', '  b: { isolation: worktree }', '  plain: {}', ''].join('\n'),
  );
  const loaded = await loadManifest(file, { env: {} });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error.diagnostics));
  const plan = planRun(loaded.value, { env: {} });
  assert.ok(plan.ok);
  const runsRoot = path.join(dir, '.codex-run', 'runs');
  acquireWorkdirLock(runsRoot, repo, 'jobs.yaml#nightly', { pid: OTHER_PID, now: SINCE, isAlive: () => true });
  const busy = busyWorkdirs(runsRoot, plan.value, { isAlive: (pid) => pid === OTHER_PID });
  assert.equal(busy.length, 1);
  assert.match(busy[0]!, /\(job 'plain'\)/);
  const [a, b, plain] = loaded.value.jobs.map(lockUnitOf);
  assert.equal(plain, repo);
  assert.notEqual(a, b);
  assert.notEqual(lockFilePath(runsRoot, a!), lockFilePath(runsRoot, repo));
});
