/**
 * The supervision part of a job, validated: answer rules, the idle ladder, the loop guard
 * and the output cap. `parseSupervision` turns the raw (parsed YAML) values into these
 * types and reports every problem with its path, so the manifest layer can point at it.
 */

import { describeValue, joinList, quote } from '../../manifest/describe-value.js';
import { parseDuration, suggestDuration } from '../../manifest/duration.js';
import { err, ok, type Result } from '../../util/result.js';
import { isNamedKey, parseKeys } from './keys.js';
import { compilePattern, type ScreenPattern } from './pattern.js';

export { parseKeys, keyBytes, visibleEscapes } from './keys.js';

/** What a rule does when it matches. */
export type RuleAction = 'respond' | 'deny' | 'fail' | 'kill' | 'notify';

/** What to type into the job's terminal. */
export type SendSpec =
  /** Text typed as is, then Enter after a short delay when `enter` (TUIs take text+Enter at once as a paste). */
  | { kind: 'text'; text: string; enter: boolean }
  /** Keys pressed one after the other; `bytes[i]` is what `keys[i]` sends. */
  | { kind: 'keys'; keys: string[]; bytes: string[] };

/** One entry of `answers:`, checked in order. */
export interface AnswerRule {
  /** Position in `answers:` (0-based). */
  index: number;
  /** Matched against the visible screen text (wrapped rows joined; `^`/`$` match at line ends). RE2 syntax for the job's own rules. */
  match: ScreenPattern;
  /** The pattern as the user wrote it (regex source, or the literal text). */
  matchSource: string;
  action: RuleAction;
  /** respond: what to answer. deny: what to decline with instead of the adapter's key. Otherwise null. */
  send: SendSpec | null;
  /** How many times the rule may fire; null for unlimited. */
  max: number | null;
  /** deny only: after declining, stop the job as failed. */
  failJob: boolean;
  /**
   * An agent adapter's built-in rule: it stands back when one of the job's own rules matches
   * the same lines, so a job can always answer the agent's screens its own way.
   */
  builtin?: boolean;
}

/** What to do once a question has waited unanswered for `blockedAfterMs`. */
export type OnBlocked = 'wait' | 'poke' | 'fail';

/** The idle ladder and the unanswered-question detector. */
export interface IdleSpec {
  /** No progress for this long: send `pokeWith` (once per idle period). Null: never poke. */
  pokeMs: number | null;
  pokeWith: SendSpec;
  /** No progress for this long: stop the job (`idle-killed`). Null: never. */
  killMs: number | null;
  /** A question on screen, unanswered and unchanged for this long: blocked, waiting for input. */
  blockedAfterMs: number;
  onBlocked: OnBlocked;
}

/** The loop guard: the same block of lines `repeats` times in a row stops the job. */
export interface LoopSpec {
  repeats: number;
  /** Longest block (in lines) looked for. */
  maxBlockLines: number;
}

/** Everything a job declares about its supervision, defaults applied. */
export interface SupervisionSpec {
  answers: AnswerRule[];
  idle: IdleSpec;
  /** Null: no loop guard. */
  loop: LoopSpec | null;
  /** Null: no cap on raw output bytes. */
  maxOutputBytes: number | null;
}

/** A problem in the raw supervision values; `path` is the key path from the job object. */
export interface SpecError {
  path: string[];
  message: string;
  /** What to write instead, when there is a clear answer. */
  hint?: string;
  /** Offsets of the offending part inside the string value at `path`. */
  span?: { start: number; end: number };
}

export const DEFAULT_BLOCKED_AFTER_MS = 30_000;
export const DEFAULT_LOOP_BLOCK_LINES = 10;

const ACTIONS: readonly RuleAction[] = ['respond', 'deny', 'fail', 'kill', 'notify'];
const ON_BLOCKED: readonly OnBlocked[] = ['wait', 'poke', 'fail'];
const RULE_KEYS = ['match', 'action', 'send', 'max', 'fail'];
const IDLE_KEYS = ['poke', 'pokeWith', 'kill', 'blockedAfter', 'onBlocked'];
const LOOP_KEYS = ['repeats', 'block'];

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i;
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Bytes for a size such as `200MB` (KB/MB/GB are powers of 1024) or a plain byte count. */
export function parseSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  const m = SIZE.exec(value.trim());
  if (m === null) return null;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'B').toUpperCase()]!);
  return bytes > 0 ? bytes : null;
}

