import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ASK_REASON, parseScript, type ScriptIssue, type Turn } from '../../src/rehearsal/script.js';
import { ScriptCursor, type Step } from '../../src/rehearsal/script-cursor.js';

function parsed(raw: unknown): Turn[] {
  const result = parseScript(raw);
  if (!result.ok) assert.fail(`expected a valid script, got ${JSON.stringify(result.error, null, 2)}`);
  return result.value;
}

function issues(raw: unknown): ScriptIssue[] {
  const result = parseScript(raw);
  if (result.ok) assert.fail(`expected issues, got turns ${JSON.stringify(result.value)}`);
  return result.error;
}

test('every turn form parses to its model', () => {
  const patch = '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n';
  assert.deepEqual(
    parsed([
      { run: 'npm test' },
      { patch },
      { say: 'Done.' },
      { ask: 'touch ../outside' },
      { ask: 'rm -rf build', reason: 'Clean the build folder?' },
      { stall: '20m' },
      { stall: '1h30m' },
      { fail: 500 },
      { fail: 429, times: 2 },
      { fail: 'stream' },
      { fail: 'stream', times: 1 },
      { limit: '3s' },
    ]),
    [
      { kind: 'run', command: 'npm test' },
      { kind: 'patch', patch: patch.trim() },
      { kind: 'say', text: 'Done.' },
      { kind: 'ask', command: 'touch ../outside', reason: DEFAULT_ASK_REASON },
      { kind: 'ask', command: 'rm -rf build', reason: 'Clean the build folder?' },
      { kind: 'stall', ms: 20 * 60_000 },
      { kind: 'stall', ms: 90 * 60_000 },
      { kind: 'fail-http', status: 500, times: null },
      { kind: 'fail-http', status: 429, times: 2 },
      { kind: 'fail-stream', times: null },
      { kind: 'fail-stream', times: 1 },
      { kind: 'limit', ms: 3000 },
    ],
  );
});

test('an empty script is valid: every request gets the end-of-script reply', () => {
  assert.deepEqual(parsed([]), []);
});

test('a script that is not a list is one issue at the root', () => {
  assert.deepEqual(issues({ say: 'hi' }), [
    { path: [], message: 'expected a list of turns (a turn such as `say: "Done."`), found a mapping' },
  ]);
});

test('all problems are collected, each located by its path in the list', () => {
  const found = issues([
    'Done.',
    { say: '' },
    { sya: 'hello' },
    { run: 'ls', say: 'both' },
    { stall: '5 minutes' },
    { stall: 30 },
    { fail: 200 },
    { fail: 500, times: 0 },
    { run: 'ls', reason: 'why' },
    { patch: 'just text' },
    { ask: 'touch x', reasn: 'typo' },
  ]);
  assert.deepEqual(found, [
    { path: [0], message: 'expected a turn such as `say: "Done."`, found a string "Done."' },
    { path: [1, 'say'], message: 'expected the text of an assistant message (a non-empty string), found an empty string ""' },
    { path: [2, 'sya'], message: 'unknown key "sya"', hint: 'did you mean `say`?' },
    { path: [2], message: 'expected one of `run`, `patch`, `write`, `edit`, `say`, `ask`, `stall`, `fail`, `limit` or `usage-limit` in this turn, found none' },
    {
      path: [3, 'say'],
      message: 'a turn has exactly one of `run`, `patch`, `write`, `edit`, `say`, `ask`, `stall`, `fail`, `limit` or `usage-limit`, found both `run` and `say`',
      hint: 'start a new list item with `-` for the next turn',
    },
    { path: [4, 'stall'], message: 'expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "5 minutes"', hint: 'did you mean 5m?' },
    { path: [5, 'stall'], message: 'expected a duration such as 30s or 20m, found a number 30' },
    { path: [6, 'fail'], message: 'expected an HTTP error status from 400 to 599 or "stream", found a number 200' },
    { path: [7, 'times'], message: 'expected a whole number of requests, 1 or more, found a number 0' },
    { path: [8, 'reason'], message: 'unknown key "reason" in a `run` turn; expected only `run`' },
    {
      path: [9, 'patch'],
      message: 'expected a patch that starts with "*** Begin Patch" and ends with "*** End Patch", found "just text"',
      hint: 'write it as a block scalar (`patch: |`) so each patch line stays on its own line',
    },
    {
      path: [10, 'reasn'],
      message: 'unknown key "reasn" in an `ask` turn; expected only `ask` and `reason`',
      hint: 'did you mean `reason`?',
    },
  ]);
});

test('a null value (a key with nothing after it) says "nothing"', () => {
  assert.deepEqual(issues([{ run: null }]), [
    { path: [0, 'run'], message: 'expected a command to run (a non-empty string), found nothing' },
  ]);
});

function takeAll(cursor: ScriptCursor, n: number): string[] {
  const describe = (step: Step): string => (step.kind === 'finished' ? 'finished' : `${step.index}:${step.turn.kind}`);
  return Array.from({ length: n }, () => describe(cursor.take()));
}

test('the cursor plays each turn once, then reports the script finished for good', () => {
  const cursor = new ScriptCursor(parsed([{ run: 'ls' }, { say: 'Done.' }]));
  assert.equal(cursor.played(), 0);
  assert.deepEqual(takeAll(cursor, 4), ['0:run', '1:say', 'finished', 'finished']);
  assert.equal(cursor.played(), 2);
});

test('a fail turn with times repeats that many requests, then the script goes on', () => {
  const cursor = new ScriptCursor(parsed([{ fail: 500, times: 3 }, { say: 'Recovered.' }]));
  assert.deepEqual(takeAll(cursor, 5), ['0:fail-http', '0:fail-http', '0:fail-http', '1:say', 'finished']);
});

test('a fail turn without times fails every later request', () => {
  const cursor = new ScriptCursor(parsed([{ say: 'One.' }, { fail: 'stream' }, { say: 'Never played.' }]));
  assert.deepEqual(takeAll(cursor, 4), ['0:say', '1:fail-stream', '1:fail-stream', '1:fail-stream']);
  assert.equal(cursor.played(), 2);
});

test('an empty script is finished from the start', () => {
  const cursor = new ScriptCursor([]);
  assert.deepEqual(takeAll(cursor, 2), ['finished', 'finished']);
});
