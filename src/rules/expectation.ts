/**
 * Expectation files for `rules test`: `<screen>.expect.yaml` next to a screen says what
 * supervision must make of it, so a rule that stops matching after an agent upgrade fails
 * the suite instead of a night's run.
 *
 *   state: waiting_input        # waiting_input | working | idle_ready | other
 *   rule: codex:trust-folder    # a pattern as written / built-in name, an index into answers: (0-based), or null for none
 *   sent: '1\r'                 # what it types, escapes visible as in report.json, or null
 *
 * Every key is optional; only the keys given are checked. Problems are located diagnostics.
 */
import { isMap, type Node } from 'yaml';
import { joinList, describeValue, quote } from '../manifest/describe-value.js';
import type { Diagnostic } from '../manifest/model.js';
import { readYaml } from '../manifest/read-yaml.js';
import { visibleEscapes } from '../session/policies/keys.js';
import type { AgentScreenState } from '../session/classify/types.js';
import { err, ok, type Result } from '../util/result.js';
import type { ScreenEvaluation } from './evaluate-screen.js';

const STATES: readonly AgentScreenState[] = ['waiting_input', 'working', 'idle_ready', 'other'];
const KEYS = ['state', 'rule', 'sent'];

/** What a screen must evaluate to; absent keys are not checked. */
export interface Expectation {
  state?: AgentScreenState;
  /** A pattern / built-in name, an index, or null for "no rule fires". */
  rule?: string | number | null;
  /** Visible escapes (`y\r`), or null for "types nothing". */
  sent?: string | null;
}

/** Parses an expectation file's text; every problem is reported with its location. */
export function parseExpectation(file: string, text: string): Result<Expectation, Diagnostic[]> {
  const read = readYaml(file, text);
  if (!read.data.ok) return err(read.data.error);
  const { source } = read;
  const problems: Diagnostic[] = [...read.diagnostics];
  const data = read.data.value;
  if (!isMap(source.doc.contents) || typeof data !== 'object' || data === null || Array.isArray(data)) {
    const at = source.doc.contents as Node | null;
    return err([{ severity: 'error', message: `expected a mapping with ${joinList(KEYS, 'and')}, found ${describeValue(data)}`, location: source.nodeLocation(at) }]);
  }
  const raw = data as Record<string, unknown>;
  const expectation: Expectation = {};
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key)) problems.push(source.diagnostic([key], `unknown key ${quote(key)}: expected ${joinList(KEYS, 'or')}`, { part: 'key' }));
  }
  if ('state' in raw) {
    const state = STATES.find((s) => s === raw['state']);
    if (state === undefined) problems.push(source.diagnostic(['state'], `expected ${joinList(STATES, 'or')}, found ${describeValue(raw['state'])}`));
    else expectation.state = state;
  }
  if ('rule' in raw) {
    const rule = raw['rule'];
    if (rule === null || (typeof rule === 'string' && rule !== '') || (typeof rule === 'number' && Number.isInteger(rule) && rule >= 0)) expectation.rule = rule;
    else problems.push(source.diagnostic(['rule'], `expected a rule's pattern or name, its index in answers: (0, 1, ...), or null for none, found ${describeValue(rule)}`));
  }
  if ('sent' in raw) {
    const sent = raw['sent'];
    if (sent === null || (typeof sent === 'string' && sent !== '')) expectation.sent = sent === null ? null : normaliseSent(sent);
    else problems.push(source.diagnostic(['sent'], `expected what the rule types, escapes visible (e.g. 'y\\r'), or null, found ${describeValue(sent)}`));
  }
  if (problems.length === 0 && Object.keys(raw).length === 0) {
    problems.push(source.diagnostic([], `expected at least one of ${joinList(KEYS, 'or')}`));
  }
  problems.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
  return problems.length > 0 ? err(problems) : ok(expectation);
}

// A YAML double-quoted "y\r" holds a real carriage return; shown escaped it is the same answer.
function normaliseSent(sent: string): string {
  return /[\x00-\x1f\x7f]/.test(sent) ? visibleEscapes(sent) : sent;
}

/** One key whose actual value differs from the expected one (both as written in an expect file). */
export interface Mismatch {
  key: 'state' | 'rule' | 'sent';
  expected: string;
  actual: string;
}

/** The keys of `expected` that `actual` does not satisfy. */
export function compareExpectation(expected: Expectation, actual: ScreenEvaluation): Mismatch[] {
  const out: Mismatch[] = [];
  if (expected.state !== undefined && expected.state !== actual.state) out.push({ key: 'state', expected: expected.state, actual: actual.state });
  if (expected.rule !== undefined && !ruleMatches(expected.rule, actual)) {
    out.push({ key: 'rule', expected: yamlValue(expected.rule), actual: actual.fired === null ? 'null' : yamlValue(actual.fired.builtin ? actual.fired.match : actual.fired.index) + (actual.fired.builtin ? '' : `  # ${actual.fired.label}`) });
  }
  const sent = actual.fired?.sent ?? null;
  if (expected.sent !== undefined && expected.sent !== sent) out.push({ key: 'sent', expected: yamlValue(expected.sent), actual: yamlValue(sent) });
  return out;
}

function ruleMatches(expected: string | number | null, actual: ScreenEvaluation): boolean {
  const fired = actual.fired;
  if (expected === null || fired === null) return expected === null && fired === null;
  if (typeof expected === 'number') return fired.index === expected;
  return fired.match === expected || fired.label === expected;
}

// A value as it would be written in an expect file.
function yamlValue(value: string | number | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}
