import { test, type TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive, signalProcesses } from '../../src/session/process-tree.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Report {
  status: string;
  jobs: Array<{ name: string; status: string; reason: string | null; containment: string | null; process: { pid: number; cgroup: string | null } | null }>;
  warnings: Array<{ message: string }>;
}

function onlyReport(dir: string): Report {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.equal(runs.length, 1);
  return JSON.parse(readFileSync(path.join(root, runs[0]!, 'report.json'), 'utf8')) as Report;
}

function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

// A pid file outside the test's temporary folder (whose removal may run before other hooks):
// when the test ends, every pid the fixtures wrote into it is killed (the test's own processes only).
function pidFileFor(t: TestContext): string {
  const file = path.join(os.tmpdir(), `codex-run-pids-${randomUUID()}.txt`);
  t.after(() => {
    killAll(file);
    rmSync(file, { force: true });
  });
  return file;
}

function killAll(file: string): void {
  const pids = pidsIn(file).filter((pid) => pid > 1 && pid !== process.pid);
  try {
    signalProcesses(pids, 'SIGKILL');
  } catch {
    // Best effort.
  }
}

const asRoot = process.getuid?.() === 0;

for (const uid of asRoot ? ['same uid', 'nobody'] : ['same uid']) {
  test(`a double-forked, setsid, env -i sleeper ignoring TERM and HUP (${uid}) is killed with its job's cgroup`, { timeout: 60_000 }, async (t) => {
    const dir = tempDir('codex-run-contain-');
    const pidFile = pidFileFor(t);
    writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `version: 1\njobs:\n  escape:\n    agent: command\n    command: [sh, ${fixture('double-fork-escape.sh')}, ${pidFile}${uid === 'nobody' ? ', nobody' : ''}]\n    timeout: 2s\n`,
    );
    const r = await runCli(['jobs.yaml', '--grace', '300ms'], { cwd: dir, deadlineMs: 40_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const [sleeper] = pidsIn(pidFile);
    assert.ok(sleeper !== undefined, 'the fixture recorded its sleeper');
    await waitFor('the escaped sleeper to be gone', () => !isAlive(sleeper), 5000).catch(() =>
      assert.fail(`pid ${sleeper} survived the stop: ${readFileSync(`/proc/${sleeper}/cmdline`, 'latin1')}`),
    );
    const report = onlyReport(dir);
    assert.equal(report.jobs[0]?.status, 'timed_out');
    // What is left of a job codex-run stopped is the rest of that stop, not a warning about the job.
    assert.ok(!report.warnings.some((w) => /left running after it exited/.test(w.message)), JSON.stringify(report.warnings));
    assert.equal(report.jobs[0]?.containment, 'cgroup', 'this machine allows cgroups (root, cgroup v2): the job must be in one');
    const cgroup = report.jobs[0]?.process?.cgroup;
    assert.ok(cgroup, 'the report names the cgroup');
    assert.equal(existsSync(cgroup), false, 'the cgroup is removed after the job');
  });
}

test('the same sleeper left behind by a job that exits by itself is killed by the sweep after the exit', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('codex-run-contain-exit-');
  const pidFile = pidFileFor(t);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  escape:\n    agent: command\n    command: [sh, ${fixture('double-fork-escape.sh')}, ${pidFile}, same, exit]\n`,
  );
  const r = await runCli(['jobs.yaml', '--grace', '300ms'], { cwd: dir, deadlineMs: 40_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const [sleeper] = pidsIn(pidFile);
  assert.ok(sleeper !== undefined, 'the fixture recorded its sleeper');
  await waitFor('the escaped sleeper to be gone', () => !isAlive(sleeper), 5000).catch(() => assert.fail(`pid ${sleeper} survived the sweep`));
  const report = onlyReport(dir);
  assert.equal(report.jobs[0]?.status, 'succeeded');
  assert.equal(report.jobs[0]?.containment, 'cgroup');
  assert.ok(report.warnings.some((w) => /left running after it exited/.test(w.message)));
});

test('without cgroups (CODEX_RUN_CGROUPS=off) a stray that forks on every SIGTERM leaves no child behind', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('codex-run-fork-on-term-');
  const pidFile = pidFileFor(t);
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  forker:\n    agent: command\n    command: [sh, ${fixture('fork-on-term.sh')}, ${pidFile}, leave]\n`);
  const r = await runCli(['jobs.yaml', '--grace', '300ms'], { cwd: dir, deadlineMs: 40_000, env: { CODEX_RUN_CGROUPS: 'off' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const pids = pidsIn(pidFile);
  assert.ok(pids.length > 1, `the stray forked on SIGTERM (${pids.length} pids)`);
  await waitFor('every process of the job to be gone', () => pids.every((pid) => !isAlive(pid)), 5000).catch(() =>
    assert.fail(`${pids.filter(isAlive).length} of ${pids.length} processes survived: ${pids.filter(isAlive).join(' ')}`),
  );
  const report = onlyReport(dir);
  assert.equal(report.jobs[0]?.status, 'succeeded');
  assert.equal(report.jobs[0]?.containment, 'session+marker');
});

test('a runner process that exits while a job runs takes the job down with it (its cgroup is killed on exit)', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('codex-run-contain-exit-hook-');
  const pidFile = pidFileFor(t);
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  sleeper:\n    agent: command\n    command: [sh, ${fixture('ignore-hup-sleep.sh')}, ${pidFile}]\n`);
  const src = path.join(repoRoot, 'dist', 'src');
  const child = spawn(process.execPath, [fixture('exit-while-running.mjs'), src, path.join(dir, 'jobs.yaml')], { stdio: 'ignore' });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  const pids = pidsIn(pidFile);
  assert.equal(pids.length, 2, 'the job started its sleepers');
  await waitFor('the job to be gone with its runner', () => pids.every((pid) => !isAlive(pid)), 5000).catch(() =>
    assert.fail(`${pids.filter(isAlive).join(' ')} outlived the runner`),
  );
});
