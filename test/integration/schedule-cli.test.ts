import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Report {
  status: string;
  finishedAt: string | null;
  jobs: Array<{ name: string; status: string }>;
}

interface StateFile {
  version: number;
  jobs: Array<{ manifest: string; job: string; lastFire: number | null; firstSeen: number }>;
}

interface RunFolder {
  dir: string;
  report: Report;
  job: string;
  log: string;
}

// Every run folder under `runsRoot` that has a report yet, oldest first (run ids sort by time).
function runFolders(runsRoot: string): RunFolder[] {
  if (!existsSync(runsRoot)) return [];
  const found: RunFolder[] = [];
  for (const name of readdirSync(runsRoot).sort()) {
    const dir = path.join(runsRoot, name);
    // A run folder being born is `.<id>.partial` until it is renamed: not a run yet. Files come
    // and go here meanwhile (the schedule lock's temporary file, renamed over the lock).
    if (name === 'locks' || name.startsWith('.') || statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    let report: Report;
    try {
      report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    } catch {
      continue;
    }
    const job = report.jobs[0]?.name ?? '';
    const logFile = path.join(dir, `${job}.log`);
    found.push({ dir, report, job, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' });
  }
  return found;
}

function finished(run: RunFolder): boolean {
  return run.report.finishedAt !== null && run.report.jobs.every((job) => job.status !== 'pending' && job.status !== 'running');
}

// Pids of live processes whose environment carries `NAME=value`.
function processesWith(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

function manifest(token: string, tick: { command: string; schedule: string }): string {
  return [
    'version: 1',
    'defaults:',
    `  env: { H9_MARK: "${token}" }`,
    'jobs:',
    '  tick:',
    '    agent: command',
    `    command: [sh, -c, "${tick.command}"]`,
    '    workdir: a',
    `    schedule: "${tick.schedule}"`,
    '  long:',
    '    agent: command',
    '    command: [sleep, "600"]',
    '    workdir: b',
    '    schedule: "*/2 * * * * *"',
    '',
  ].join('\n');
}

test('the daemon fires every 2 s, reloads valid edits, keeps the old schedule on invalid ones, and stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('codex-run-schedule-cli-');
  for (const sub of ['a', 'b']) mkdirSync(path.join(dir, sub));
  const file = path.join(dir, 'jobs.yaml');
  const runsRoot = path.join(dir, '.codex-run', 'runs');
  const token = randomBytes(8).toString('hex');
  writeFileSync(file, manifest(token, { command: 'echo tick-v1', schedule: '*/2 * * * * *' }));

  const cli = startCli(['schedule', 'jobs.yaml'], { cwd: dir });
  let stderr = '';
  cli.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const ticks = (): RunFolder[] => runFolders(runsRoot).filter((run) => run.job === 'tick' && finished(run));

  await waitFor('two finished tick runs and a running long job', () => {
    const runs = runFolders(runsRoot);
    return ticks().length >= 2 && runs.some((run) => run.job === 'long' && run.report.status === 'running');
  }, 15_000).catch((cause: unknown) => assert.fail(`${String(cause)}\nrun folders: ${JSON.stringify(runFolders(runsRoot))}\nstderr:\n${stderr}`));
  assert.ok(ticks().every((run) => run.report.status === 'succeeded' && run.log.includes('tick-v1')));

  // A manual run of a job whose workdir a scheduled run holds fails clearly and starts nothing.
  const manual = await runCli(['jobs.yaml', '--job', 'long'], { cwd: dir });
  assert.equal(manual.code, 1, manual.stderr);
  assert.match(manual.stderr, new RegExp(`workdir ${path.join(dir, 'b')} \\(job 'long'\\) is in use by ${file}#long \\(pid ${cli.child.pid}\\)`));

  // A valid edit: later runs use the new command.
  let mark = stderr.length;
  writeFileSync(file, manifest(token, { command: 'echo tick-v2', schedule: '*/2 * * * * *' }));
  await waitFor('the valid edit to be reloaded', () => stderr.slice(mark).includes(' reload-ok '), 10_000);
  await waitFor('a tick run with the edited command', () => ticks().some((run) => run.log.includes('tick-v2')), 10_000);

  // An invalid edit: located diagnostics in the log; the previous schedule and jobs keep running.
  mark = stderr.length;
  writeFileSync(file, manifest(token, { command: 'echo tick-v3', schedule: 'not a cron' }));
  await waitFor('the invalid edit to be reported', () => stderr.slice(mark).includes(' reload-failed '), 10_000);
  assert.match(stderr.slice(mark), /kept the previous schedule\n {2}jobs\.yaml:9:15: error: invalid cron expression "not a cron": expected 5 fields/);
  const before = ticks().length;
  await waitFor('a tick run after the invalid edit', () => ticks().length > before, 10_000);
  assert.ok(ticks().at(-1)?.log.includes('tick-v2'), 'the last valid model still runs');

  cli.child.kill('SIGTERM');
  const result = await Promise.race([
    cli.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the daemon did not stop:\n${stderr}`)), 15_000).unref()),
  ]);
  assert.equal(result.code, 143, result.stderr);

  const state = JSON.parse(readFileSync(path.join(runsRoot, 'schedule-state.json'), 'utf8')) as StateFile;
  assert.equal(state.version, 1);
  assert.deepEqual(state.jobs.map((job) => [job.manifest, job.job, typeof job.lastFire]).sort(), [
    [file, 'long', 'number'],
    [file, 'tick', 'number'],
  ]);
  const runs = runFolders(runsRoot);
  const folders = readdirSync(runsRoot).filter((name) => name !== 'locks' && statSync(path.join(runsRoot, name)).isDirectory());
  assert.equal(runs.length, folders.length, 'every run folder has a report.json');
  for (const run of runs) assert.ok(finished(run), `${run.dir} has a complete report: ${JSON.stringify(run.report)}`);
  const longRuns = runs.filter((run) => run.job === 'long');
  assert.deepEqual(longRuns.map((run) => run.report.status), ['interrupted'], 'one long run: reloads never stopped it, SIGTERM did');

  const log = readFileSync(path.join(runsRoot, 'schedule.log'), 'utf8');
  for (const event of ['started', 'fire', 'skip', 'run-finished', 'reload-ok', 'reload-failed', 'stopped']) {
    assert.match(log, new RegExp(`^\\S+ ${event}\\b`, 'm'), `schedule.log has a ${event} line`);
  }
  assert.equal(statSync(path.join(runsRoot, 'schedule.log')).mode & 0o777, 0o600);
  assert.deepEqual(processesWith('H9_MARK', token), [], 'no job process is left');
});

test('--once: the first check only records; after a fire time passes the next check runs the job exactly once', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-schedule-once-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  tick: { agent: command, command: [echo, once], schedule: "* * * * * *" }\n');
  const runsRoot = path.join(dir, '.codex-run', 'runs');
  const stateFile = path.join(runsRoot, 'schedule-state.json');

  const first = await runCli(['schedule', 'jobs.yaml', '--once'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, / started mode=once jobs=1\n/);
  assert.deepEqual(runFolders(runsRoot), []);
  const recorded = (JSON.parse(readFileSync(stateFile, 'utf8')) as StateFile).jobs;
  assert.equal(recorded.length, 1);
  assert.equal(recorded[0]?.lastFire, null);
  const firstSeen = recorded[0]?.firstSeen ?? 0;

  const nextFire = Math.floor(firstSeen / 1000) * 1000 + 1000;
  await waitFor('a fire time after the first check', () => Date.now() > nextFire, 5_000);
  const second = await runCli(['schedule', 'jobs.yaml', '--once'], { cwd: dir });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, / fire tick \(.*\) fired-at=\S+ trigger=once /);
  const runs = runFolders(runsRoot);
  assert.equal(runs.length, 1, 'exactly one run, never one per missed second');
  assert.equal(runs[0]?.report.status, 'succeeded');
  const lastFire = (JSON.parse(readFileSync(stateFile, 'utf8')) as StateFile).jobs[0]?.lastFire ?? 0;
  assert.ok(lastFire >= nextFire && lastFire % 1000 === 0, `lastFire ${lastFire} is a fire time after the first check`);
});

test('--list prints the next 3 fire times; an invalid manifest exits 2 with located diagnostics and creates nothing', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-schedule-list-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  nightly: { prompt: p, schedule: { cron: "0 2 * * 1-5", timezone: UTC }, catchUp: true }\n');
  const listed = await runCli(['schedule', 'jobs.yaml', '--list'], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    `nightly  (${path.join(dir, 'jobs.yaml')})`,
    '  schedule  0 2 * * 1-5  UTC',
    '  policy    overlap skip, catchUp true, jitter none',
  ]);
  const times = lines.slice(3, 6).map((line) => /^ {2}(?:next| {4}) {6}(\d{4}-\d\d-\d\d) 02:00 \+00:00$/.exec(line)?.[1]);
  assert.equal(times.length, 3);
  for (const day of times) {
    assert.ok(day !== undefined, listed.stdout);
    assert.ok([1, 2, 3, 4, 5].includes(new Date(`${day}T02:00:00Z`).getUTCDay()), `${day} is a weekday`);
  }
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
  const both = await runCli(['schedule', 'jobs.yaml', '--list', '--once'], { cwd: dir });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--list and --once cannot be combined/);

  writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\njobs:\n  a: { prompt: p, overlap: queue }\n');
  const invalid = await runCli(['schedule', 'jobs.yaml', 'bad.yaml'], { cwd: dir });
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /^bad\.yaml:3:19: error: 'overlap' only applies to a job with a 'schedule', and job 'a' has none\n/);
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
});
