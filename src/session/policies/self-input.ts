/**
 * Progress the agent made, not codex-run. Whatever codex-run types into a job's terminal (an
 * answer, a poke, keys, the replies to terminal queries) changes the screen by itself: a
 * terminal in cooked mode echoes the bytes (`status` appears at the cursor, `^[[B` for an
 * arrow key) and an Enter moves the cursor down a line (a spinner then redraws one row lower,
 * leaving its last frame behind, or the screen scrolls); a TUI in raw mode draws the typed
 * text into its input box. None of that is the agent working. Were it counted, a hung agent
 * poked every `poke` would look alive forever and the idle ladder would never reach `kill`.
 *
 * The judge keeps the agent's screen: the last normalised screen (spinners and timers taken
 * out, see progress.ts) that the agent produced or that codex-run's input left behind. Each
 * snapshot is
 *
 *   - `unchanged`: the same as that screen;
 *   - `self`: different, but within the echo window of codex-run's input and explained by it:
 *     every line that is new, compared with the screen before the input, is blank, or is a
 *     line that was already there or shown lately (moved by a scroll, redrawn one row lower,
 *     an input box that comes back once the typed line is sent), or holds
 *     the typed text (its echo) with nothing around it but decoration or an old line, or is
 *     an old line once the echo's cells are taken out of it (see below). Rows the
 *     echo only removed (scrolled off, erased) are explained too. Cursor-only moves never
 *     change the normalised text;
 *   - `agent`: anything else. New words from the agent always count, echo window or not: a
 *     reply to a poke (`reply 1: got "status"`) is progress at once.
 *
 * Where a cooked echo lands: at the cursor, that is at the end of whatever the agent last
 * drew there, glued to it (`Analyzing… 2sgo`): normalised whole, such a line is new (the
 * timer `2s` followed by a letter is no longer a timer). So the echo is taken out of the raw
 * line before normalising: each typed piece is remembered with the index in its line where
 * the cursor was when it was typed (from the last snapshot; after a typed line end, the
 * start of the next line), and the cells it covers there are cut out, also when the agent's
 * next frame, longer, drew over the start of the echo (`… 10so`). An echo found elsewhere
 * whole (the cursor had moved) is cut out as well. What is left must be an old line.
 *
 *   quiet ──input written──▶ echoing(before, until, lineEnd) ──change, window closed──▶ quiet
 *                              ▲   │ more input: until = last write + window
 *                              └───┘
 *
 * The window is closed when `now > until` and no typed line end awaits its redraw. An Enter
 * echoed by a cooked terminal moves the cursor to a fresh row, where the agent's next frame
 * lands whenever it comes (a spinner that redraws every second draws its line one row lower
 * up to a second later): so the first screen change after a typed line end is judged
 * against the input however late, within {@link MAX_ECHO_WINDOW_MS}.
 *
 * The echo window runs from the first byte typed to the last byte plus the larger of
 * {@link MIN_ECHO_WINDOW_MS} and twice the echo latency seen so far (the largest of the last
 * few delays from a keystroke to the next screen change), capped at {@link MAX_ECHO_WINDOW_MS}. Why these: a kernel echo
 * reaches the screen model within a snapshot period (100 ms) or two, and an agent redraws
 * its own echo within a frame; 500 ms covers both on a loaded machine, twice the observed
 * latency adapts to a slower TUI, and the cap keeps a late change (seconds after the input)
 * the agent's. The window only decides how long an explanation is accepted: content that the
 * input cannot explain is progress even inside it, so a generous window hides no real work.
 */

