/**
 * The rehearsal script model: what the scripted model server answers, turn by turn, when a
 * job runs with `--rehearse`. Users write it in YAML as a list of one-key mappings:
 *
 *   rehearsal:
 *     - run: "npm test"            # an exec_command call; codex runs it and sends its output back
 *     - patch: |                   # an apply_patch edit (turn-reply.ts says how it is sent)
 *         *** Begin Patch
 *         *** Add File: notes.txt
 *         +hello
 *         *** End Patch
 *     - ask: "touch ../outside"    # an escalated exec_command: the TUI asks for approval
 *       reason: "Write outside the workspace?"
 *     - stall: 20m                 # answer nothing for 20 minutes, then go on with the next turn
 *     - fail: 500                  # HTTP 500 (or `fail: stream` for a response.failed event)
 *       times: 2                   # only for the next 2 requests; without it, every request fails
 *     - limit: 3s                  # the account's usage limit, resetting in 3 s (HTTP 429
 *                                  #   usage_limit_reached with resets_at, as the real service sends)
 *     - write: notes.txt           # create or replace a file (relative to the job's workdir)
 *       content: "hello\n"
 *     - edit: notes.txt            # replace the one occurrence of `old` with `new` in a file
 *       old: hello
 *       new: hello world
 *     - say: "Done."               # an assistant message: ends codex's turn
 *
 * `usage-limit:` is another name for `limit:`. Every agent's face (face.ts) plays the same
 * script: `run`, `write`, `edit`, `ask`, `say` become that API's tool calls and messages;
 * `patch` is codex's own patch format (the other faces refuse it when the run starts).
 *
 * Each request codex makes for the job's conversation plays the next turn; the TUI's title side
 * request never does. When the script runs out, every further request is answered with
 * {@link SCRIPT_FINISHED_TEXT}. The cursor belongs to the job, not to the codex process, so a
 * resumed session (`codex exec resume <id>`) continues with the turns not yet played.
 *
 * How codex-cli 0.169.0 reacts (measured):
 * - codex retries failures itself, and every retry is a request that plays a turn: a `fail`
 *   with `times: 1` is a blip codex recovers from; a `fail` without `times` ends the turn with
 *   an error after codex gives up (HTTP 500: 30 requests, ~25 s, exit 1; `stream`: 6
 *   requests, ~7 s; HTTP 400: at once, no retry).
 * - `ask` opens the approval dialog in the TUI; `codex exec` (approval policy never) refuses it
 *   and sends the refusal back as the command's output, and the script goes on.
 * - during a `stall` codex waits without timing out (nothing at all is sent, not even headers;
 *   its stream idle timeout starts only with the headers).
 */
import { closestMatch } from '../manifest/did-you-mean.js';
import { describeValue, joinList, quote } from '../manifest/describe-value.js';
import { parseDuration, suggestDuration } from '../manifest/duration.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';

/** One scripted model reply. `kind` is the YAML key the user wrote (fail is split by form). */
export type Turn =
  /** An exec_command function call running `command` in the job's workdir. */
  | { kind: 'run'; command: string }
  /** An apply_patch edit in codex's patch format (`*** Begin Patch` ... `*** End Patch`). */
  | { kind: 'patch'; patch: string }
  /** An assistant message; codex ends its turn after it. */
  | { kind: 'say'; text: string }
  /** An exec_command call asking for escalated permissions; `reason` is shown in the TUI dialog. */
  | { kind: 'ask'; command: string; reason: string }
  /** Send nothing for `ms` (not even headers), then play the next turn on the same request. */
  | { kind: 'stall'; ms: number }
  /** Answer with this HTTP status. `times: null` means every request from here on. */
  | { kind: 'fail-http'; status: number; times: number | null }
  /** Answer with a stream that ends in `response.failed`. `times: null` means every request from here on. */
  | { kind: 'fail-stream'; times: number | null }
  /** The usage limit: HTTP 429 `usage_limit_reached`, resetting `ms` from now; every request before the reset gets it too. */
  | { kind: 'limit'; ms: number }
  /** Create or replace the file `path` (relative to the job's workdir, or absolute) with `content`. */
  | { kind: 'write'; path: string; content: string }
  /** Replace the one occurrence of `old` with `new` in the file `path`. */
  | { kind: 'edit'; path: string; old: string; new: string };

/** A problem in a script, located by a path relative to the script list (e.g. `[2, 'stall']`). */
export interface ScriptIssue {
  path: (string | number)[];
  message: string;
  /** What to do about it, e.g. a did-you-mean. */
  hint?: string;
}

/** What the server says once every turn has been played. */
export const SCRIPT_FINISHED_TEXT = '(rehearsal script finished)';

