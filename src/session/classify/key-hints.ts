/**
 * Key-hint lines: the short "key + what it does" lines agents print under dialogs and input
 * boxes (`enter to submit | esc to cancel`, `Confirm with Y Enter`, `↑/↓ to navigate · Enter
 * to select`, `? for shortcuts`). What they say decides a lot: a hint to select, confirm or
 * submit means a question is open; a hint to interrupt means the agent is busy.
 */

/** What a key-hint line tells a supervisor. */
export type HintIntent =
  /** Choose, confirm, submit, navigate, allow/deny: a question is open. */
  | 'answer'
  /** Interrupt or stop: the agent is busy. */
  | 'interrupt'
  /** Cancel: shown by dialogs and busy agents alike. */
  | 'cancel'
  /** Anything else (shortcuts, modes, commands). */
  | 'other';

/** A key as hints name it. */
const KEY = String.raw`(?:(?:shift|ctrl|control|alt|option|opt|cmd|meta)\s*[+-]\s*(?:tab|enter|return|[a-z]\b)|\^[a-z]\b|esc(?:ape)?\b|enter\b|return\b|tab\b|space\b|backspace\b|[↑↓←→⇆↵]+|up\/down\b|left\/right\b|arrow keys\b|number keys\b|any (?:other )?key\b|f\d{1,2}\b|[?/@])`;
const KEYS = String.raw`${KEY}(?:\s*(?:\/|,|or|and)\s*${KEY})*`;
/** `esc to cancel`, `Enter select`, `? for shortcuts`, `Esc:cancel`, `press enter to confirm or esc to cancel`. */
const KEY_FIRST = new RegExp(String.raw`^(?:(?:press|hit|use|type)\s+)?${KEYS}\s*(?::\s*|\s+(?:to|for)\s+|\s+)\p{L}[\p{L}\s'’/+-]{0,60}$`, 'iu');
/** A single letter key only with "to": `n to add notes`. */
const LETTER_FIRST = /^(?:press\s+)?['"]?[a-z]['"]?\s+to\s+\p{L}[\p{L}\s'’-]{0,40}$/iu;
/** `Confirm with Y Enter`, `Cancel with Esc`, `Confirm with number keys or ↑↓ keys and Enter`. */
const VERB_WITH = new RegExp(String.raw`^\p{L}[\p{L}\s]{0,20}\swith\s.*(?:${KEY}|\b[A-Z]\b)`, 'iu');
/** `Use ↑↓ or number keys to select`. */
const USE_TO = new RegExp(String.raw`^use\s.*${KEY}.*\bto\s+\p{L}+`, 'iu');
/** Hint segments are separated by `·`, `|`, `•`, `│`, commas or wide gaps. */
const SEGMENT_SEPARATOR = /\s*(?:[·•|│]|,\s|\s{2,})\s*/;

const ANSWER = /\b(?:select|confirm|submit|choose|pick|approve|accept(?!\s+edits)|allow|deny|reject|decline|navigate|answer|continue|proceed|amend|add notes?)\b|\bwith\s+(?:shift\s*\+\s*)?[a-z]\s+enter\b/i;
/** "esc to interrupt", "ctrl+c to stop", "Esc interrupt", not when quoted in text. */
export const INTERRUPT = /(?<!["'`])\b(?:esc(?:ape)?|ctrl\s*[+-]?\s*c|\^c)\b\s*(?:to\s+)?(?:interrupt|stop)\b/i;
const CANCEL = /\besc(?:ape)?\s*(?:to\s+|:\s*)?cancel\b/i;

/** Whether one segment of a line is a key hint. */
function isHintSegment(segment: string): boolean {
  const s = segment.replace(/^[()[\]]+|[()[\].…](?:[\s()[\].…]*[()[\].…])?$/g, '').trim();
  return KEY_FIRST.test(s) || LETTER_FIRST.test(s) || VERB_WITH.test(s) || USE_TO.test(s);
}

/** Whether a line (without borders) is a key-hint line: at least half of its segments are hints. */
export function isKeyHintLine(body: string): boolean {
  if (body === '' || /\?\s*$/.test(body.replace(/\(.*\)\s*$/, ''))) return isHintSegment(body);
  const segments = body.split(SEGMENT_SEPARATOR).filter((s) => s !== '');
  const hints = segments.filter(isHintSegment).length;
  return hints >= 1 && hints * 2 >= segments.length;
}

/** What a key-hint line says (answer wins over interrupt: `enter to submit answer | esc to interrupt`). */
export function hintIntent(body: string, dialogHints: readonly RegExp[] = []): HintIntent {
  if (ANSWER.test(body)) return 'answer';
  if (dialogHints.some((re) => re.test(body))) return 'answer';
  if (INTERRUPT.test(body)) return 'interrupt';
  if (CANCEL.test(body)) return 'cancel';
  return 'other';
}

/** Whether a hint asks for Enter after a key (`Confirm with Y Enter`, `(y) (enter)`). */
export function mentionsEnter(text: string): boolean {
  return /\b(?:enter|return)\b|↵/i.test(text);
}

/** `Press any key to continue`, `Press Enter to continue`, `Hit space to proceed`: one option, the key that continues. */
export function continueOption(body: string): { label: string; keys: string[] }[] | null {
  const m = /^(?:press|hit|type)\s+(any (?:other )?key|enter|return|space)\s+to\s+(continue|proceed)\b/i.exec(body.trim());
  if (m === null) return null;
  return [{ label: m[2]!.charAt(0).toUpperCase() + m[2]!.slice(1).toLowerCase(), keys: [/^space$/i.test(m[1]!) ? ' ' : '\r'] }];
}