/** A byte count as a person writes it, in the units {@link parseSize} reads: `50MB`, `1.5KB`, `300 bytes`. */
export function formatSize(bytes: number): string {
  for (const unit of ['GB', 'MB', 'KB'] as const) {
    const size = SIZE_UNITS[unit]!;
    if (bytes < size) continue;
    const value = bytes / size;
    // Whole units read best; one decimal when that is exact enough, else the plain count.
    if (Number.isInteger(value)) return `${value}${unit}`;
    if (Number.isInteger(value * 10)) return `${value.toFixed(1)}${unit}`;
    return `${bytes} bytes`;
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/** Collects errors while walking the raw values. */
class Collector {
  readonly errors: SpecError[] = [];
  add(path: string[], message: string, extra: Pick<SpecError, 'hint' | 'span'> = {}): void {
    this.errors.push({ path, message, ...extra });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(raw: Record<string, unknown>, allowed: string[], path: string[], c: Collector): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) c.add([...path, key], `unknown key ${quote(key)}: expected ${joinList(allowed, 'or')}`);
  }
}

function parseDurationAt(raw: unknown, path: string[], c: Collector): number | null {
  if (typeof raw !== 'string') {
    c.add(path, `expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found ${describeValue(raw)}`);
    return null;
  }
  const ms = parseDuration(raw);
  if (!ms.ok) {
    const suggestion = suggestDuration(raw);
    c.add(path, suggestion === null ? ms.error : `${ms.error} (did you mean ${quote(suggestion)}?)`);
    return null;
  }
  if (ms.value === 0) {
    c.add(path, `expected a duration greater than zero, found ${quote(raw)}`);
    return null;
  }
  return ms.value;
}

// Patterns are RE2 syntax, matched in linear time (pattern.ts): one rule can never freeze the runner.
function compileRegex(source: string, ignoreCase: boolean, path: string[], c: Collector, span: boolean): ScreenPattern | null {
  const compiled = compilePattern(source, { ignoreCase });
  if (!compiled.ok) {
    const { message, hint, at } = compiled.error;
    c.add(path, message, { ...(hint !== null ? { hint } : {}), ...(span && at !== null ? { span: at } : {}) });
    return null;
  }
  const re = compiled.value;
  if (re.lastMatch('') !== null) {
    c.add(path, `the regular expression ${quote(source)} matches empty text, so it would match every screen`);
    return null;
  }
  return re;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseMatch(raw: unknown, path: string[], c: Collector): { re: ScreenPattern; source: string } | null {
  if (typeof raw === 'string') {
    const re = compileRegex(raw, false, path, c, true);
    return re === null ? null : { re, source: raw };
  }
  if (isRecord(raw)) {
    unknownKeys(raw, ['text', 'regex', 'ignoreCase'], path, c);
    const ignoreCase = raw['ignoreCase'];
    if (ignoreCase !== undefined && typeof ignoreCase !== 'boolean') {
      c.add([...path, 'ignoreCase'], `expected true or false, found ${describeValue(ignoreCase)}`);
    }
    const text = raw['text'];
    const regex = raw['regex'];
    if ((text === undefined) === (regex === undefined)) {
      c.add(path, 'expected exactly one of "text" (a literal) or "regex"');
      return null;
    }
    if (text !== undefined) {
      if (typeof text !== 'string' || text === '') {
        c.add([...path, 'text'], `expected non-empty text, found ${describeValue(text)}`);
        return null;
      }
      const re = compileRegex(escapeRegex(text), ignoreCase === true, [...path, 'text'], c, false);
      return re === null ? null : { re, source: text };
    }
    if (typeof regex !== 'string') {
      c.add([...path, 'regex'], `expected a regular expression as a string, found ${describeValue(regex)}`);
      return null;
    }
    const re = compileRegex(regex, ignoreCase === true, [...path, 'regex'], c, true);
    return re === null ? null : { re, source: regex };
  }
  c.add(path, `expected a regular expression (string) or { text: "..." }, found ${describeValue(raw)}`);
  return null;
}

/**
 * A send value on its own (e.g. an adapter's declining key): "text" (Enter follows), a key
 * name such as "esc", { keys: [...] } or { text, enter }.
 */
export function parseSendSpec(raw: unknown): Result<SendSpec, SpecError[]> {
  const c = new Collector();
  const spec = parseSend(raw, [], c);
  return spec === null ? err(c.errors) : ok(spec);
}

// `send:` in a rule or `pokeWith:`; a string ending in \r or \n is typed without an extra Enter.
function parseSend(raw: unknown, path: string[], c: Collector): SendSpec | null {
  if (typeof raw === 'string') {
    if (raw === '') {
      c.add(path, 'expected text to send, found an empty string');
      return null;
    }
    if (isNamedKey(raw)) return keysSpec([raw], path, false, c);
    return { kind: 'text', text: raw, enter: !/[\r\n]$/.test(raw) };
  }
  if (isRecord(raw)) {
    if (raw['keys'] !== undefined) {
      unknownKeys(raw, ['keys'], path, c);
      const keys = raw['keys'];
      if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
        c.add([...path, 'keys'], `expected a non-empty list of key names, found ${describeValue(keys)}`);
        return null;
      }
      return keysSpec(keys as string[], [...path, 'keys'], true, c);
    }
    if (raw['text'] !== undefined) {
      unknownKeys(raw, ['text', 'enter'], path, c);
      const text = raw['text'];
      const enter = raw['enter'] ?? true;
      if (typeof text !== 'string' || text === '') {
        c.add([...path, 'text'], `expected non-empty text, found ${describeValue(text)}`);
        return null;
      }
      if (typeof enter !== 'boolean') {
        c.add([...path, 'enter'], `expected true or false, found ${describeValue(enter)}`);
        return null;
      }
      return { kind: 'text', text, enter };
    }
  }
  c.add(path, `expected text, a key name such as "esc", { keys: [...] } or { text: "...", enter: false }, found ${describeValue(raw)}`);
  return null;
}

function keysSpec(keys: string[], path: string[], isList: boolean, c: Collector): SendSpec | null {
  const parsed = parseKeys(keys);
  if (!parsed.ok) {
    for (const e of parsed.error) c.add(isList ? [...path, String(e.index)] : path, e.message);
    return null;
  }
  return { kind: 'keys', keys, bytes: parsed.value };
}

function parseRule(raw: unknown, index: number, path: string[], c: Collector): AnswerRule | null {
  if (!isRecord(raw)) {
    c.add(path, `expected a rule such as { match: "...", send: "y" }, found ${describeValue(raw)}`);
    return null;
  }
  unknownKeys(raw, RULE_KEYS, path, c);
  const before = c.errors.length;
  if (raw['match'] === undefined) c.add(path, 'missing "match": the text or regular expression to look for on the screen');
  const match = raw['match'] === undefined ? null : parseMatch(raw['match'], [...path, 'match'], c);

  const rawAction = raw['action'] ?? 'respond';
  const action = ACTIONS.find((a) => a === rawAction);
  if (action === undefined) c.add([...path, 'action'], `expected ${joinList(ACTIONS, 'or')}, found ${describeValue(rawAction)}`);

  let send: SendSpec | null = null;
  if (raw['send'] !== undefined) {
    if (action === 'fail' || action === 'kill' || action === 'notify') {
      c.add([...path, 'send'], `"send" is not used with action ${action}: the rule never types anything`);
    } else {
      send = parseSend(raw['send'], [...path, 'send'], c);
    }
  } else if (action === 'respond') {
    c.add(path, 'missing "send": what to answer (or set action to deny, fail, kill or notify)');
  }

  let max: number | null = null;
  if (raw['max'] !== undefined) {
    const m = raw['max'];
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1) c.add([...path, 'max'], `expected a whole number of at least 1, found ${describeValue(m)}`);
    else max = m;
  }

  let failJob = false;
  if (raw['fail'] !== undefined) {
    if (typeof raw['fail'] !== 'boolean') c.add([...path, 'fail'], `expected true or false, found ${describeValue(raw['fail'])}`);
    else if (action !== 'deny') c.add([...path, 'fail'], '"fail" is only used with action deny (use action: fail to stop on a match)');
    else failJob = raw['fail'];
  }

  if (c.errors.length > before || match === null || action === undefined) return null;
  return { index, match: match.re, matchSource: match.source, action, send, max, failJob };
}

