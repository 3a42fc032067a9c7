import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScreenEvaluation } from '../../src/rules/evaluate-screen.js';
import { compareExpectation, parseExpectation } from '../../src/rules/expectation.js';

const FILE = '/suite/continue.expect.yaml';

function errors(text: string): string[] {
  const parsed = parseExpectation(FILE, text);
  assert.equal(parsed.ok, false, `expected errors for ${JSON.stringify(text)}`);
  return parsed.ok ? [] : parsed.error.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`);
}

test('an expect file gives state, rule (name, index or null) and sent; only the keys given', () => {
  assert.deepEqual(parseExpectation(FILE, "state: waiting_input\nrule: codex:trust-folder\nsent: '\\r'\n"), { ok: true, value: { state: 'waiting_input', rule: 'codex:trust-folder', sent: '\\r' } });
  assert.deepEqual(parseExpectation(FILE, 'rule: 2\n'), { ok: true, value: { rule: 2 } });
  assert.deepEqual(parseExpectation(FILE, 'rule: null\nsent: null\n'), { ok: true, value: { rule: null, sent: null } });
  // A double-quoted "y\r" holds a real carriage return: it means the same answer as 'y\r'.
  assert.deepEqual(parseExpectation(FILE, 'sent: "y\\r"\n'), { ok: true, value: { sent: 'y\\r' } });
});

test('a malformed expect file: every problem, located, in file order', () => {
  assert.deepEqual(errors('state: waiting\nrule: -1\nsend: y\nsent: 3\n'), [
    '1:8: expected waiting_input, working, idle_ready or other, found a string "waiting"',
    "2:7: expected a rule's pattern or name, its index in answers: (0, 1, ...), or null for none, found a number -1",
    '3:1: unknown key "send": expected state, rule or sent',
    "4:7: expected what the rule types, escapes visible (e.g. 'y\\r'), or null, found a number 3",
  ]);
  assert.deepEqual(errors('- state: working\n'), ['1:1: expected a mapping with state, rule and sent, found a list']);
  assert.deepEqual(errors('{}\n'), ['1:1: expected at least one of state, rule or sent']);
  assert.match(errors('state: [unclosed\n')[0]!, /^\d+:\d+: /);
});

const evaluation = (fired: ScreenEvaluation['fired']): ScreenEvaluation => ({ state: 'waiting_input', reason: 'test', question: null, fired, also: [] });
const own = { index: 1, match: 'Continue\\?', label: 'answers[1] "Continue\\?"', builtin: false, action: 'respond' as const, kind: 'answer' as const, sent: 'y\\r' };

test('compare: a rule by index, pattern or built-in name; what differs, written as in an expect file', () => {
  assert.deepEqual(compareExpectation({ state: 'waiting_input', rule: 1, sent: 'y\\r' }, evaluation(own)), []);
  assert.deepEqual(compareExpectation({ rule: 'Continue\\?' }, evaluation(own)), []);
  assert.deepEqual(compareExpectation({ rule: 'codex:trust-folder' }, evaluation({ ...own, index: 3, match: 'codex:trust-folder', label: 'codex:trust-folder', builtin: true })), []);
  assert.deepEqual(compareExpectation({ state: 'working', rule: 0, sent: 'n' }, evaluation(own)), [
    { key: 'state', expected: 'working', actual: 'waiting_input' },
    { key: 'rule', expected: '0', actual: '1  # answers[1] "Continue\\?"' },
    { key: 'sent', expected: "'n'", actual: "'y\\r'" },
  ]);
  assert.deepEqual(compareExpectation({ rule: null, sent: null }, evaluation(own)), [
    { key: 'rule', expected: 'null', actual: '1  # answers[1] "Continue\\?"' },
    { key: 'sent', expected: 'null', actual: "'y\\r'" },
  ]);
  assert.deepEqual(compareExpectation({ rule: 1 }, evaluation(null)), [{ key: 'rule', expected: '1', actual: 'null' }]);
});
