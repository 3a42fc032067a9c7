import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

test('a second scheduler on the same manifest and runs root refuses to start, naming the first; the first keeps running', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('codex-run-schedule-lock-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  yearly: { agent: command, command: [echo, hi], schedule: "0 3 1 1 *" }\n');
  const runsRoot = path.join(dir, '.codex-run', 'runs');
  const first = startCli(['schedule', 'jobs.yaml'], { cwd: dir });
  let firstErr = '';
  first.child.stderr?.on('data', (chunk: string) => (firstErr += chunk));
  t.after(() => {
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
  });
  const firstPid = first.child.pid!;
  await waitFor('the first scheduler to start', () => existsSync(path.join(runsRoot, 'schedule.log')) && / started\b/.test(readFileSync(path.join(runsRoot, 'schedule.log'), 'utf8')), 15_000).catch(
    (cause: unknown) => assert.fail(`${String(cause)}\nstderr:\n${firstErr}`),
  );

  for (const args of [['schedule', 'jobs.yaml'], ['schedule', 'jobs.yaml', '--once']]) {
    const second = await runCli(args, { cwd: dir });
    assert.equal(second.code, 1, `codex-run ${args.join(' ')}: ${second.stdout}${second.stderr}`);
    assert.match(second.stderr, new RegExp(`^codex-run: error: another scheduler is already running on ${runsRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: pid ${firstPid}, since \\d{4}-\\d\\d-\\d\\dT`));
    assert.doesNotMatch(second.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
  assert.equal(first.child.exitCode, null, 'the first scheduler keeps running');
  assert.equal(readFileSync(path.join(runsRoot, 'schedule.log'), 'utf8').match(/ started\b/g)?.length, 1, 'the second wrote nothing to the first one\'s log');

  process.kill(firstPid, 'SIGTERM');
  const result = await Promise.race([
    first.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the scheduler did not stop:\n${firstErr}`)), 15_000).unref()),
  ]);
  assert.equal(result.code, 143, result.stderr);
  assert.equal(existsSync(path.join(runsRoot, 'schedule.lock')), false, 'the lock is released on stop');
  // Once the first has stopped, a scheduler may start again.
  const again = await runCli(['schedule', 'jobs.yaml', '--once'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
});
