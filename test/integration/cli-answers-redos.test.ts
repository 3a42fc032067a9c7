import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

// A job whose screen is `aaaa…!` under a rule that backtracks exponentially in JavaScript's RegExp.
function manifest(dir: string, timeout: string): string {
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'jobs:',
      '  bait:',
      '    agent: command',
      `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(fixture('agent-redos-bait.js'))}]`,
      `    timeout: ${timeout}`,
      '    answers:',
      "      - match: '(a+)+$'",
      '        send: y',
      '',
    ].join('\n'),
  );
  return file;
}

function report(out: string): { status: string; jobs: Array<{ status: string; reason: string | null }> } {
  const [run] = readdirSync(out);
  assert.ok(run !== undefined, 'no run folder');
  return JSON.parse(readFileSync(path.join(out, run, 'report.json'), 'utf8')) as { status: string; jobs: Array<{ status: string; reason: string | null }> };
}

test('a catastrophic answers pattern cannot freeze the runner: the job timeout still fires', { timeout: 40_000 }, async () => {
  const dir = tempDir();
  const out = path.join(dir, 'runs');
  const result = await runCli([manifest(dir, '2s'), '--out', out, '--grace', '1s'], { cwd: dir, deadlineMs: 30_000 });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const r = report(out);
  assert.deepEqual(r.jobs.map((j) => j.status), ['timed_out']);
});

test('a catastrophic answers pattern cannot freeze the runner: Ctrl-C still stops the run', { timeout: 40_000 }, async (t) => {
  const dir = tempDir();
  const out = path.join(dir, 'runs');
  const cli = startCli([manifest(dir, '1h'), '--out', out, '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  // The job's log holds the bait once the runner has taken it in (the screen model sees the same bytes).
  await waitFor(
    'the bait in the job log',
    () => {
      const run = existsSync(out) ? readdirSync(out)[0] : undefined;
      const log = run === undefined ? '' : path.join(out, run, 'bait.log');
      return log !== '' && existsSync(log) && readFileSync(log, 'utf8').includes('a!');
    },
    15_000,
  );
  // The screen is evaluated against the rule within its 100 ms throttle; with a backtracking engine
  // that evaluation never returns and the signal below is never handled.
  cli.child.kill('SIGINT');
  const result = await Promise.race([
    cli.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`runner did not stop on SIGINT; output:\n${cli.stdout()}`)), 15_000).unref()),
  ]);
  assert.equal(result.code, 130, result.stdout + result.stderr);
  assert.deepEqual(report(out).jobs.map((j) => j.status), ['interrupted']);
});