function parseIdle(raw: unknown, path: string[], c: Collector): IdleSpec {
  const idle: IdleSpec = {
    pokeMs: null,
    pokeWith: { kind: 'text', text: '\r', enter: false },
    killMs: null,
    blockedAfterMs: DEFAULT_BLOCKED_AFTER_MS,
    onBlocked: 'wait',
  };
  if (raw === undefined || raw === null) return idle;
  if (!isRecord(raw)) {
    c.add(path, `expected a map such as { poke: 5m, kill: 10m }, found ${describeValue(raw)}`);
    return idle;
  }
  unknownKeys(raw, IDLE_KEYS, path, c);
  if (raw['poke'] !== undefined) idle.pokeMs = parseDurationAt(raw['poke'], [...path, 'poke'], c);
  if (raw['kill'] !== undefined) idle.killMs = parseDurationAt(raw['kill'], [...path, 'kill'], c);
  if (raw['blockedAfter'] !== undefined) {
    idle.blockedAfterMs = parseDurationAt(raw['blockedAfter'], [...path, 'blockedAfter'], c) ?? DEFAULT_BLOCKED_AFTER_MS;
  }
  if (raw['pokeWith'] !== undefined) {
    idle.pokeWith = parseSend(raw['pokeWith'], [...path, 'pokeWith'], c) ?? idle.pokeWith;
  }
  if (raw['onBlocked'] !== undefined) {
    const on = ON_BLOCKED.find((o) => o === raw['onBlocked']);
    if (on === undefined) c.add([...path, 'onBlocked'], `expected ${joinList(ON_BLOCKED, 'or')}, found ${describeValue(raw['onBlocked'])}`);
    else idle.onBlocked = on;
  }
  if (idle.pokeMs !== null && idle.killMs !== null && idle.killMs <= idle.pokeMs) {
    c.add([...path, 'kill'], `expected "kill" to be longer than "poke" (${String(raw['poke'])}), found ${quote(String(raw['kill']))}`);
  }
  return idle;
}

