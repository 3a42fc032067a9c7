import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { recoverCrashedRuns } from '../../src/run/crashed-runs.js';
import { isAlive, signalProcesses } from '../../src/session/process-tree.js';
import { identifyProcess, processStartTime } from '../../src/util/process-identity.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object,
);

interface Report {
  status: string;
  runner: { pid: number } | null;
  jobs: Array<{ name: string; status: string; reason: string | null; message: string | null; containment: string | null; process: { pid: number; cgroup: string | null } | null }>;
  warnings: Array<{ message: string }>;
}

function runDirs(dir: string): string[] {
  const root = path.join(dir, '.codex-run', 'runs');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => statSync(path.join(root, name)).isDirectory() && name !== 'locks')
    .sort()
    .map((name) => path.join(root, name));
}

function readReport(runDir: string): Report | null {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  } catch {
    return null;
  }
}

function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

for (const mode of ['cgroup', 'session+marker'] as const) {
  test(`a SIGKILLed runner: \`codex-run runs\` marks its run crashed and stops its HUP-ignoring job (${mode})`, { timeout: 60_000 }, async (t) => {
    const dir = tempDir('codex-run-crashed-');
    // Outside the temporary folder, whose removal may run before the hook below.
    const pidFile = path.join(os.tmpdir(), `codex-run-pids-${randomUUID()}.txt`);
    const env = mode === 'cgroup' ? {} : { CODEX_RUN_CGROUPS: 'off' };
    writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `version: 1\nconcurrency: 1\njobs:\n  sleeper:\n    agent: command\n    command: [sh, ${fixture('ignore-hup-sleep.sh')}, ${pidFile}]\n  later:\n    agent: command\n    command: [echo, never]\n`,
    );
    const cli = startCli(['jobs.yaml'], { cwd: dir, env });
    t.after(() => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      signalProcesses(pidsIn(pidFile).filter((pid) => pid > 1 && pid !== process.pid && isAlive(pid)), 'SIGKILL');
      rmSync(pidFile, { force: true });
    });
    const runDir = await waitFor('the job to run with its process recorded', () => {
      const found = runDirs(dir)[0];
      const report = found === undefined ? null : readReport(found);
      return pidsIn(pidFile).length === 2 && report?.jobs[0]?.process != null ? found : null;
    }, 20_000);
    cli.child.kill('SIGKILL');
    await cli.result;
    const pids = pidsIn(pidFile);
    await new Promise((resolve) => setTimeout(resolve, 200)); // Let the hang-up reach the job.
    assert.ok(pids.every(isAlive), 'the job ignored the hang-up and outlived its runner');
    const before = readReport(runDir)!;
    assert.equal(before.status, 'running');
    assert.equal(before.runner?.pid, cli.child.pid);
    assert.equal(before.jobs[0]?.containment, mode);

    const notice = new RegExp(`run ${path.basename(runDir)} crashed \\(its runner, pid ${cli.child.pid}, died\\): marked crashed, stopped [1-9]`);
    if (mode === 'cgroup') {
      const listed = await runCli(['runs'], { cwd: dir });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, notice);
      assert.match(listed.stdout, new RegExp(`^${path.basename(runDir)}\\s+crashed\\s+\\S+\\s+1 failed, 1 skipped$`, 'm'));
    } else {
      // The next run does the same before it starts, and says so.
      const next = await runCli(['jobs.yaml', '--job', 'later'], { cwd: dir, env });
      assert.equal(next.code, 0, next.stdout + next.stderr);
      assert.match(next.stdout + next.stderr, notice);
    }
    await waitFor('every process of the job to be gone', () => pids.every((pid) => !isAlive(pid)), 5000);
    const after = readReport(runDir)!;
    assert.ok(validateReport(after), JSON.stringify(validateReport.errors));
    assert.equal(after.status, 'crashed');
    assert.deepEqual(after.jobs.map((job) => [job.status, job.reason]), [
      ['failed', 'runner-crashed'],
      ['skipped', 'runner-crashed'],
    ]);
    assert.match(after.jobs[0]?.message ?? '', /the runner \(pid \d+\) died while the job ran/);
    if (mode === 'cgroup') assert.equal(existsSync(after.jobs[0]!.process!.cgroup!), false, 'the cgroup is removed');

    // Listing again changes nothing; a new run starts normally.
    const again = await runCli(['runs'], { cwd: dir });
    assert.equal(again.stderr, '');
    assert.match(again.stdout, /crashed/);
  });
}

test('recovery never signals a pid whose start time does not match, and leaves runs of live runners alone', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('codex-run-crashed-unit-');
  const runsRoot = path.join(dir, 'runs');
  const bystander = spawn('/usr/bin/sleep', ['300'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => bystander.once('exit', resolve));
  t.after(async () => {
    bystander.kill('SIGKILL');
    await exited;
  });
  const pid = bystander.pid!;
  await waitFor('the bystander to run', () => processStartTime(pid));
  const me = identifyProcess();
  const write = (name: string, runner: object, process: object): string => {
    const runDir = path.join(runsRoot, name);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(
      path.join(runDir, 'report.json'),
      JSON.stringify({ status: 'running', runner, warnings: [], jobs: [{ name: 'a', status: 'running', phase: 'running', process: { ...process, cgroup: null } }] }),
    );
    return runDir;
  };
  // A dead runner (its pid now has another start time) whose job pid is now someone else's.
  const crashed = write('1-crashed', { ...me, bootId: me.bootId, startTime: String(BigInt(me.startTime!) + 1n) }, { pid, startTime: '1', bootId: me.bootId });
  // A live runner (this test process).
  const live = write('2-live', me, { pid, startTime: processStartTime(pid), bootId: me.bootId });
  const recovered = await recoverCrashedRuns(runsRoot, { killWaitMs: 200 });
  assert.deepEqual(recovered.map((r) => [r.runId, r.killed]), [['1-crashed', 0]]);
  assert.ok(isAlive(pid), 'a pid with another start time is never signalled');
  assert.equal(readReport(crashed)?.status, 'crashed');
  assert.equal(readReport(live)?.status, 'running', 'the run of a live runner is not touched');
});

test('the scheduler marks runs a killed scheduler left running when it starts, not at the next fire', { timeout: 30_000 }, async () => {
  const dir = tempDir('codex-run-crashed-schedule-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  yearly: { agent: command, command: [echo, hi], schedule: "0 3 1 1 *" }\n');
  const runDir = path.join(dir, '.codex-run', 'runs', '20260101T000000.000Z-1-dead');
  mkdirSync(runDir, { recursive: true });
  const me = identifyProcess();
  // Our own pid with another start time: a runner that is gone.
  const runner = { pid: process.pid, startTime: String(BigInt(me.startTime!) + 7n), bootId: me.bootId };
  writeFileSync(
    path.join(runDir, 'report.json'),
    JSON.stringify({ status: 'running', runner, warnings: [], jobs: [{ name: 'yearly', status: 'running', phase: 'running', process: null }] }, null, 2),
  );
  const r = await runCli(['schedule', 'jobs.yaml', '--once'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /run 20260101T000000\.000Z-1-dead crashed \(its runner, pid \d+, died\): marked crashed, stopped 0 leftover/);
  const report = readReport(runDir)!;
  assert.equal(report.status, 'crashed');
  assert.equal(report.jobs[0]?.reason, 'runner-crashed');
});
