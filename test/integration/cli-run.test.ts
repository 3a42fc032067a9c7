import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, startCli, within } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const reportSchema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(reportSchema);

interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  exitCode: number | null;
  logFile: string;
  transcriptFile: string;
  stoppedBy: string | null;
  message: string | null;
}
interface Report {
  runId: string;
  status: string;
  jobs: ReportJob[];
}

function writeManifest(dir: string, body: string): string {
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, body);
  return file;
}

/** The only run folder under <dir>/.codex-run/runs. */
function onlyRunDir(dir: string): string {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.equal(runs.length, 1, `expected one run folder, found ${runs.join(', ')}`);
  return path.join(root, runs[0]!);
}

function readReport(runDir: string): Report {
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.ok(validateReport(report), JSON.stringify(validateReport.errors, null, 2));
  return report;
}

function expectedPayload(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    let b = x & 0xff;
    if (b === 0x0a || b === 0x0d) b = 0x20;
    out[i] = b;
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('runs jobs in parallel PTYs: byte-exact logs, transcript, events, a valid report, exit 0 and the run folder last', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(
    dir,
    `version: 1
concurrency: 2
jobs:
  binary:
    agent: command
    command: [node, ${fixture('cli-payload.js')}, "7", "20000"]
  shell-string:
    agent: command
    command: "printf 'one\\\\rtwo\\\\n'; echo \\"$GREETING\\""
    env: { GREETING: "hi \${USER:-there}" }
  tty-check:
    agent: command
    command: [sh, -c, "test -t 0 && test -t 1 && echo \\"TERM=$TERM\\""]
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const runDir = onlyRunDir(dir);
  assert.equal(statSync(runDir).mode & 0o777, 0o700);
  assert.equal(statSync(path.dirname(runDir)).mode & 0o777, 0o700);
  const lastLine = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  assert.ok(lastLine.includes(runDir), `last line should name the run folder:\n${r.stdout}`);

  const report = readReport(runDir);
  assert.equal(report.status, 'succeeded');
  assert.deepEqual(
    report.jobs.map((j) => [j.name, j.status, j.exitCode]),
    [
      ['binary', 'succeeded', 0],
      ['shell-string', 'succeeded', 0],
      ['tty-check', 'succeeded', 0],
    ],
  );
  const binary = report.jobs[0]!;
  const log = readFileSync(path.join(runDir, binary.logFile));
  assert.ok(log.equals(expectedPayload(7, 20000)), 'log bytes differ from what the job wrote');
  assert.equal(statSync(path.join(runDir, binary.logFile)).mode & 0o777, 0o600);

  const shell = report.jobs[1]!;
  assert.equal(readFileSync(path.join(runDir, shell.logFile), 'utf8'), `one\rtwo\r\nhi ${process.env['USER'] ?? 'there'}\r\n`);
  const transcript = readFileSync(path.join(runDir, shell.transcriptFile), 'utf8');
  assert.equal(transcript, `two\nhi ${process.env['USER'] ?? 'there'}\n`);
  assert.equal(statSync(path.join(runDir, shell.transcriptFile)).mode & 0o777, 0o600);
  assert.match(readFileSync(path.join(runDir, report.jobs[2]!.logFile), 'utf8'), /TERM=xterm-256color/);

  const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; job?: string; phase?: string });
  assert.equal(events[0]?.type, 'run-started');
  assert.equal(events.at(-1)?.type, 'run-finished');
  for (const name of ['binary', 'shell-string', 'tty-check']) {
    assert.ok(events.some((e) => e.type === 'job-state' && e.job === name && e.phase === 'running'), `no running state for ${name}`);
    assert.ok(events.some((e) => e.type === 'job-finished' && e.job === name), `no finished event for ${name}`);
  }
  assert.equal(statSync(path.join(runDir, 'events.jsonl')).mode & 0o777, 0o600);
  assert.equal(statSync(path.join(runDir, 'report.json')).mode & 0o777, 0o600);
});

test('a failing job and a missing binary fail with clear reasons while the run goes on; exit 1', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(
    dir,
    `version: 1
jobs:
  fails:
    agent: command
    command: [sh, ${fixture('cli-exit.sh')}, "3"]
  no-binary:
    agent: command
    command: [codex-run-no-such-program, --flag]
  ok:
    agent: command
    command: [echo, fine]
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  assert.equal(report.status, 'failed');
  const byName = new Map(report.jobs.map((j) => [j.name, j]));
  assert.equal(byName.get('fails')?.status, 'failed');
  assert.equal(byName.get('fails')?.exitCode, 3);
  assert.equal(byName.get('fails')?.reason, 'exit-non-zero');
  assert.equal(byName.get('no-binary')?.reason, 'binary-missing');
  assert.match(byName.get('no-binary')?.message ?? '', /codex-run-no-such-program/);
  assert.equal(byName.get('ok')?.status, 'succeeded');
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('a job over its timeout is stopped with its whole process tree, setsid and nohup escapees included', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'pids.txt');
  writeManifest(
    dir,
    `version: 1
jobs:
  slow:
    agent: command
    command: [sh, ${fixture('cli-tree.sh')}, ${pidFile}]
    timeout: 1500ms
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  assert.equal(report.jobs[0]?.status, 'timed_out');
  assert.equal(report.jobs[0]?.reason, 'timeout');
  assert.equal(report.jobs[0]?.stoppedBy, 'term');
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  assert.equal(pids.length, 2);
  await waitFor('escaped grandchildren to be gone', () => pids.every((pid) => !isAlive(pid)), 5000);
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} to the runner stops every job's tree, writes the report with interrupted jobs and exits ${code}`, { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'pids.txt');
    writeManifest(
      dir,
      `version: 1
concurrency: 1
jobs:
  tree:
    agent: command
    command: [sh, ${fixture('cli-tree.sh')}, ${pidFile}]
  never-started:
    agent: command
    command: [echo, late]
`,
    );
    const { child, result } = startCli(['jobs.yaml'], { cwd: dir });
    await waitFor('the job to start its tree', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 2);
    child.kill(signal);
    const r = await result;
    assert.equal(r.code, code, r.stdout + r.stderr);
    const report = readReport(onlyRunDir(dir));
    assert.equal(report.status, 'interrupted');
    assert.equal(report.jobs[0]?.status, 'interrupted');
    assert.equal(report.jobs[1]?.status, 'skipped');
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    await waitFor('every process of the job to be gone', () => pids.every((pid) => !isAlive(pid)), 5000);
  });
}

test('many jobs that write and exit at once lose no byte', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const jobs = Array.from({ length: 30 }, (_, i) => {
    const size = 4096 + ((i * 7919) % 60000);
    return `  p${i}:\n    agent: command\n    command: [node, ${fixture('cli-payload.js')}, "${i + 1}", "${size}"]\n`;
  });
  writeManifest(dir, `version: 1\nconcurrency: 30\njobs:\n${jobs.join('')}`);
  const r = await runCli(['jobs.yaml'], { cwd: dir, deadlineMs: 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const runDir = onlyRunDir(dir);
  const report = readReport(runDir);
  let lost = 0;
  report.jobs.forEach((job, i) => {
    const size = 4096 + ((i * 7919) % 60000);
    const log = readFileSync(path.join(runDir, job.logFile));
    if (!log.equals(expectedPayload(i + 1, size))) lost += 1;
  });
  assert.equal(lost, 0, `${lost} of 30 logs differ from what the jobs wrote`);
});

test('an invalid manifest: located diagnostics on stderr, exit 2, nothing started, no run folder', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(dir, `version: 1\njobs:\n  a:\n    agent: command\n    comand: [echo, hi]\n`);
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /jobs\.yaml:5:5: error: /);
  assert.match(r.stderr, /command/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
});

test('--dry-run prints argv, workdir, env keys and limits without starting anything', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'sub'));
  writeManifest(
    dir,
    `version: 1
jobs:
  lint:
    agent: command
    command: [echo, "it's here"]
    workdir: ./sub
    env: { SECRET_TOKEN: "s3cr3t-value" }
    timeout: 5m
`,
  );
  const r = await runCli(['jobs.yaml', '--dry-run'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /argv: +\/\S*echo 'it'\\''s here'/);
  assert.match(r.stdout, new RegExp(`workdir: +${path.join(dir, 'sub').replace(/[/.]/g, '\\$&')}`));
  assert.match(r.stdout, /env: +SECRET_TOKEN/);
  assert.match(r.stdout, /timeout: +5m/);
  assert.doesNotMatch(r.stdout, /s3cr3t-value/, 'env values never printed');
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
});

