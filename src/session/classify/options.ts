/**
 * Options of a question and the keys that choose them: numbered menus (`› 1. Yes`, also
 * inside box borders), unnumbered menus with a cursor (`❯ Approve`), letter options
 * (`[y/n/t]:`, `Choice [o/s/a/D]:`, `[a] Accept [d] Decline`, `yes (y) / no (n)`,
 * `(Y)es/(N)o`, `(y) (enter)`, `Confirm with Y Enter`), inline options (`Allow once   Allow
 * always   Reject`) and lines that name their key (`Skip (esc or n)`).
 *
 * Also radio menus (`● Allow once` / `○ Deny`, the filled dot is the cursor), checkbox lists
 * (`❯◯ lint` / ` ◉ unit`) and answer words (`(yes/no/[fingerprint])`).
 *
 * Keys: a numbered option N is the digit; a cursor or radio menu without numbers is arrow
 * keys relative to the cursor row, then Enter (a checkbox list: then space, then Enter); a
 * letter is the letter (then Enter when the screen says Enter); a word is the word, then
 * Enter; inline options are right-arrows from the first, then Enter.
 */
import type { QuestionOption } from './types.js';
import type { ClassifyLine } from './lines.js';
import { isKeyHintLine } from './key-hints.js';
import { isWorkingLine } from './working.js';
import { OPTION_WORD, isQuestionLine } from './wording.js';

const DOWN = '\x1b[B';
const UP = '\x1b[A';
const RIGHT = '\x1b[C';
const ENTER = '\r';

/** Cursor glyphs; the first group are sure cursors, `●` marks a cursor only when it is alone. */
const STRONG_CURSOR = '›>❯▶▸►➤→';
const NUMBERED = /^(\s*)(?:([›>❯▶▸►➤→●◉*])\s*)?(\d{1,2})[.)]\s+(\S.*)$/u;
/** `1 Allow for this conversation`: numbers without a dot, only as a run from 1. */
const BARE_NUMBERED = /^(\s*)(?:([›>❯▶▸►➤→●])\s*)?(\d)\s+(\p{Lu}.*)$/u;
/** `●` is not among them: it is also the bullet of an agent's replies. */
const CURSOR_LINE = /^(\s*)([›>❯▶▸►➤→])(\s*[◯◉○●◻◼☐☒]\s+|\s+)(\S.*)$/u;
/** A checkbox before an option's label (inquirer's `❯◯ Ham` / ` ◉ Olives`): part of the option, not of its label. */
const CHECKBOX = /^[◯◉○●◻◼☐☒]\s+/u;
/** A key named in parentheses at the end of an option: `(y)`, `(esc)`, `(shift+tab)`, `(esc or n)`. */
export const KEY_PAREN = /\s*\(((?:esc|tab|shift\s*\+\s*tab|enter|return|[a-z])(?:\s+or\s+(?:esc|tab|shift\s*\+\s*tab|enter|[a-z]))*)\)\s*$/i;

/** A menu found on the screen. */
export interface Menu {
  options: QuestionOption[];
  /** Index (in the lines) of the first and last option. */
  first: number;
  last: number;
  /** Whether a cursor marks one option. */
  cursor: boolean;
}

/** The bytes of a key named in a hint or parenthesis. */
function keyBytes(name: string): string[] {
  const parts = name.toLowerCase().split(/\s+or\s+/).map((p) => p.replace(/\s+/g, ''));
  const letter = parts.find((p) => /^[a-z]$/.test(p));
  if (letter !== undefined) return [letter];
  const first = parts[0] ?? '';
  if (first === 'shift+tab') return ['\x1b[Z'];
  if (first === 'tab') return ['\t'];
  if (first === 'esc') return ['\x1b'];
  return [ENTER];
}

/** An option's label without its cursor, number, checkbox or key decoration. */
function cleanLabel(label: string): string {
  return label.replace(KEY_PAREN, '').replace(/^\[[ xX✓✔]?\]\s*/, '').replace(/\s{2,}.*$/, '').trim();
}

