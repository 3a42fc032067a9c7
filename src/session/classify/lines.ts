/**
 * The classifier's view of one screen line: its text without box borders, and what kind
 * of frame line it is. Agents draw dialogs and input boxes with box-drawing characters
 * (`│ ❯ 1. Yes │`, `╭─ Title ─╮`); the classifier reads what is inside.
 */

/** One screen line as the classifier reads it (never modified: the snapshot classifier shares them between calls). */
export interface ClassifyLine {
  /** Viewport row (of the first row of a wrapped line). */
  readonly row: number;
  /** The line as shown. */
  readonly text: string;
  /** The text inside box borders, trailing spaces removed (leading indentation kept). */
  readonly inner: string;
  /** Columns of indentation of `inner`. */
  readonly indent: number;
  /** `inner` without its indentation. */
  readonly body: string;
  /** Whether the line is empty once borders are removed. */
  readonly blank: boolean;
  /** A frame line (`╭────╮`, `────`, `╰─ ready ─╯`): its title, '' when it has none; null when not a frame. */
  readonly frameTitle: string | null;
}

/** Vertical borders at either end of a line. */
const LEFT_BORDER = /^\s*[│┃║▌▎┊╎]\s?/;
const RIGHT_BORDER = /\s*[│┃║┊╎]\s*$/;
/** Characters frames are drawn with. */
const FRAME_CHARS = /[─━═╌┄┈╍┅┉╭╮╰╯┌┐└┘┏┓┗┛╔╗╚╝├┤┬┴┼╹╻╷╵▀▄▔▁│┃║-]/g;
/** A frame line starts with a frame character and has a run of horizontal strokes. */
const FRAME_START = /^\s*[─━═╌┄┈╍┅┉╭╮╰╯┌┐└┘┏┓┗┛╔╗╚╝├┤╹▀▔▁-]/;
const FRAME_RUN = /[─━═╌┄┈╍┅┉▀▔▁-]{3,}|[╭╮╰╯┌┐└┘┏┓┗┛╔╗╚╝]/;

/** ASCII boxes (`+-----+` frames, `| text |` sides): a line is inside one when it starts and ends with `|`. */
const ASCII_SIDES = /^\s*\|\s?(.*?)\s*\|\s*$/;
const ASCII_FRAME = /^\s*\+[-=+]*[-=]{3,}[-=+]*(?:\s.*?\s[-=+]*)?\+?\s*$/;

/**
 * Terminal escape sequences (SGR colours, cursor moves, OSC titles and links, charset
 * selections): raw screen text may carry them; the classifier reads the text they decorate.
 */
const ESCAPES = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\^_=>78]|\x9b[0-?]*[ -/]*[@-~]/g;

/** Text without terminal escape sequences and other control characters (tabs kept). */
export function withoutEscapes(text: string): string {
  return text.replace(ESCAPES, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g, '');
}

/** Longer lines are read by their start and end only (no screen line needs more; it bounds the regex work). */
const MAX_LINE = 600;

/** Reads one line of text at `row`. */
export function readLine(text: string, row: number): ClassifyLine {
  const trimmed = text.replace(/\s+$/, '');
  const clean = trimmed.length <= MAX_LINE ? trimmed : `${trimmed.slice(0, MAX_LINE / 2)} … ${trimmed.slice(-MAX_LINE / 2)}`;
  let inner = clean.replace(LEFT_BORDER, (m) => ' '.repeat(Math.max(0, m.length - 2)));
  if (inner !== clean) inner = inner.replace(RIGHT_BORDER, '');
  else {
    const ascii = ASCII_SIDES.exec(clean);
    if (ascii !== null) inner = `${' '.repeat(Math.max(0, clean.indexOf('|') - 1))}${ascii[1]!}`;
  }
  const body = inner.trim();
  const indent = inner.length - inner.trimStart().length;
  let frameTitle: string | null = null;
  if (ASCII_FRAME.test(clean)) frameTitle = clean.replace(/[+=-]/g, ' ').replace(/\s+/g, ' ').trim();
  else if (body !== '' && FRAME_START.test(clean) && FRAME_RUN.test(clean)) frameTitle = clean.replace(FRAME_CHARS, ' ').replace(/\s+/g, ' ').trim();
  else if (clean.trim() !== '' && clean.replace(FRAME_CHARS, '').trim() === '') frameTitle = '';
  return { row, text: clean, inner, indent, body: frameTitle === null ? body : '', blank: body === '' || frameTitle === '', frameTitle };
}

/** Reads the lines of a plain-text screen (`\n`-separated, rows counted from 0; escape sequences dropped). */
export function readLines(text: string): ClassifyLine[] {
  return withoutEscapes(text).replace(/\r\n?/g, '\n').split('\n').map((l, i) => readLine(l, i));
}