test('--job runs a subset; an unknown --job name is a usage error with a suggestion', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(dir, `version: 1\njobs:\n  alpha:\n    agent: command\n    command: [echo, a]\n  beta:\n    agent: command\n    command: [echo, b]\n`);
  const r = await runCli(['jobs.yaml', '--job', 'beta'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const report = readReport(onlyRunDir(dir));
  assert.deepEqual(report.jobs.map((j) => j.name), ['beta']);
  const bad = await runCli(['jobs.yaml', '--job', 'alpah'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /alpah/);
  assert.match(bad.stderr, /alpha/);
});

test('a job name cannot escape the run folder', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(dir, `version: 1\njobs:\n  "../../../escape":\n    agent: command\n    command: [echo, x]\n`);
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const runDir = onlyRunDir(dir);
  const report = readReport(runDir);
  const logFile = path.resolve(runDir, report.jobs[0]!.logFile);
  assert.ok(logFile.startsWith(runDir + path.sep), `${logFile} is outside ${runDir}`);
  assert.ok(existsSync(logFile));
  assert.equal(existsSync(path.join(dir, 'escape.log')), false);
});

test('--out replaces the runs folder; two runs at once get distinct, time-sorted ids', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(dir, `version: 1\njobs:\n  a:\n    agent: command\n    command: [echo, a]\n`);
  const out = path.join(dir, 'elsewhere');
  const [a, b] = await Promise.all([runCli(['jobs.yaml', '--out', out], { cwd: dir }), runCli(['jobs.yaml', '--out', out], { cwd: dir })]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const runs = readdirSync(out).filter((name) => statSync(path.join(out, name)).isDirectory());
  assert.equal(runs.length, 2);
  assert.notEqual(runs[0], runs[1]);
  assert.equal(existsSync(path.join(dir, '.codex-run')), false);
});

test('validate and init', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const init = await runCli(['init'], { cwd: dir });
  assert.equal(init.code, 0, init.stderr);
  assert.ok(existsSync(path.join(dir, 'jobs.yaml')));
  const again = await runCli(['init'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);
  const valid = await runCli(['validate', 'jobs.yaml'], { cwd: dir });
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /valid/);
  writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo]\n    timeout: 5 minutes\n');
  const invalid = await runCli(['validate', 'bad.yaml'], { cwd: dir });
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /bad\.yaml:6:14: error: /);
});

