import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeys, parseSendSpec, parseSize, parseSupervision, visibleEscapes, type SpecError } from '../../src/session/policies/spec.js';

function errors(raw: Record<string, unknown>): SpecError[] {
  const result = parseSupervision(raw, ['jobs', 'api']);
  assert.equal(result.ok, false, 'expected validation to fail');
  return result.ok ? [] : result.error;
}

test('the example from the issue validates, with defaults applied', () => {
  const result = parseSupervision({
    prompt: 'ignored: not a supervision key',
    answers: [
      { match: 'rm -rf|git push --force', action: 'deny' },
      { match: 'Would you like to run the following command\\?', send: 'y', max: 20 },
      { match: 'Press enter to continue', send: { keys: ['enter'] } },
      { match: { text: 'Trust this folder? (y)' }, send: 'esc' },
    ],
    idle: { poke: '5m', pokeWith: '\r', kill: '10m', blockedAfter: '30s', onBlocked: 'wait' },
    loop: { repeats: 6 },
    maxOutput: '200MB',
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
  const spec = result.value;
  assert.equal(spec.answers.length, 4);
  const [deny, respond, enter, literal] = spec.answers;
  assert.deepEqual({ ...deny, match: deny!.match.source }, { index: 0, match: 'rm -rf|git push --force', matchSource: 'rm -rf|git push --force', action: 'deny', send: null, max: null, failJob: false });
  assert.deepEqual(respond!.send, { kind: 'text', text: 'y', enter: true });
  assert.equal(respond!.max, 20);
  assert.deepEqual(enter!.send, { kind: 'keys', keys: ['enter'], bytes: ['\r'] });
  assert.equal(literal!.matchSource, 'Trust this folder? (y)');
  assert.ok(literal!.match.lastMatch('> Trust this folder? (y)') !== null);
  assert.equal(literal!.match.lastMatch('Trust this folder (y)'), null, 'a literal is not a regex');
  assert.deepEqual(literal!.send, { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] });
  assert.deepEqual(spec.idle, { pokeMs: 300_000, pokeWith: { kind: 'text', text: '\r', enter: false }, killMs: 600_000, blockedAfterMs: 30_000, onBlocked: 'wait' });
  assert.deepEqual(spec.loop, { repeats: 6, maxBlockLines: 10 });
  assert.equal(spec.maxOutputBytes, 200 * 1024 * 1024);
});

test('nothing declared: no rules, no poke or kill, blocked after 30s, no loop guard, no cap', () => {
  const result = parseSupervision({});
  assert.ok(result.ok);
  assert.deepEqual(result.value.answers, []);
  assert.equal(result.value.idle.pokeMs, null);
  assert.equal(result.value.idle.killMs, null);
  assert.equal(result.value.idle.blockedAfterMs, 30_000);
  assert.equal(result.value.loop, null);
  assert.equal(result.value.maxOutputBytes, null);
});

test('a regex that does not compile is reported at its path, quoting it and the engine error', () => {
  const [e, ...rest] = errors({ answers: [{ match: 'ok', send: 'y' }, { match: 'Continue? [y/n', send: 'y' }] });
  assert.deepEqual(rest, []);
  assert.deepEqual(e!.path, ['jobs', 'api', 'answers', '1', 'match']);
  assert.match(e!.message, /^invalid regular expression "Continue\? \[y\/n": missing closing \]: `\[y\/n`$/);
  assert.deepEqual(e!.span, { start: 10, end: 14 }, 'points at the unclosed class');
});

