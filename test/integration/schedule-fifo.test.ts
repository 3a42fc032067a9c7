import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants, closeSync, existsSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSourceFile } from '../../src/manifest/read-source-file.js';
import { startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const mkfifo = (file: string): Promise<unknown> => promisify(execFile)('mkfifo', [file]);

// Opening the write side lets a reader blocked in open() go (a failing test must not hang at exit).
function releaseReaders(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waiting (ENXIO) or no FIFO: nothing to release.
  }
}

const MANIFEST = ['version: 1', 'jobs:', '  nightly:', '    agent: command', '    command: [echo, hi]', '    schedule: "0 3 * * *"', ''].join('\n');

test('a manifest that is a FIFO is refused without blocking on it', { timeout: 10_000 }, async (t) => {
  const fifo = path.join(tempDir(), 'jobs.yaml');
  await mkfifo(fifo);
  t.after(() => releaseReaders(fifo));
  const read = await readSourceFile(fifo, 1024);
  assert.deepEqual(read, { ok: false, error: { message: 'expected a YAML file, found a named pipe (FIFO)', hint: 'manifests are read only from regular files' } });
});

test('the schedule daemon reports a manifest replaced by a FIFO as a located reload error and still stops on SIGTERM', { timeout: 40_000 }, async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, MANIFEST);
  const cli = startCli(['schedule', 'jobs.yaml'], { cwd: dir });
  let stderr = '';
  cli.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  t.after(() => {
    releaseReaders(file);
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  await waitFor('the daemon to start', () => stderr.includes(' started '), 15_000);
  unlinkSync(file);
  await mkfifo(file);
  await waitFor('the reload to fail on the FIFO', () => /reload-failed .*\n {2}jobs\.yaml:1:1: error: expected a YAML file, found a named pipe \(FIFO\)/.test(stderr), 15_000);
  cli.child.kill('SIGTERM');
  const result = await Promise.race([
    cli.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the daemon did not exit after SIGTERM:\n${stderr}`)), 10_000).unref()),
  ]);
  assert.equal(result.code, 143, stderr);
});

test('the schedule daemon survives its stderr reader going away: it keeps logging to schedule.log and stops on SIGTERM', { timeout: 40_000 }, async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, MANIFEST);
  const cli = startCli(['schedule', 'jobs.yaml'], { cwd: dir });
  let stderr = '';
  cli.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  await waitFor('the daemon to start', () => stderr.includes(' started '), 15_000);
  cli.child.stderr?.destroy();
  const log = path.join(dir, '.codex-run', 'runs', 'schedule.log');
  // Each reload writes a log line to the closed stderr (EPIPE) and to schedule.log.
  for (const [i, cron] of ['0 4 * * *', '0 5 * * *'].entries()) {
    writeFileSync(file, MANIFEST.replace('0 3 * * *', cron));
    await waitFor(`reload ${i + 1} in schedule.log`, () => existsSync(log) && readFileSync(log, 'utf8').split(' reload-ok ').length > i + 1, 15_000);
  }
  assert.equal(cli.child.exitCode, null, 'the daemon is still running');
  cli.child.kill('SIGTERM');
  const result = await Promise.race([
    cli.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the daemon did not exit after SIGTERM')), 10_000).unref()),
  ]);
  assert.equal(result.code, 143);
  assert.match(readFileSync(log, 'utf8'), / stopped\n$/);
});
