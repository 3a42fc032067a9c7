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
 *     the typed text (its echo) with nothing around it but decoration or an old line. Rows the
 *     echo only removed (scrolled off, erased) are explained too. Cursor-only moves never
 *     change the normalised text;
 *   - `agent`: anything else. New words from the agent always count, echo window or not: a
 *     reply to a poke (`reply 1: got "status"`) is progress at once.
 *
 *   quiet ──input written──▶ echoing(before, until) ──now > until──▶ quiet
 *                              ▲   │ more input: until = last write + window
 *                              └───┘
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

import type { ScreenSnapshot } from '../screen.js';
import { unreachable } from '../../util/unreachable.js';
import { normaliseLine, normaliseScreen } from './progress.js';

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
    };

/** Says, snapshot by snapshot, whether the agent (not codex-run's own input) changed the screen. */
export class ScreenJudge {
  private lastHash: number | null = null;
  private screen = '';
  private lines: ReadonlySet<string> = new Set();
  private state: EchoState = { kind: 'quiet' };
  private readonly latencies: number[] = [];
  /** Lines shown on screen lately, least recent first (a bounded LRU). */
  private readonly shown = new Set<string>();
  /** Recent typed texts in their echo spellings, normalised, newest last. */
  private readonly typed: string[] = [];

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
    const state = this.state;
    const until = now + this.echoWindowMs;
    const fresh: EchoState = { kind: 'echoing', before: this.lines, until, unmatchedWriteAt: now };
    switch (state.kind) {
      case 'quiet':
        this.state = fresh;
        return;
      case 'echoing':
        // More keystrokes extend the window; after it closed, the screen now is the one before them.
        this.state = now <= state.until ? { ...state, until, unmatchedWriteAt: state.unmatchedWriteAt ?? now } : fresh;
        return;
      default:
        unreachable(state);
    }
  }

  /** Judges a snapshot taken at `now` and makes it the agent's screen if it changed. */
  judge(snap: ScreenSnapshot, now: number): ScreenVerdict {
    if (snap.hash === this.lastHash) return 'unchanged';
    this.lastHash = snap.hash;
    const text = normaliseScreen(snap);
    if (text === this.screen) return 'unchanged';
    const lines = text.split('\n');
    this.sampleLatency(now);
    const verdict = this.explainedByInput(lines, now) ? 'self' : 'agent';
    this.screen = text;
    this.lines = new Set(lines);
    for (const line of this.lines) {
      this.shown.delete(line);
      this.shown.add(line);
    }
    for (const oldest of this.shown) {
      if (this.shown.size <= REMEMBERED_LINES) break;
      this.shown.delete(oldest);
    }
    return verdict;
  }

  /**
   * Whether a normalised line is only the echo of something codex-run typed (with at most
   * decoration around it), such as `status` or `› status`: not the agent's output.
   */
  isEchoLine(line: string): boolean {
    const rest = this.withoutTyped(line);
    return rest !== null && !HAS_WORD.test(rest.text);
  }

  private explainedByInput(lines: readonly string[], now: number): boolean {
    const state = this.state;
    switch (state.kind) {
      case 'quiet':
        return false;
      case 'echoing':
        break;
      default:
        return unreachable(state);
    }
    if (now > state.until) {
      this.state = { kind: 'quiet' };
      return false;
    }
    const known = (line: string): boolean => state.before.has(line) || this.lines.has(line) || this.shown.has(line);
    for (const line of lines) {
      if (line === '' || known(line)) continue;
      if (!this.echoOfKnown(line, known)) return false;
    }
    return true;
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
    for (const text of [cooked, printable]) {
      const normal = normaliseLine(text);
      if (normal !== '') out.add(normal);
    }
  }
  return [...out];
}