test('usage errors exit 2', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const r = await runCli(['--no-such-flag'], { cwd: dir });
  assert.equal(r.code, 2);
  const missing = await runCli(['missing.yaml'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing\.yaml/);
  const version = await runCli(['--version'], { cwd: dir });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test('a second Ctrl-C skips the grace period: a job ignoring SIGTERM is killed at once', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeManifest(dir, `version: 1\njobs:\n  stubborn:\n    agent: command\n    command: [node, ${fixture('ignore-term.js')}]\n`);
  const { child, result, stdout } = startCli(['jobs.yaml', '--grace', '60s'], { cwd: dir });
  await waitFor('the job to have installed its SIGTERM handler', () => {
    const root = path.join(dir, '.codex-run', 'runs');
    if (!existsSync(root) || readdirSync(root).length !== 1) return false;
    try {
      const report = JSON.parse(readFileSync(path.join(onlyRunDir(dir), 'report.json'), 'utf8')) as { jobs: Array<{ lastLine: string | null }> };
      return report.jobs[0]?.lastLine === 'ready';
    } catch {
      return false;
    }
  }, 40_000);
  child.kill('SIGINT');
  await waitFor('the stop ladder to send SIGTERM', () => /SIGTERM/.test(stdout()), 40_000);
  child.kill('SIGINT');
  // With a 60 s grace, only the second Ctrl-C can end the run before the grace is over; the
  // deadline leaves a loaded machine plenty of room and its timer never outlives the test.
  const r = await within(result, 50_000, () => `not stopped at once:\n${stdout()}`);
  assert.equal(r.code, 130, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  assert.equal(report.jobs[0]?.status, 'interrupted');
  assert.equal(report.jobs[0]?.stoppedBy, 'kill');
});

test('a runner killed with SIGKILL mid-run leaves a valid partial report and the bytes written so far', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'pids.txt');
  writeManifest(
    dir,
    `version: 1\njobs:\n  quick:\n    agent: command\n    command: [echo, done-quickly]\n  slow:\n    agent: command\n    command: [sh, ${fixture('cli-tree.sh')}, ${pidFile}]\n`,
  );
  const { child, result } = startCli(['jobs.yaml'], { cwd: dir });
  const runDir = await waitFor('the quick job to be in the report', () => {
    const root = path.join(dir, '.codex-run', 'runs');
    if (!existsSync(root) || readdirSync(root).length !== 1) return null;
    const run = onlyRunDir(dir);
    try {
      const report = JSON.parse(readFileSync(path.join(run, 'report.json'), 'utf8')) as Report;
      return report.jobs.find((j) => j.name === 'quick')?.status === 'succeeded' && existsSync(pidFile) ? run : null;
    } catch {
      return null;
    }
  });
  child.kill('SIGKILL');
  await result;
  const report = readReport(runDir);
  assert.equal(report.status, 'running');
  assert.equal(report.jobs.find((j) => j.name === 'slow')?.status, 'running');
  assert.match(readFileSync(path.join(runDir, report.jobs.find((j) => j.name === 'quick')!.logFile), 'utf8'), /done-quickly/);
  // The runner could not clean up; this test does, by the pids the job recorded.
  for (const pid of readFileSync(pidFile, 'utf8').trim().split('\n').map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