test('every problem is reported, each with its own path', () => {
  const found = errors({
    answers: [
      { match: 'a', sned: 'y' },
      { match: 'b', action: 'fail', send: 'y' },
      { match: 'c', action: 'explode' },
      { match: 'd', send: 'y', max: 0 },
      { match: 'x*', send: 'y' },
      { match: 'e', send: { keys: ['down', 'entr'] } },
      { match: 'f', send: 'y', fail: true },
      'just a string',
    ],
    idle: { poke: '10m', kill: '5m', blockedAfter: '30 seconds', onBlocked: 'panic' },
    loop: { repeats: 1 },
    maxOutput: 'lots',
  });
  const byPath = found.map((e) => `${e.path.slice(2).join('.')}: ${e.message}`);
  assert.deepEqual(byPath, [
    'answers.0.sned: unknown key "sned": expected match, action, send, max or fail',
    'answers.0: missing "send": what to answer (or set action to deny, fail, kill or notify)',
    'answers.1.send: "send" is not used with action fail: the rule never types anything',
    'answers.2.action: expected respond, deny, fail, kill or notify, found a string "explode"',
    'answers.3.max: expected a whole number of at least 1, found a number 0',
    'answers.4.match: the regular expression "x*" matches empty text, so it would match every screen',
    'answers.5.send.keys.1: unknown key "entr": expected a name such as enter, esc, tab, up, down, left, right, space, backspace, ctrl-c, or a single character',
    'answers.6.fail: "fail" is only used with action deny (use action: fail to stop on a match)',
    'answers.7: expected a rule such as { match: "...", send: "y" }, found a string "just a string"',
    'idle.blockedAfter: expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "30 seconds" (did you mean "30s"?)',
    'idle.onBlocked: expected wait, poke or fail, found a string "panic"',
    'idle.kill: expected "kill" to be longer than "poke" (10m), found "5m"',
    'loop.repeats: expected a whole number of at least 2, found a number 1',
    'maxOutput: expected a size such as 200MB, 512KB or a byte count, found a string "lots"',
  ]);
});

test('parseKeys maps key names to the bytes a terminal sends', () => {
  const result = parseKeys(['enter', 'ESC', 'tab', 'up', 'down', 'left', 'right', 'space', 'backspace', 'ctrl-c', 'ctrl-d', 'y', 'n', '1', '9', 'shift-tab']);
  assert.ok(result.ok);
  assert.deepEqual(result.value, ['\r', '\x1b', '\t', '\x1b[A', '\x1b[B', '\x1b[D', '\x1b[C', ' ', '\x7f', '\x03', '\x04', 'y', 'n', '1', '9', '\x1b[Z']);
  const bad = parseKeys(['enter', 'hyper-q', '']);
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.ok ? [] : bad.error.map((e) => e.index), [1, 2]);
});

test('send strings: text gets Enter, key names are keys, text ending in \\r is sent as is', () => {
  assert.deepEqual(parseSendSpec('yes please'), { ok: true, value: { kind: 'text', text: 'yes please', enter: true } });
  assert.deepEqual(parseSendSpec('n'), { ok: true, value: { kind: 'text', text: 'n', enter: true } });
  assert.deepEqual(parseSendSpec('ctrl-c'), { ok: true, value: { kind: 'keys', keys: ['ctrl-c'], bytes: ['\x03'] } });
  assert.deepEqual(parseSendSpec('continue\r'), { ok: true, value: { kind: 'text', text: 'continue\r', enter: false } });
  assert.deepEqual(parseSendSpec({ text: 'y', enter: false }), { ok: true, value: { kind: 'text', text: 'y', enter: false } });
  assert.equal(parseSendSpec({ keys: [] }).ok, false);
  assert.equal(parseSendSpec(7).ok, false);
});

test('sizes accept KB/MB/GB (powers of 1024) or a byte count', () => {
  assert.equal(parseSize('512KB'), 524_288);
  assert.equal(parseSize('1.5gb'), 1_610_612_736);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize('0MB'), null);
  assert.equal(parseSize(-1), null);
});

test('visibleEscapes shows control bytes as escapes', () => {
  assert.equal(visibleEscapes('y\r'), 'y\\r');
  assert.equal(visibleEscapes('\x1b[B\r\t\n\x03\\'), '\\x1b[B\\r\\t\\n\\x03\\\\');
});
