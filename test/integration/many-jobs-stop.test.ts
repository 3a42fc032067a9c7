import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive, signalProcesses } from '../../src/session/process-tree.js';
import { fixture } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const JOBS = 12;

// Jobs running setsid-grandchild.sh: each leaves a setsid escapee and a nohup'd sleeper,
// found only by the shared scan (no cgroups: the marker and the tree are all there is).
function writeManifest(dir: string, mode: 'stay' | 'exit'): void {
  let text = `version: 1\nconcurrency: ${JOBS}\njobs:\n`;
  const args = mode === 'stay' ? `, stay` : '';
  for (let i = 0; i < JOBS; i++) text += `  j${i}:\n    agent: command\n    command: [sh, ${fixture('setsid-grandchild.sh')}${args}]\n`;
  writeFileSync(path.join(dir, 'jobs.yaml'), text);
}

// The run's folder once it has its final name (a `.<id>.partial` folder is one being prepared, renamed at any moment).
function runDirOf(dir: string): string | null {
  const root = path.join(dir, '.codex-run', 'runs');
  if (!existsSync(root)) return null;
  const runs = readdirSync(root).filter((name) => !name.startsWith('.') && statSync(path.join(root, name)).isDirectory());
  return runs.length === 1 ? path.join(root, runs[0]!) : null;
}

// The escapees' pids as the fixture printed them into each job's log; null until every job printed "ready".
function escapees(dir: string): number[] | null {
  const run = runDirOf(dir);
  if (run === null) return null;
  const logs = readdirSync(run).filter((name) => name.endsWith('.log') && name !== 'events.log');
  const pids: number[] = [];
  let ready = 0;
  for (const log of logs) {
    const text = readFileSync(path.join(run, log), 'latin1');
    for (const match of text.matchAll(/^(?:setsid|nohup) (\d+)/gm)) pids.push(Number(match[1]));
    if (/^ready/m.test(text)) ready++;
  }
  return ready === JOBS ? pids : null;
}

// Whatever the test saw the jobs start is killed when it ends, pass or fail (only those pids).
function killAfter(t: TestContext, pids: () => number[]): void {
  t.after(() => {
    try {
      signalProcesses(pids().filter((pid) => pid > 1 && pid !== process.pid), 'SIGKILL');
    } catch {
      // Best effort.
    }
  });
}

test(`SIGINT to a run of ${JOBS} jobs, each with escapees, stops every process (shared scan, no cgroups)`, { timeout: 90_000 }, async (t) => {
  const dir = tempDir('codex-run-many-stop-');
  writeManifest(dir, 'stay');
  let seen: number[] = [];
  killAfter(t, () => seen);
  const { child, result } = startCli(['jobs.yaml', '--grace', '500ms'], { cwd: dir, env: { CODEX_RUN_CGROUPS: 'off' } });
  seen = await waitFor('every job to print its escapees', () => escapees(dir), 60_000);
  assert.equal(seen.length, 2 * JOBS);
  child.kill('SIGINT');
  const r = await result;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  await waitFor('every escapee to be gone', () => seen.every((pid) => !isAlive(pid)), 5000).catch(() =>
    assert.fail(`${seen.filter(isAlive).length} of ${seen.length} escapees survived the stop: ${seen.filter(isAlive).join(' ')}`),
  );
});

test(`${JOBS} jobs exiting together each leave escapees: the coalesced sweep after their exits kills every one (no cgroups)`, { timeout: 90_000 }, async (t) => {
  const dir = tempDir('codex-run-many-exit-');
  writeManifest(dir, 'exit');
  // Read right after the run (the temporary folder may be gone by the time after-hooks run).
  let pids: number[] | null = null;
  killAfter(t, () => pids ?? []);
  const r = await runCli(['jobs.yaml', '--grace', '500ms'], { cwd: dir, deadlineMs: 60_000, env: { CODEX_RUN_CGROUPS: 'off' } });
  pids = escapees(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(pids !== null && pids.length === 2 * JOBS, `every job printed its escapees: ${JSON.stringify(pids)}`);
  await waitFor('every escapee to be gone', () => pids.every((pid) => !isAlive(pid)), 5000).catch(() =>
    assert.fail(`${pids.filter(isAlive).length} of ${pids.length} escapees survived the sweep: ${pids.filter(isAlive).join(' ')}`),
  );
  const report = JSON.parse(readFileSync(path.join(runDirOf(dir)!, 'report.json'), 'utf8')) as { jobs: Array<{ status: string }> };
  assert.deepEqual(report.jobs.map((j) => j.status), Array(JOBS).fill('succeeded'));
});