import type { LogicalLine, ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { isDrawnPrefix, normaliseLine } from './progress.js';

/** The shortest echo window after codex-run's last keystroke. */
export const MIN_ECHO_WINDOW_MS = 500;
/** The longest echo window, however slow echoes were. */
export const MAX_ECHO_WINDOW_MS = 5000;
/** Echo latencies remembered for the window (the largest of these counts). */
const LATENCY_SAMPLES = 4;
/**
 * Distinct screen lines remembered as "already shown". A TUI redraws in steps, so a snapshot
 * may catch a frame without its input box or footer; when they come back after codex-run's
 * next keystroke they are not new.
 */
const REMEMBERED_LINES = 500;
/** Typed texts remembered to recognise their echo in old lines (for the loop guard). */
const REMEMBERED_TEXTS = 16;

const HAS_WORD = /[\p{L}\p{N}]/u;

/** What a snapshot shows, compared with the agent's screen. */
export type ScreenVerdict = 'unchanged' | 'self' | 'agent';

type EchoState =
  | { kind: 'quiet' }
  | {
      kind: 'echoing';
      /** Normalised lines of the agent's screen before the first keystroke of this window. */
      before: ReadonlySet<string>;
      /** End of the window. */
      until: number;
      /** The write not yet matched to the screen change it caused (for the latency), or null. */
      unmatchedWriteAt: number | null;
      /** When a typed line end (Enter) was written whose redraw one row lower has not come yet, or null. */
      lineEndAt: number | null;
    };

/** A typed piece (no line end in it) as the terminal shows it, and where in its line it starts. */
interface Echo {
  readonly text: string;
  /** String index in the (logical) line where the cursor was when it was typed; null: unknown. */
  readonly at: number | null;
}

/** Says, snapshot by snapshot, whether the agent (not codex-run's own input) changed the screen. */
export class ScreenJudge {
  private lastHash: number | null = null;
  private screen = '';
  /** The screen before `screen`: a change back to it is a flicker, not progress (see judge). */
  private previous: string | null = null;
  private lines: ReadonlySet<string> = new Set();
  /** The agent's screen's lines as drawn (not normalised), for a frame caught half-drawn. */
  private drawn: readonly string[] = [];
  private state: EchoState = { kind: 'quiet' };
  private readonly latencies: number[] = [];
  /** Lines shown on screen lately, least recent first (a bounded LRU). */
  private readonly shown = new Set<string>();
  /** Recent typed texts in their echo spellings, normalised, newest last. */
  private readonly typed: string[] = [];
  /** Recent typed pieces as the terminal renders them (raw), with where they landed, newest last. */
  private readonly echoes: Echo[] = [];
  /** Index in its line of the cursor at the last snapshot, or null before any. */
  private cursorAt: number | null = null;
  /** Where the next typed byte lands when nothing was parsed since the last input: the end of its echo. */
  private inputEnd: number | null = null;

  /** How long an echo is accepted after the last keystroke. */
  get echoWindowMs(): number {
    const latency = this.latencies.length === 0 ? 0 : Math.max(...this.latencies);
    return Math.min(MAX_ECHO_WINDOW_MS, Math.max(MIN_ECHO_WINDOW_MS, 2 * latency));
  }

  /** Records bytes codex-run wrote into the terminal at `now`. */
  noteInput(data: string, now: number): void {
    for (const text of echoTexts(data)) {
      const at = this.typed.indexOf(text);
      if (at >= 0) this.typed.splice(at, 1);
      this.typed.push(text);
      if (this.typed.length > REMEMBERED_TEXTS) this.typed.shift();
    }
    this.noteEchoes(data);
    const lineEnd = /[\r\n]/.test(data) ? now : null;
    const state = this.state;
    const until = now + this.echoWindowMs;
    const fresh: EchoState = { kind: 'echoing', before: this.lines, until, unmatchedWriteAt: now, lineEndAt: lineEnd };
    switch (state.kind) {
      case 'quiet':
        this.state = fresh;
        return;
      case 'echoing':
        // More keystrokes extend the window; after it closed, the screen now is the one before them.
        this.state = this.windowOpen(state, now)
          ? { ...state, until, unmatchedWriteAt: state.unmatchedWriteAt ?? now, lineEndAt: lineEnd ?? state.lineEndAt }
          : fresh;
        return;
      default:
        unreachable(state);
    }
  }

  /** Judges a snapshot taken at `now` and makes it the agent's screen if it changed. */
  judge(snap: ScreenSnapshot, now: number): ScreenVerdict {
    this.cursorAt = cursorIndex(snap);
    this.inputEnd = null;
    if (snap.hash === this.lastHash) return 'unchanged';
    this.lastHash = snap.hash;
    const logical = snap.logicalLines();
    const raw = logical.map((l) => l.text);
    const lines = raw.map(normaliseLine);
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const text = lines.join('\n');
    if (text === this.screen) return 'unchanged';
    this.sampleLatency(now);
    const explained = this.explainedByInput(lines, raw, now);
    // What codex-run's input cannot explain may still be a frame caught half-drawn.
    if (!explained && this.caughtHalfDrawn(snap, logical, lines)) return 'unchanged';
    const verdict = explained ? 'self' : 'agent';
    // The redraw a typed line end awaited has come: the agent drew something, or this is the first change after the window.
    if (this.state.kind === 'echoing' && (verdict === 'agent' || now > this.state.until)) this.state = { ...this.state, lineEndAt: null };
    // A TUI that redraws its whole region by erasing it first (ink: Gemini CLI's spinner, a
    // 1.7 kB frame every ~80 ms) is seen half-drawn whenever a snapshot falls between the erase
    // and the redraw; the screen then flips between the two. Going back to the screen before
    // the last one is that flicker, not the agent's progress.
    const flicker = text === this.previous;
    this.previous = this.screen;
    this.screen = text;
    this.lines = new Set(lines);
    this.drawn = raw;
    for (const line of this.lines) {
      this.shown.delete(line);
      this.shown.add(line);
    }
    for (const oldest of this.shown) {
      if (this.shown.size <= REMEMBERED_LINES) break;
      this.shown.delete(oldest);
    }
    return flicker && verdict === 'agent' ? 'unchanged' : verdict;
  }

  /**
   * A frame caught while the agent was still drawing it (the snapshot fell between the writes
   * of one frame, or a write the terminal split): the only new line is the one at the cursor,
   * the cursor is at its end, and it is the line the agent's screen had there, cut short
   * (isDrawnPrefix: a spinner's line redrawn in place).
   * Not progress, and not the agent's screen: a hung agent's spinner caught half-drawn under
   * load would otherwise reset the idle ladder. A line the agent really ends there counts once
   * something else changes.
   */
  private caughtHalfDrawn(snap: ScreenSnapshot, logical: readonly LogicalLine[], lines: readonly string[]): boolean {
    let at = -1;
    for (const [i, line] of logical.entries()) if (line.row <= snap.cursor.row) at = i;
    const part = logical[at]?.text;
    if (part === undefined || this.cursorAt === null || this.cursorAt < part.length) return false;
    for (const [i, line] of lines.entries()) if (i !== at && line !== '' && !this.lines.has(line)) return false;
    const whole = this.drawn[at];
    return whole !== undefined && isDrawnPrefix(part, whole);
  }

  /**
   * Whether a normalised line is only the echo of something codex-run typed (with at most
   * decoration around it), such as `status` or `› status`: not the agent's output.
   */
  isEchoLine(line: string): boolean {
    const rest = this.withoutTyped(line);
    return rest !== null && !HAS_WORD.test(rest.text);
  }

  // `lines` are the normalised lines of the snapshot (trailing blanks dropped), `raw` the same lines as shown.
  private explainedByInput(lines: readonly string[], raw: readonly string[], now: number): boolean {
    const state = this.state;
    switch (state.kind) {
      case 'quiet':
        return false;
      case 'echoing':
        break;
      default:
        return unreachable(state);
    }
    if (!this.windowOpen(state, now)) {
      this.state = { kind: 'quiet' };
      return false;
    }
    const known = (line: string): boolean => state.before.has(line) || this.lines.has(line) || this.shown.has(line);
    for (const [i, line] of lines.entries()) {
      if (line === '' || known(line)) continue;
      if (this.echoOfKnown(line, known)) continue;
      const rest = this.withoutEchoCells(raw[i] ?? '');
      if (rest === null) return false;
      const normal = normaliseLine(rest);
      if (HAS_WORD.test(normal) && !known(normal)) return false;
    }
    return true;
  }

  // Explanations are accepted until `until`, and for the first change after a typed line end (see the module comment).
  private windowOpen(state: Extract<EchoState, { kind: 'echoing' }>, now: number): boolean {
    return now <= state.until || (state.lineEndAt !== null && now <= state.lineEndAt + MAX_ECHO_WINDOW_MS);
  }

  // Remembers each piece of `data` (split at line ends) as the terminal shows it, and where it lands.
  private noteEchoes(data: string): void {
    let at = this.inputEnd ?? this.cursorAt;
    const pieces = data.split(/\r\n|[\r\n]/);
    pieces.forEach((piece, i) => {
      // After a line end, the echo goes on at the start of the next line.
      if (i > 0) at = 0;
      const { cooked, printable } = renderEcho(piece);
      // A TUI draws the printable characters wherever its input box is.
      const shown: Echo[] = printable === cooked ? [{ text: cooked, at }] : [{ text: cooked, at }, { text: printable, at: null }];
      for (const echo of shown) {
        if (echo.text.trim() === '') continue;
        this.echoes.push(echo);
        if (this.echoes.length > REMEMBERED_TEXTS) this.echoes.shift();
      }
      if (at !== null) at += cooked.length;
    });
    this.inputEnd = at;
  }

  /**
   * The raw line with the cells of remembered echoes cut out, or null when none is in it. An
   * echo is looked for where it landed (whole, or with its start drawn over by the agent's
   * next, longer frame), else anywhere whole.
   */
  private withoutEchoCells(line: string): string | null {
    let padded = line;
    const spans: [number, number][] = [];
    for (const echo of this.echoes) {
      const span = echoSpan(padded, echo);
      if (span === null) continue;
      spans.push(span);
      padded = padded.padEnd(span[1]);
    }
    if (spans.length === 0) return null;
    let rest = '';
    for (let i = 0; i < padded.length; i++) if (!spans.some(([from, to]) => i >= from && i < to)) rest += padded[i];
    return rest;
  }

  // The first screen change after a keystroke measures the echo latency, whoever made it: an
  // echo too late for the window still widens the next one, so a slow terminal is not read as
  // an agent that wakes up at every poke.
  private sampleLatency(now: number): void {
    const state = this.state;
    if (state.kind !== 'echoing' || state.unmatchedWriteAt === null) return;
    const latency = now - state.unmatchedWriteAt;
    if (latency <= MAX_ECHO_WINDOW_MS) {
      this.latencies.push(latency);
      if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    }
    this.state = { ...state, unmatchedWriteAt: null };
  }

  // A line that is typed text with only decoration around it, or an old line with typed text
  // written into it (appended, inserted, or over some of its characters).
  private echoOfKnown(line: string, known: (line: string) => boolean): boolean {
    const rest = this.withoutTyped(line);
    if (rest === null) return false;
    if (!HAS_WORD.test(rest.text) || known(rest.text)) return true;
    const { before, after } = rest;
    const state = this.state;
    const candidates = state.kind === 'echoing' ? [...state.before, ...this.lines] : [...this.lines];
    for (const candidate of candidates) {
      if (candidate.length >= before.length + after.length && candidate.startsWith(before) && candidate.endsWith(after)) return true;
    }
    return false;
  }

  // The line with every typed text taken out (the last one found splits it in `before`/`after`), or null when none is in it.
  private withoutTyped(line: string): { text: string; before: string; after: string } | null {
    let text = line;
    let found = false;
    let before = '';
    let after = '';
    for (const typed of [...this.typed].sort((a, b) => b.length - a.length)) {
      const last = text.lastIndexOf(typed);
      if (last < 0) continue;
      if (!found) {
        before = text.slice(0, last).trim();
        after = text.slice(last + typed.length).trim();
      }
      found = true;
      text = text.split(typed).join(' ');
    }
    return found ? { text: text.replace(/\s+/g, ' ').trim(), before, after } : null;
  }
}

/**
 * The texts an input shows on screen, normalised like screen lines: per line of input (split
 * at CR/LF), as a cooked terminal echoes it (controls as `^X`, Esc as `^[`, a backspace
 * erasing) and as a TUI draws it (printable characters only). Empty texts are left out.
 */
export function echoTexts(data: string): string[] {
  const out = new Set<string>();
  for (const piece of data.split(/[\r\n]/)) {
    const { cooked, printable } = renderEcho(piece);
    for (const text of [cooked, printable]) {
      const normal = normaliseLine(text);
      if (normal !== '') out.add(normal);
    }
  }
  return [...out];
}

// One piece of input (no line end in it) as a cooked terminal echoes it and as a TUI draws it.
function renderEcho(piece: string): { cooked: string; printable: string } {
  let cooked = '';
  let printable = '';
  for (const ch of piece) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x7f || code === 0x08) {
      cooked = cooked.slice(0, -1);
      printable = printable.slice(0, -1);
    } else if (code === 0x09) {
      cooked += ' ';
      printable += ' ';
    } else if (code < 0x20) {
      cooked += `^${String.fromCharCode(code + 64)}`;
    } else {
      cooked += ch;
      printable += ch;
    }
  }
  return { cooked, printable };
}

