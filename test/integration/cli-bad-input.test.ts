import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// Bad input the CLI used to accept and then misbehave on (issue 10, item 18).

test('--out under /proc fails at once with a clear error (it used to spin at full CPU)', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo, hi]\n');
  const r = await runCli(['jobs.yaml', '--out', '/proc/codex-run-nope/runs'], { cwd: dir, deadlineMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^codex-run: error: cannot create runs folder \/proc\/codex-run-nope\/runs: ENOENT/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('validate: a control character in a job name is a located error, escaped in the output', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  "evil\u202Ename\u001b[2J":\n    agent: command\n    command: [echo, hi]\n');
  const r = await runCli(['validate', 'jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const out = r.stdout + r.stderr;
  assert.match(out, /jobs\.yaml:3:3: error: job name "evil<U\+202E>name\\u001b\[2J" contains U\+202E \(right-to-left override\)/);
  assert.doesNotMatch(out, /[\u001b\u202e]/, 'nothing raw reaches the terminal');
});

test('--rehearse warns at start, located, about a codex job without a rehearsal: script', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    'version: 1\njobs:\n  scripted:\n    prompt: hi\n    rehearsal: [{ say: done }]\n  unscripted:\n    prompt: hi\n  plain:\n    agent: command\n    command: [echo, hi]\n',
  );
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 90_000, env: { HOME: dir } });
  const lines = r.stdout.split('\n');
  // codex-run's own warnings only: an agent's echoed output may carry its own (codex prints
  // 'warning: Codex could not find bubblewrap on PATH' first in some runs and not in others).
  const warnings = lines.filter((line) => /^\[\d\d:\d\d:\d\d\] warning: /.test(line));
  assert.equal(warnings.length, 1, r.stdout + r.stderr);
  assert.match(warnings[0]!, /warning: unscripted: jobs\.yaml:6:3: no 'rehearsal:' script: the scripted model will only reply with one message \(no command run, no file changed\)/);
  const firstJobLine = lines.findIndex((line) => /: running$/.test(line));
  assert.ok(lines.indexOf(warnings[0]!) < firstJobLine || firstJobLine === -1, `the warning comes at the start:\n${r.stdout}`);
});

test('validate prints the warning about scheduled jobs sharing a workdir and a fire time, and still exits 0', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const job = (name: string) => `  ${name}:\n    agent: command\n    command: [echo]\n    schedule: { cron: "0 2 * * *", timezone: UTC }\n`;
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n${job('first')}${job('second')}`);
  const r = await runCli(['validate', 'jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /^jobs\.yaml:10:5: warning: jobs 'first' and 'second' share the workdir \S+ and fire at the same time \(first \d{4}-\d\d-\d\dT02:00:00\.000Z\): only one runs there at a time, so one waits for the other each time$/m);
  assert.match(r.stderr, /\n1 warning in jobs\.yaml\n$/);
  assert.match(r.stdout, /^jobs\.yaml: valid, 2 jobs$/m);
});