/** `arrows` presses of `key`, then Enter. */
function moves(key: string, count: number): string[] {
  return [...Array.from({ length: count }, () => key), ENTER];
}

interface Entry {
  index: number;
  number: number;
  digitCol: number;
  marker: string | undefined;
  label: string;
}

function entryOf(line: ClassifyLine, bare: boolean): Entry | null {
  const m = (bare ? BARE_NUMBERED : NUMBERED).exec(line.inner);
  if (m === null) return null;
  const digitCol = line.inner.indexOf(m[3]!, m[1]!.length);
  return { index: -1, number: Number(m[3]), digitCol, marker: m[2], label: m[4]! };
}

/** A numbered menu whose last entry (or an entry's description) is at `at`, read upwards. */
export function numberedMenuAt(lines: readonly ClassifyLine[], at: number): Menu | null {
  for (const bare of [false, true]) {
    const entries: Entry[] = [];
    let blanks = 0;
    for (let i = at; i >= 0 && at - i < 40; i--) {
      const line = lines[i]!;
      if (line.blank) {
        if (++blanks > 2) break;
        continue;
      }
      blanks = 0;
      const entry = entryOf(line, bare);
      const below = entries[entries.length - 1];
      if (entry !== null && (below === undefined || entry.number === below.number - 1)) {
        entries.push({ ...entry, index: i });
        if (entry.number === 1) break;
        continue;
      }
      // A description under an entry is indented past the entry's number (below the last
      // entry, where that column is not known yet, any indented line near the bottom).
      if (below === undefined ? at - i < 4 && line.indent >= 2 : line.indent >= below.digitCol + 2) continue;
      break;
    }
    if (entries.length === 0 || (bare && entries.length < 2)) continue;
    entries.reverse();
    if (entries.length === 1 && entries[0]!.marker === undefined) return null;
    const strong = entries.filter((e) => e.marker !== undefined && STRONG_CURSOR.includes(e.marker));
    const marked = strong.length === 1 ? strong : entries.filter((e) => e.marker !== undefined);
    return {
      options: entries.map((e) => ({ label: cleanLabel(e.label), keys: [String(e.number)] })),
      first: entries[0]!.index,
      last: entries[entries.length - 1]!.index,
      cursor: marked.length === 1,
    };
  }
  return null;
}