/**
 * The span [from, to) of `line` an echo covers: where it landed, whole; else anywhere whole;
 * else where it landed with its first characters drawn over (its end still at the landing
 * index plus its length). Null when it is not there.
 */
function echoSpan(line: string, { text, at }: Echo): [number, number] | null {
  const end = at === null ? 0 : at + text.length;
  if (at !== null && line.slice(at, end) === text) return [at, end];
  const last = line.lastIndexOf(text);
  if (last >= 0) return [last, last + text.length];
  if (at === null || line.length < end) return null;
  for (let k = 1; k < text.length; k++) if (line.slice(at + k, end) === text.slice(k)) return [at + k, end];
  return null;
}

/** Wide (two-cell) characters: CJK, Hangul, fullwidth forms, emoji. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const COMBINING = /\p{M}/u;

// The cursor as a string index in its logical line (rows it wraps from joined): the snapshot
// counts columns, a line's text counts characters, and a wide character fills two columns.
function cursorIndex(snap: ScreenSnapshot): number {
  const { row, col } = snap.cursor;
  let offset = 0;
  for (let r = row; r > 0 && snap.wrapped[r] === true; r--) offset += (snap.lines[r - 1] ?? '').length;
  const text = snap.lines[row] ?? '';
  let column = 0;
  let index = 0;
  for (const ch of text) {
    if (column >= col) return offset + index;
    column += COMBINING.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
    index += ch.length;
  }
  return offset + index + Math.max(0, col - column);
}
