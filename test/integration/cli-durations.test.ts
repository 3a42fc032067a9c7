/**
 * Durations past Node's 32-bit timer limit (2^31 - 1 ms, about 596h): one bound for every
 * duration a user writes (720h, 30 days), and timers up to it that do not fire early.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a duration past 720h is refused where it is written: manifest fields with file:line:col, --grace as a usage error; exit 2', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo, hi]\n    idle: { poke: 10m, kill: 1000h, blockedAfter: 721h }\n',
  );
  const validate = await runCli(['validate', 'jobs.yaml'], { cwd: dir });
  assert.equal(validate.code, 2, validate.stderr);
  assert.match(validate.stderr, /^jobs\.yaml:6:30: error: expected a duration of at most 720h \(30 days\), found "1000h"$/m);
  assert.match(validate.stderr, /^jobs\.yaml:6:51: error: expected a duration of at most 720h \(30 days\), found "721h"$/m);
  assert.doesNotMatch(validate.stderr, /did you mean|\n\s+at /);

  writeFileSync(path.join(dir, 'ok.yaml'), 'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo, hi]\n');
  const grace = await runCli(['ok.yaml', '--grace', '1000h'], { cwd: dir });
  assert.equal(grace.code, 2, grace.stderr);
  assert.match(grace.stderr, /--grace: expected a duration of at most 720h \(30 days\), found "1000h"/);
  assert.doesNotMatch(grace.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(path.join(dir, '.codex-run')), false, 'nothing ran');
});

test('the longest durations (720h, past the 32-bit timer limit) wait: nothing fires after 1 ms, no overflow warning', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  // The job outputs, goes quiet for a second, then exits 0: an idle kill or poke firing early would end it as killed.
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  quiet:
    agent: command
    command: [${JSON.stringify(process.execPath)}, -e, "console.log('started'); setTimeout(() => console.log('done'), 1000)"]
    idle: { poke: 700h, kill: 720h, blockedAfter: 720h }
    timeout: 720h
`,
  );
  const r = await runCli(['jobs.yaml', '--grace', '720h'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
  const root = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(root).filter((name) => !name.endsWith('.log') && !name.endsWith('.json'));
  assert.ok(runId);
  const report = JSON.parse(readFileSync(path.join(root, runId, 'report.json'), 'utf8')) as { jobs: { status: string; interventions: unknown[] }[] };
  assert.equal(report.jobs[0]?.status, 'succeeded');
  assert.deepEqual(report.jobs[0]?.interventions, []);
});