/** The reason shown in the approval dialog when an `ask` turn has no `reason:`. */
export const DEFAULT_ASK_REASON = 'Rehearsal: allow this command to run outside the sandbox?';

/** The keys that choose a turn's kind, in the order messages list them. */
const TURN_KEYS = ['run', 'patch', 'write', 'edit', 'say', 'ask', 'stall', 'fail', 'limit', 'usage-limit'] as const;
type TurnKey = (typeof TURN_KEYS)[number];

/** Keys allowed beside each turn key. */
const MODIFIERS: Record<TurnKey, readonly string[]> = {
  run: [],
  patch: [],
  say: [],
  ask: ['reason'],
  stall: [],
  fail: ['times'],
  limit: [],
  'usage-limit': [],
  write: ['content'],
  edit: ['old', 'new'],
};

const TURN_EXAMPLE = 'a turn such as `say: "Done."`';
const PATCH_BEGIN = '*** Begin Patch';
const PATCH_END = '*** End Patch';

function isTurnKey(key: string): key is TurnKey {
  return (TURN_KEYS as readonly string[]).includes(key);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a job's rehearsal script as parsed from YAML. Collects every problem rather than
 * stopping at the first, so the manifest layer can report them all with locations.
 */
export function parseScript(raw: unknown): Result<Turn[], ScriptIssue[]> {
  if (!Array.isArray(raw)) {
    return err([{ path: [], message: `expected a list of turns (${TURN_EXAMPLE}), found ${describeValue(raw)}` }]);
  }
  const issues: ScriptIssue[] = [];
  const turns: Turn[] = [];
  raw.forEach((item: unknown, index) => {
    const turn = parseTurn(item, index, issues);
    if (turn !== null) turns.push(turn);
  });
  return issues.length > 0 ? err(issues) : ok(turns);
}

// One list item: a mapping with exactly one turn key plus that kind's modifiers.
function parseTurn(item: unknown, index: number, issues: ScriptIssue[]): Turn | null {
  if (!isMapping(item)) {
    issues.push({ path: [index], message: `expected ${TURN_EXAMPLE}, found ${describeValue(item)}` });
    return null;
  }
  const keys = Object.keys(item);
  const turnKeys = keys.filter(isTurnKey);
  const first = turnKeys[0];
  if (first === undefined) {
    issues.push(...unknownKeys(item, index, [...TURN_KEYS, ...new Set(Object.values(MODIFIERS).flat())]));
    issues.push({
      path: [index],
      message: `expected one of ${joinList(TURN_KEYS.map((k) => `\`${k}\``), 'or')} in this turn, found none`,
    });
    return null;
  }
  let valid = true;
  for (const extra of turnKeys.slice(1)) {
    issues.push({
      path: [index, extra],
      message: `a turn has exactly one of ${joinList(TURN_KEYS.map((k) => `\`${k}\``), 'or')}, found both \`${first}\` and \`${extra}\``,
      hint: 'start a new list item with `-` for the next turn',
    });
    valid = false;
  }
  const allowed = [first, ...MODIFIERS[first]];
  for (const key of keys) {
    if (isTurnKey(key) || allowed.includes(key)) continue;
    const near = closestMatch(key, allowed);
    issues.push({
      path: [index, key],
      message: `unknown key ${quote(key)} in ${/^[aeiou]/.test(first) ? 'an' : 'a'} \`${first}\` turn; expected only ${joinList(allowed.map((k) => `\`${k}\``), 'and')}`,
      ...(near !== null ? { hint: `did you mean \`${near}\`?` } : {}),
    });
    valid = false;
  }
  const turn = parseTurnValue(first, item, index, issues);
  return valid ? turn : null;
}

// A mapping with no turn key: point at keys that look like misspelt turn keys.
function unknownKeys(item: Record<string, unknown>, index: number, known: readonly string[]): ScriptIssue[] {
  const issues: ScriptIssue[] = [];
  for (const key of Object.keys(item)) {
    if (known.includes(key)) continue;
    const near = closestMatch(key, TURN_KEYS);
    issues.push({
      path: [index, key],
      message: `unknown key ${quote(key)}`,
      ...(near !== null ? { hint: `did you mean \`${near}\`?` } : {}),
    });
  }
  return issues;
}