function parseLoop(raw: unknown, path: string[], c: Collector): LoopSpec | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (!isRecord(raw)) {
    c.add(path, `expected a map such as { repeats: 6 }, found ${describeValue(raw)}`);
    return null;
  }
  unknownKeys(raw, LOOP_KEYS, path, c);
  const repeats = raw['repeats'];
  const block = raw['block'] ?? DEFAULT_LOOP_BLOCK_LINES;
  let ok = true;
  if (typeof repeats !== 'number' || !Number.isInteger(repeats) || repeats < 2) {
    c.add([...path, 'repeats'], `expected a whole number of at least 2, found ${describeValue(repeats)}`);
    ok = false;
  }
  if (typeof block !== 'number' || !Number.isInteger(block) || block < 1 || block > 100) {
    c.add([...path, 'block'], `expected a whole number of lines from 1 to 100, found ${describeValue(block)}`);
    ok = false;
  }
  return ok ? { repeats: repeats as number, maxBlockLines: block as number } : null;
}

/**
 * Validates the supervision keys of one raw job object (`answers`, `idle`, `loop`,
 * `maxOutput`; other keys are ignored) and applies defaults. Errors carry the key path
 * from `basePath`, e.g. `['jobs', 'api', 'answers', '0', 'match']`, and every error is
 * reported, not only the first.
 */
export function parseSupervision(raw: Record<string, unknown>, basePath: string[] = []): Result<SupervisionSpec, SpecError[]> {
  const c = new Collector();
  const answers: AnswerRule[] = [];
  const rawAnswers = raw['answers'];
  if (rawAnswers !== undefined && rawAnswers !== null) {
    if (!Array.isArray(rawAnswers)) {
      c.add([...basePath, 'answers'], `expected a list of rules, found ${describeValue(rawAnswers)}`);
    } else {
      rawAnswers.forEach((r: unknown, i) => {
        const rule = parseRule(r, i, [...basePath, 'answers', String(i)], c);
        if (rule !== null) answers.push(rule);
      });
    }
  }
  const idle = parseIdle(raw['idle'], [...basePath, 'idle'], c);
  const loop = parseLoop(raw['loop'], [...basePath, 'loop'], c);
  let maxOutputBytes: number | null = null;
  const rawMax = raw['maxOutput'];
  if (rawMax !== undefined && rawMax !== null) {
    maxOutputBytes = typeof rawMax === 'string' || typeof rawMax === 'number' ? parseSize(rawMax) : null;
    if (maxOutputBytes === null) c.add([...basePath, 'maxOutput'], `expected a size such as 200MB, 512KB or a byte count, found ${describeValue(rawMax)}`);
  }
  return c.errors.length > 0 ? err(c.errors) : ok({ answers, idle, loop, maxOutputBytes });
}