/** Whether `line` sits in the label column `col` of a cursor menu, as a sibling option. */
function isSibling(line: ClassifyLine, col: number, checkboxes: boolean): boolean {
  const box = checkboxes ? (CHECKBOX.exec(line.body)?.[0].length ?? 0) : 0;
  const body = line.body.slice(box);
  if (line.blank || line.frameTitle !== null || Math.abs(line.indent + box - col) > 1) return false;
  if (NUMBERED.test(line.inner) || isKeyHintLine(body) || body.length > 100) return false;
  // Options start with a word (or a checkbox); transcript lines start with a bullet or spinner.
  // and options are not sentences: a line ending in a full stop is prose.
  return /^[\p{L}\p{N}[(]/u.test(body) && !/[^.]\.$/.test(body) && !isWorkingLine(body);
}

/** An unnumbered menu with a cursor whose last option is at `at`: `❯ Approve` / `  Deny`. */
export function cursorMenuAt(lines: readonly ClassifyLine[], at: number): Menu | null {
  for (let c = at; c >= 0 && at - c < 12; c--) {
    const line = lines[c]!;
    const m = CURSOR_LINE.exec(line.inner);
    if (m === null || NUMBERED.test(line.inner)) continue;
    const col = m[1]!.length + m[2]!.length + m[3]!.length;
    const boxes = /\S/.test(m[3]!);
    let ok = true;
    for (let j = c + 1; j <= at; j++) if (!isSibling(lines[j]!, col, boxes)) ok = false;
    if (!ok) return null;
    let first = c;
    // Options above the cursor, in the same column, up to the question.
    while (first - 1 >= 0 && isSibling(lines[first - 1]!, col, boxes) && !/[?:.]$/.test(lines[first - 1]!.body)) first--;
    const count = at - first + 1;
    const above = lines.slice(Math.max(0, first - 3), first).filter((l) => !l.blank);
    const asked = above.length > 0 && isQuestionLine(above[above.length - 1]!.body);
    if (count < 2 && !asked) return null;
    const options: QuestionOption[] = [];
    for (let j = first; j <= at; j++) {
      const label = j === c ? m[4]! : boxes ? lines[j]!.body.replace(CHECKBOX, '') : lines[j]!.body;
      const named = KEY_PAREN.exec(label);
      const keys = named !== null ? keyBytes(named[1]!) : j === c ? [ENTER] : j > c ? moves(DOWN, j - c) : moves(UP, c - j);
      // A checkbox list: move there, tick it with space, then Enter.
      options.push({ label: cleanLabel(label), keys: boxes && named === null ? [...keys.slice(0, -1), ' ', ENTER] : keys });
    }
    return { options, first, last: at, cursor: true };
  }
  return null;
}

/** A radio option: a filled dot marks the chosen one (the cursor), empty ones the others: `● Yes` / `○ No`. */
const RADIO_LINE = /^(\s*)([●◉◆■▣○◯◇□])(\s+)(\S.*)$/u;
const RADIO_FILLED = '●◉◆■▣';

/** A radio menu whose last option is at `at`: one filled dot (the cursor) among empty ones, in one column. */
export function radioMenuAt(lines: readonly ClassifyLine[], at: number): Menu | null {
  const rows: { index: number; filled: boolean; label: string }[] = [];
  let col = -1;
  for (let i = at; i >= 0 && at - i < 12; i--) {
    const m = RADIO_LINE.exec(lines[i]!.inner);
    if (m === null) break;
    if (col >= 0 && m[1]!.length !== col) break;
    col = m[1]!.length;
    rows.unshift({ index: i, filled: RADIO_FILLED.includes(m[2]!), label: m[4]! });
  }
  const cursor = rows.findIndex((r) => r.filled);
  if (rows.length < 2 || cursor < 0 || rows.filter((r) => r.filled).length !== 1) return null;
  const options = rows.map((r, j) => {
    const named = KEY_PAREN.exec(r.label);
    const keys = named !== null ? keyBytes(named[1]!) : j === cursor ? [ENTER] : j > cursor ? moves(DOWN, j - cursor) : moves(UP, cursor - j);
    return { label: cleanLabel(r.label), keys };
  });
  return { options, first: rows[0]!.index, last: at, cursor: true };
}

/** Answer words typed in full (`(yes/no)`, `[all/none]`), then Enter. */
const ANSWER_WORDS = String.raw`yes|no|all|none|always|never|skip|quit|abort|retry|ignore|cancel|ok`;
/** A placeholder among them (`[fingerprint]`, `<name>`): something else may be typed; not an option. */
const SET_PART = String.raw`(?:[a-z]\b|(?:${ANSWER_WORDS})\b|\[[^\]/]{1,30}\]|<[^>/]{1,30}>)`;
const LETTER_SET = new RegExp(String.raw`[[(]\s*(${SET_PART}(?:\s*\/\s*${SET_PART}){1,7})\s*[\])]`, 'i');
const BRACKET_LETTER = /\[([a-z0-9])\](\p{L}*)(?:\s+(\p{L}[\p{L}'’-]*))?/giu;
const PAREN_PREFIX = /\(([a-z])\)(\p{L}[\p{L}'’]*)/giu;
// A word starts after a non-letter (the lookbehind): tried at every letter, a long run of letters
// with no `(x)` after it cost O(n²) (a wrapped 4,800-letter line: 25 ms per snapshot).
const WORD_THEN_PAREN = /(?<!\p{L})(\p{L}[\p{L}'’-]*)\s*\(([a-z])\)(?!\p{L})/giu;
const HAS_PAREN_LETTER = /\([a-z]\)/i;
const LETTER_ENTER = /\(([a-z])\)\s*\((?:enter|return)\)/i;
const CONFIRM_WITH = /^(\p{L}[\p{L} ]*?)\s+with\s+(shift\s*\+\s*)?([a-z])\s+(?:enter|return)\b/iu;
/** A question that names one key after it: npm's `Ok to proceed? (y)`. */
const SINGLE_KEY = /\?\s*\(([a-z])\)\s*$/i;
const NAMES: Record<string, string> = { y: 'Yes', n: 'No', yes: 'Yes', no: 'No' };

/**
 * Letter options on one line, or null. `enter`: the screen says to press Enter after the
 * letter. `labels`: labels for letters found on a neighbouring line (`[o]nce | [s]ession`).
 */
export function letterOptions(body: string, enter: boolean, labels: ReadonlyMap<string, string> = new Map()): QuestionOption[] | null {
  const keys = (k: string, withEnter = enter): string[] => (withEnter ? [k, ENTER] : [k]);
  const confirm = CONFIRM_WITH.exec(body);
  if (confirm !== null) {
    const letter = confirm[2] !== undefined ? confirm[3]!.toUpperCase() : confirm[3]!.toLowerCase();
    return [{ label: confirm[1]!.trim(), keys: [letter, ENTER] }];
  }
  const yEnter = LETTER_ENTER.exec(body);
  if (yEnter !== null) {
    const k = yEnter[1]!.toLowerCase();
    return [{ label: NAMES[k] ?? k, keys: [k, ENTER] }];
  }
  const set = LETTER_SET.exec(body);
  if (set !== null) {
    const parts = set[1]!.split('/').map((p) => p.trim()).filter((p) => !/^[[<]/.test(p));
    // A word is typed in full and read as a line: Enter after it, whatever the screen says.
    if (parts.length >= 2) return parts.map((p) => ({ label: labels.get(p.toLowerCase()) ?? NAMES[p.toLowerCase()] ?? p, keys: keys(p.toLowerCase(), enter || p.length > 1) }));
  }
  const single = SINGLE_KEY.exec(body);
  if (single !== null) {
    const k = single[1]!.toLowerCase();
    return [{ label: NAMES[k] ?? k, keys: keys(k) }];
  }
  const bracket = [...body.matchAll(BRACKET_LETTER)];
  if (bracket.length >= 2) return bracket.map((m) => ({ label: m[2] !== '' ? `${m[1]}${m[2]}` : (m[3] ?? m[1]!), keys: keys(m[1]!.toLowerCase()) }));
  const prefix = [...body.matchAll(PAREN_PREFIX)];
  if (prefix.length >= 2) return prefix.map((m) => ({ label: `${m[1]}${m[2]}`, keys: keys(m[1]!.toLowerCase()) }));
  const words = HAS_PAREN_LETTER.test(body) ? [...body.matchAll(WORD_THEN_PAREN)] : [];
  if (words.length >= 2 || (words.length === 1 && isQuestionLine(body))) return words.map((m) => ({ label: m[1]!, keys: keys(m[2]!.toLowerCase()) }));
  return null;
}

/** Labels of `[o]nce`-style options on a line, by letter. */
export function bracketLabels(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(BRACKET_LETTER)) out.set(m[1]!.toLowerCase(), m[2] !== '' ? `${m[1]}${m[2]}` : (m[3] ?? m[1]!));
  return out;
}

/** Options side by side on one line: `Allow once   Allow always   Reject`, `Yes  No  Always Allow`. */
export function inlineOptions(body: string): QuestionOption[] | null {
  const segments = body.split(/\s{2,}|\s+[|/]\s+/).map((s) => s.trim()).filter((s) => s !== '');
  if (segments.length < 2) return null;
  const options = segments.filter((s) => OPTION_WORD.test(s) && s.split(/\s+/).length <= 5);
  if (options.length < 2) return null;
  return options.map((label, i) => ({ label, keys: i === 0 ? [ENTER] : moves(RIGHT, i) }));
}

/** A single option line that names its key: `Skip (esc or n)`, `Auto apply changes (shift+tab)`. */
export function keyedOption(body: string): QuestionOption | null {
  const m = KEY_PAREN.exec(body);
  if (m === null || body.length > 100) return null;
  const label = cleanLabel(body.replace(/^[^\p{L}\p{N}]+/u, ''));
  return label === '' ? null : { label, keys: keyBytes(m[1]!) };
}