function parseTurnValue(key: TurnKey, item: Record<string, unknown>, index: number, issues: ScriptIssue[]): Turn | null {
  const value = item[key];
  const at = (k: string = key): (string | number)[] => [index, k];
  switch (key) {
    case 'run': {
      const command = nonEmptyString(value, 'a command to run', at(), issues);
      return command === null ? null : { kind: 'run', command };
    }
    case 'say': {
      const text = nonEmptyString(value, 'the text of an assistant message', at(), issues);
      return text === null ? null : { kind: 'say', text };
    }
    case 'patch':
      return parsePatch(value, at(), issues);
    case 'ask': {
      const command = nonEmptyString(value, 'a command to ask approval for', at(), issues);
      const reason = 'reason' in item ? nonEmptyString(item['reason'], 'the reason shown in the approval dialog', at('reason'), issues) : DEFAULT_ASK_REASON;
      return command === null || reason === null ? null : { kind: 'ask', command, reason };
    }
    case 'stall':
      return parseStall(value, at(), issues);
    case 'limit':
    case 'usage-limit': {
      const stall = parseStall(value, at(), issues);
      return stall?.kind === 'stall' ? { kind: 'limit', ms: stall.ms } : null;
    }
    case 'fail':
      return parseFail(value, item, index, issues);
    case 'write': {
      const file = nonEmptyString(value, 'the path of the file to write', at(), issues);
      const content = textField(item, 'content', 'the text to write', at('content'), issues);
      return file === null || content === null ? null : { kind: 'write', path: file, content };
    }
    case 'edit': {
      const file = nonEmptyString(value, 'the path of the file to edit', at(), issues);
      const old = textField(item, 'old', 'the text to replace (a non-empty string)', at('old'), issues, false);
      const replacement = textField(item, 'new', 'the text to put in its place', at('new'), issues);
      return file === null || old === null || replacement === null ? null : { kind: 'edit', path: file, old, new: replacement };
    }
    default:
      return unreachable(key);
  }
}

// A required string modifier (`content:`, `old:`, `new:`); may be empty unless `allowEmpty` is false.
function textField(item: Record<string, unknown>, key: string, what: string, path: (string | number)[], issues: ScriptIssue[], allowEmpty = true): string | null {
  const value = item[key];
  if (!(key in item)) {
    issues.push({ path: path.slice(0, -1), message: `expected \`${key}:\` with ${what} in this turn` });
    return null;
  }
  if (typeof value === 'string' && (allowEmpty || value !== '')) return value;
  issues.push({ path, message: `expected ${what}, found ${describeValue(value, value === null)}` });
  return null;
}

function nonEmptyString(value: unknown, what: string, path: (string | number)[], issues: ScriptIssue[]): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  issues.push({ path, message: `expected ${what} (a non-empty string), found ${describeValue(value, value === null)}` });
  return null;
}

// Checked here because codex's own complaint about a malformed patch arrives only at run time.
function parsePatch(value: unknown, path: (string | number)[], issues: ScriptIssue[]): Turn | null {
  const patch = nonEmptyString(value, `a patch in codex's format ("${PATCH_BEGIN}" ... "${PATCH_END}")`, path, issues);
  if (patch === null) return null;
  const trimmed = patch.trim();
  if (!trimmed.startsWith(PATCH_BEGIN) || !trimmed.endsWith(PATCH_END)) {
    issues.push({
      path,
      message: `expected a patch that starts with "${PATCH_BEGIN}" and ends with "${PATCH_END}", found ${quote(trimmed)}`,
      hint: 'write it as a block scalar (`patch: |`) so each patch line stays on its own line',
    });
    return null;
  }
  return { kind: 'patch', patch: trimmed };
}

function parseStall(value: unknown, path: (string | number)[], issues: ScriptIssue[]): Turn | null {
  if (typeof value !== 'string') {
    issues.push({ path, message: `expected a duration such as 30s or 20m, found ${describeValue(value, value === null)}` });
    return null;
  }
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    const suggestion = suggestDuration(value);
    issues.push({ path, message: parsed.error, ...(suggestion !== null ? { hint: `did you mean ${suggestion}?` } : {}) });
    return null;
  }
  return { kind: 'stall', ms: parsed.value };
}

function parseFail(value: unknown, item: Record<string, unknown>, index: number, issues: ScriptIssue[]): Turn | null {
  let times: number | null = null;
  let timesValid = true;
  if ('times' in item) {
    const raw = item['times'];
    if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1) {
      times = raw;
    } else {
      issues.push({ path: [index, 'times'], message: `expected a whole number of requests, 1 or more, found ${describeValue(raw, raw === null)}` });
      timesValid = false;
    }
  }
  if (value === 'stream') return timesValid ? { kind: 'fail-stream', times } : null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) {
    return timesValid ? { kind: 'fail-http', status: value, times } : null;
  }
  issues.push({
    path: [index, 'fail'],
    message: `expected an HTTP error status from 400 to 599 or "stream", found ${describeValue(value, value === null)}`,
  });
  return null;
}
