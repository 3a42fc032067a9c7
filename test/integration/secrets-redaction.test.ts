import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKEN = 'tok-9f8e7d6c5b4a';
const PASS = 'hunter2-pass';

function manifest(redactRawLog: boolean | null): string {
  return [
    'version: 1',
    ...(redactRawLog === null ? [] : [`redactRawLog: ${redactRawLog}`]),
    'jobs:',
    '  leak:',
    '    agent: command',
    `    command: [node, ${JSON.stringify(fixture('print-secret.js'))}, API_TOKEN, DB_PASS_WORD]`,
    '    env:',
    `      API_TOKEN: "${TOKEN}"`,
    '      DB_PASS_WORD: "${RUNNER_VALUE}"',
    '      SHORT_KEY: "abc"',
    '    secrets: [DB_PASS_WORD]',
    '    answers:',
    '      - match: "Use .*\\\\? \\\\[y/n\\\\]"',
    '        send: "y"',
    '',
  ].join('\n');
}

async function run(redactRawLog: boolean | null, env: Record<string, string | undefined>): Promise<{ dir: string; runDir: string; stdout: string; stderr: string }> {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), manifest(redactRawLog));
  const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, env: { RUNNER_VALUE: PASS, ...env }, deadlineMs: 25_000 });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const runs = path.join(dir, 'runs');
  return { dir, runDir: path.join(runs, readdirSync(runs)[0]!), stdout: result.stdout, stderr: result.stderr };
}

test('a job printing its token (also split across writes) leaves no trace of it in report, events, transcript or output; the raw log keeps it with redactRawLog: false', { timeout: 40_000 }, async () => {
  const { runDir, stdout, stderr } = await run(false, {});
  const derived = {
    'report.json': readFileSync(path.join(runDir, 'report.json'), 'utf8'),
    'events.jsonl': readFileSync(path.join(runDir, 'events.jsonl'), 'utf8'),
    'leak.txt': readFileSync(path.join(runDir, 'leak.txt'), 'utf8'),
    stdout,
    stderr,
  };
  for (const [name, text] of Object.entries(derived)) {
    assert.ok(!text.includes(TOKEN), `${name} holds the token:\n${text}`);
    assert.ok(!text.includes(PASS), `${name} holds the listed secret:\n${text}`);
  }
  const transcript = derived['leak.txt'];
  assert.match(transcript, /token is \*\*\*\n/);
  assert.match(transcript, /split \*\*\* joined\n/, 'the split token is caught too');
  assert.match(transcript, /other is \*\*\*\n/);
  const report = JSON.parse(derived['report.json']) as { jobs: Array<{ lastLine: string; interventions: Array<{ kind: string; excerpt: string[] }> }> };
  assert.equal(report.jobs[0]!.lastLine, 'finished with ***');
  const answer = report.jobs[0]!.interventions.find((i) => i.kind === 'answer');
  assert.ok(answer !== undefined, JSON.stringify(report.jobs[0]!.interventions));
  assert.ok(answer.excerpt.some((line) => line.includes('Use ***?')), JSON.stringify(answer.excerpt));
  assert.ok(derived['events.jsonl'].includes('finished with ***'));

  const log = readFileSync(path.join(runDir, 'leak.log'), 'latin1');
  assert.ok(log.includes(`token is ${TOKEN}`), 'redactRawLog: false keeps the raw log byte-exact');
  assert.match(transcript, /short is abc\n/, 'values under 4 characters are never redacted');
});

test('with redactRawLog (the default under CI) the raw log is redacted too, split secrets included', { timeout: 40_000 }, async () => {
  const { runDir } = await run(null, { CI: 'true' });
  const log = readFileSync(path.join(runDir, 'leak.log'), 'latin1');
  assert.ok(!log.includes(TOKEN) && !log.includes(PASS), log);
  assert.match(log, /split \*\*\* joined/);
  assert.match(log, /finished with \*\*\*$/, 'the held-back tail is written at exit');
});

test('a question that shows a secret: the blocked intervention\'s question and options, the events and the summary show *** instead', { timeout: 40_000 }, async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    [
      'version: 1',
      'jobs:',
      '  asks:',
      '    agent: command',
      `    command: [node, ${JSON.stringify(fixture('ask-with-secret.js'))}, API_TOKEN]`,
      `    env: { API_TOKEN: "${TOKEN}" }`,
      '    idle: { blockedAfter: 500ms, onBlocked: fail }',
      '',
    ].join('\n'),
  );
  const result = await runCli(['run', 'jobs.yaml', '--out', 'runs'], { cwd: dir, deadlineMs: 25_000 });
  assert.equal(result.code, 1, result.stderr + result.stdout);
  const runs = path.join(dir, 'runs');
  const runDir = path.join(runs, readdirSync(runs)[0]!);
  const report = readFileSync(path.join(runDir, 'report.json'), 'utf8');
  const parsed = JSON.parse(report) as { jobs: Array<{ interventions: Array<{ kind: string; question?: { text: string } }> }> };
  const blocked = parsed.jobs[0]!.interventions.find((i) => i.kind === 'blocked');
  assert.ok(blocked?.question !== undefined, report);
  assert.match(blocked.question.text, /Use token \*\*\* for the push\?/);
  for (const [name, text] of Object.entries({ 'report.json': report, 'events.jsonl': readFileSync(path.join(runDir, 'events.jsonl'), 'utf8'), stdout: result.stdout, stderr: result.stderr })) {
    assert.ok(!text.includes(TOKEN), `${name} holds the token:\n${text}`);
  }
});
