import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { startCliInTerminal, startInTerminal } from '../helpers/pty-cli.js';
import { startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Report {
  status: string;
  jobs: Array<{ name: string; status: string }>;
  warnings: Array<{ message: string }>;
}

// A manifest of two jobs that run until `release` exists; `immune` also ignores SIGHUP.
function manifest(dir: string): { file: string; pidFile: string; release: string } {
  const pidFile = path.join(dir, 'immune.pid');
  const release = path.join(dir, 'release');
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'jobs:',
      '  plain:',
      '    agent: command',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fixture('hup-immune.js'))}, ${JSON.stringify(path.join(dir, 'plain.pid'))}, ${JSON.stringify(release)}]`,
      '  immune:',
      '    agent: command',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fixture('hup-immune.js'))}, ${JSON.stringify(pidFile)}, ${JSON.stringify(release)}]`,
      '',
    ].join('\n'),
  );
  return { file, pidFile, release };
}

function report(out: string): Report {
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, `expected one run folder, found ${runs.join(', ')}`);
  return JSON.parse(readFileSync(path.join(out, runs[0]!, 'report.json'), 'utf8')) as Report;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killIfAlive(pid: number | null): void {
  if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
}

// The pid a fixture wrote, or null while the file is missing or not yet written (an empty file
// is not pid 0: signalling 0 would reach our own process group).
function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

test('stdout and stderr closed mid-run (codex-run | head): the run goes on, finishes its report and exits with its own code', { timeout: 40_000 }, async (t) => {
  const dir = tempDir();
  const out = path.join(dir, 'runs');
  const { file, pidFile, release } = manifest(dir);
  const cli = startCli([file, '--out', out], { cwd: dir });
  t.after(() => {
    killIfAlive(readPid(pidFile));
    killIfAlive(readPid(path.join(dir, 'plain.pid')));
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  await waitFor('the run to start and show a line', () => cli.stdout().includes('started'), 20_000);
  await waitFor('both jobs to start', () => readPid(pidFile) !== null && readPid(path.join(dir, 'plain.pid')) !== null, 20_000);
  // The readers go away, as `head -2` does after its lines; the next writes fail with EPIPE.
  cli.child.stdout?.destroy();
  cli.child.stderr?.destroy();
  writeFileSync(release, '');
  const result = await cli.result;
  assert.equal(result.signal, null);
  assert.equal(result.code, 0, 'the run succeeded, so the exit code is 0');
  const r = report(out);
  assert.equal(r.status, 'succeeded');
  assert.deepEqual(r.jobs.map((j) => j.status), ['succeeded', 'succeeded']);
  assert.ok(r.warnings.some((w) => /stdout was closed \(EPIPE\); the run goes on/.test(w.message)), JSON.stringify(r.warnings));
});

test('the terminal closes under a rich-display run (ssh drop): SIGHUP stops it like SIGTERM, exit 129, complete report, no survivor', { timeout: 40_000 }, async (t) => {
  const dir = tempDir();
  const out = path.join(dir, 'runs');
  const { file, pidFile } = manifest(dir);
  const cli = startCliInTerminal([file, '--out', out, '--grace', '2s'], { cwd: dir });
  t.after(() => {
    killIfAlive(readPid(pidFile));
    killIfAlive(readPid(path.join(dir, 'plain.pid')));
    killIfAlive(cli.pid);
  });
  await waitFor('both jobs to start', () => readPid(pidFile) !== null && readPid(path.join(dir, 'plain.pid')) !== null, 20_000);
  await waitFor('the rich display to draw a running job', () => /immune.*running/.test(cli.output()), 20_000);
  const immune = readPid(pidFile)!;
  cli.hangUp();
  const exit = await cli.exited;
  assert.deepEqual(exit, { exitCode: 129, signal: 0 }, 'exit 129 (128 + SIGHUP) of its own, not an abort (signal 6)');
  const r = report(out);
  assert.equal(r.status, 'interrupted');
  assert.deepEqual(r.jobs.map((j) => j.status), ['interrupted', 'interrupted']);
  // The job ignored SIGHUP; the runner's stop ladder (Ctrl-C, SIGTERM, SIGKILL) still ended it.
  await waitFor(`the SIGHUP-immune job (pid ${immune}) to be gone`, () => !alive(immune), 5_000);
});

test('exiting after the terminal was closed keeps the exit code instead of aborting in Node\'s terminal reset', { timeout: 20_000 }, async (t) => {
  const dir = tempDir();
  const script = path.join(dir, 'exit-after-hangup.mjs');
  const outputStream = new URL('../../src/ui/output-stream.js', import.meta.url).href;
  // Started on a terminal; after SIGHUP it writes (EIO), lets the dead terminal go and exits 7.
  writeFileSync(
    script,
    `import { processOutput, releaseHungUpTerminal } from ${JSON.stringify(outputStream)};
    const { stdout } = processOutput();
    process.on('SIGHUP', () => {
      stdout.write('still here\\n');
      setTimeout(() => { releaseHungUpTerminal(); process.exit(7); }, 100);
    });
    stdout.write('ready\\n');
    setInterval(() => {}, 1000);`,
  );
  const child = startInTerminal([script], { cwd: dir });
  t.after(() => killIfAlive(child.pid));
  await waitFor('the child to be ready', () => child.output().includes('ready'), 10_000);
  child.hangUp();
  assert.deepEqual(await child.exited, { exitCode: 7, signal: 0 }, 'signal 6 would be Node aborting on the hung-up terminal');
});
