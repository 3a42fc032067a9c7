/**
 * The prompt instance an answer rule answered, and how to tell it from the next one.
 *
 * A rule must never answer one dialog twice: a second "1" lands on whatever dialog comes next
 * and approves it unread. What a person sees as "the same dialog" is not one screen line: a
 * TUI (ink: Gemini CLI, Claude Code) erases and redraws its region on every frame, so after a
 * keypress the answered dialog may come back one to three rows higher or lower (a status line
 * above it appeared or went), a snapshot may catch a half-drawn frame with the dialog erased,
 * and a timer or spinner in it changes. So the instance is the prompt's normalised text (see
 * progress.ts), the line it was last seen on (an anchor that follows scrolling) and every line
 * seen on screen while it was held. Evidence that it is over, and a match is a new prompt:
 *
 *   - the matched text changed beyond noise: another prompt;
 *   - the answered line is still on screen (or in the kept scrollback) showing the prompt and
 *     the match is on another line: a second prompt under the first (a line-based agent);
 *   - while the prompt was off the screen, the agent drew something new: a line with a word
 *     that was not on screen at any time the prompt was held (a half-drawn frame only shows
 *     old lines or blanks, the agent's work shows new ones), judged progress by the
 *     supervisor (so the echo of what codex-run typed does not count);
 *   - the prompt stayed off the screen for {@link SETTLE_MS}: no redraw takes that long.
 *
 * Anything else is the same prompt redrawn: the rule keeps holding it, at its new row.
 */

import type { LineAnchor, ScreenSnapshot } from '../screen.js';
import type { ScreenPattern } from './pattern.js';
import { normaliseLine } from './progress.js';

/**
 * How long a held prompt must stay off the screen, with nothing new drawn, before the same
 * prompt coming back counts as a new one. A redraw (even a half-drawn frame on a loaded
 * machine) is back within a frame or a few; an agent asking the same question again after
 * clearing the screen and showing nothing else is answered after this pause.
 */
export const SETTLE_MS = 1500;

/** Lines remembered per held instance as "seen while it was held". */
const REMEMBERED_LINES = 1000;

const HAS_WORD = /[\p{L}\p{N}]/u;

/** Where a rule matched on one snapshot. */
export interface RuleMatch {
  text: string;
  row: number;
  endRow: number;
}

/** An answered prompt on screen, followed until it is over. */
export class PromptInstance {
  private anchor: LineAnchor | null;
  private row: number;
  private span: number;
  /** The matched text, normalised. */
  readonly text: string;
  /** Normalised lines shown while the prompt was held, least recent first. */
  private readonly seen = new Set<string>();

  constructor(match: RuleMatch, snap: ScreenSnapshot, lines: readonly string[]) {
    this.anchor = snap.anchor(match.row);
    this.row = match.row;
    this.span = match.endRow - match.row;
    this.text = normaliseLine(match.text);
    this.remember(lines);
  }

  /** The row of the answered line now (negative once scrolled above), or null once the buffer switched. */
  currentRow(): number | null {
    return this.anchor === null ? this.row : this.anchor.row;
  }

  /** Whether `match` is the held prompt where it was: the same line, the same text but for noise. */
  isAt(match: RuleMatch): boolean {
    return match.row === this.currentRow() && this.sameText(match);
  }

  /** Whether `match` shows the held prompt's text, but for noise. */
  sameText(match: RuleMatch): boolean {
    return normaliseLine(match.text) === this.text;
  }

  /**
   * Whether the answered line still shows the prompt (in the viewport, or in the scrollback
   * the snapshot keeps): then a match elsewhere is a second prompt, not this one moved. Null
   * when that cannot be seen: the line scrolled beyond what the snapshot keeps, or the
   * terminal switched buffers.
   */
  stillShown(pattern: ScreenPattern, snap: ScreenSnapshot): boolean | null {
    const row = this.currentRow();
    if (row === null) return null;
    const rows = [...snap.history, ...snap.lines];
    const wrapped = [...snap.historyWrapped, ...snap.wrapped];
    const first = snap.history.length + row;
    if (first < 0) return null;
    if (first >= rows.length) return false;
    let text = rows[first] ?? '';
    for (let i = first + 1; i < rows.length && (i <= first + this.span || wrapped[i] === true); i++) text += (wrapped[i] === true ? '' : '\n') + (rows[i] ?? '');
    const found = pattern.lastMatch(text);
    return found !== null && normaliseLine(found.text) === this.text;
  }

  /**
   * Whether the snapshot (`lines`: its logical lines, normalised) holds a line with a word never
   * seen while the prompt was held. The line at the cursor does not count: in a frame caught
   * half-drawn it is cut short (`│ ? Shell  echo ma`), a line never seen whole.
   */
  showsNew(snap: ScreenSnapshot, lines: readonly string[]): boolean {
    const logical = snap.logicalLines();
    let atCursor = -1;
    for (const [i, line] of logical.entries()) if (line.row <= snap.cursor.row) atCursor = i;
    return lines.some((line, i) => i !== atCursor && HAS_WORD.test(line) && !this.seen.has(line));
  }

  /** Remembers a snapshot's normalised lines as seen while the prompt was held. */
  remember(lines: readonly string[]): void {
    for (const line of lines) {
      if (line === '') continue;
      this.seen.delete(line);
      this.seen.add(line);
    }
    for (const oldest of this.seen) {
      if (this.seen.size <= REMEMBERED_LINES) break;
      this.seen.delete(oldest);
    }
  }

  /** Follows the prompt to the row it was redrawn on. */
  moveTo(match: RuleMatch, snap: ScreenSnapshot): void {
    this.anchor?.dispose();
    this.anchor = snap.anchor(match.row);
    this.row = match.row;
    this.span = match.endRow - match.row;
  }

  dispose(): void {
    this.anchor?.dispose();
    this.anchor = null;
  }
}

/** A snapshot's logical lines, normalised (spinners, timers and counters out). */
export function normalisedLines(snap: ScreenSnapshot): string[] {
  return snap.logicalLines().map((l) => normaliseLine(l.text));
}
