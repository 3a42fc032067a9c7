/**
 * Progress versus noise. Agents keep their screens busy while doing nothing: a spinner
 * glyph turns, an elapsed-time counter ticks ("Working (12s • esc to interrupt)"), the
 * title bar changes. Progress is a change of the screen after normalising those away.
 */

import type { ScreenSnapshot } from '../screen.js';

/** Spinner glyphs: braille dots, quarter circles, stars, bullets, quadrant blocks. */
const SPINNER_GLYPHS = /[\u2800-\u28ff◐◓◑◒◴◷◶◵◰◳◲◱◢◣◤◥•◦·∙●○◉◎✢✳✶✻✽✺✹✸✷✦✧▖▘▝▗▌▐▀▄]/g;
/** ASCII spinners `| / - \` standing alone between spaces. */
const ASCII_SPINNER = /(^|\s)[|/\\-](?=\s|$)/g;
/** Animated dots at the end of a word: "Thinking." / "Thinking..." / "Thinking…". */
const TRAILING_DOTS = /(?:\.{1,3}|…)(?=\s|$|\))/g;
/** Durations, alone or composite: 12s, 0.4s, 1m 05s, 2h, 350ms, 3 minutes. */
const DURATION = /(?<![A-Za-z0-9.])(?:\d+(?:\.\d+)?\s?(?:ms|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![A-Za-z])\s?)+/g;
/** Clock times 21:10, 00:01:33 (not file:line:col positions). */
const CLOCK = /(?<![\w:.])\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?![\d:])/g;
const SPACES = /\s+/g;
/**
 * Any symbol glyph (or `*`, `·`) that starts a status line right before a word that is an
 * "-ing" verb or ends in an ellipsis: `✱ Kneading…`, `❀ Working…`, `* Cultivating`. Agents
 * animate that glyph through whole ornament sets, so the glyph is dropped whatever it is,
 * while a bullet before ordinary text (`✔ Write tests`, `◻ Add docs`) is kept: a task
 * list changing its marks is real progress.
 */
const STATUS_GLYPH = /^(\s*)[\p{S}\p{Po}]{1,3}\s+(?=\p{L}[\p{L}'’-]*(?:ing\b|…|\.\.\.))/u;
/** Token counters with their arrows: `↓ 5 tokens`, `↑ 1.2k tokens`, `39.76k tokens`. */
const TOKENS = /(?:[↑↓]\s*)?\d[\d.,]*\s?[kKmM]?\s?tokens?\b/gi;
/** A parenthesised group: `(3s · esc to interrupt)`, `(Esc to cancel · 120 B)`. */
const PAREN_GROUP = /\(([^()]*)\)/g;
/** Separators inside such a group. */
const GROUP_SEPARATOR = /\s*[·•|,]\s*/;
/** A group piece that is only a byte counter: `120 B`, `4.8 kB` (a bare count like `(12)` stays). */
const COUNTER_PIECE = /^[↑↓]?\s*\d[\d.,]*\s?[kKMG]?i?B$/;

/**
 * Reduces a parenthesised status group to its words: timers, token and byte counters go,
 * with the separators they leave behind, so `(3s · ↓ 5 tokens · esc to interrupt)` and
 * `(esc to interrupt)` (a timer or counter that appears or disappears) read the same, and a
 * group of counters only (`(1m · 500 tokens)`) goes entirely.
 */
function normaliseGroup(_whole: string, inner: string): string {
  const pieces = inner
    .split(GROUP_SEPARATOR)
    .map((piece) => piece.replace(TOKENS, ' ').replace(DURATION, ' ').replace(SPACES, ' ').trim())
    .filter((piece) => piece !== '' && !COUNTER_PIECE.test(piece));
  return pieces.length === 0 ? '' : `(${pieces.join(' · ')})`;
}

/**
 * Lines normalised lately. Every snapshot normalises every line on screen, and from one
 * snapshot to the next almost all of them are the same lines (a job printing a line every few
 * seconds scrolls 23 known lines and adds one): ten expression passes per line were the
 * largest part of a quiet job's cost (issue 16, 50 idle jobs). The function is pure, so a
 * result is reused as is; the memo is emptied when it grows past {@link MEMO_ENTRIES}, and
 * lines longer than {@link MEMO_MAX_CHARS} (a flood's unique rows) are not kept.
 */
const memo = new Map<string, string>();
const MEMO_ENTRIES = 4096;
const MEMO_MAX_CHARS = 512;

/** One line with spinners, timers, token counters and clock times removed and spaces collapsed. */
export function normaliseLine(line: string): string {
  if (line.length > MEMO_MAX_CHARS) return normaliseUncached(line);
  let normal = memo.get(line);
  if (normal === undefined) {
    normal = normaliseUncached(line);
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(line, normal);
  }
  return normal;
}

function normaliseUncached(line: string): string {
  return line
    .replace(STATUS_GLYPH, '$1')
    .replace(PAREN_GROUP, normaliseGroup)
    .replace(TOKENS, 'tokens')
    .replace(DURATION, ' ')
    .replace(CLOCK, ' ')
    .replace(SPINNER_GLYPHS, ' ')
    .replace(ASCII_SPINNER, '$1')
    .replace(TRAILING_DOTS, '')
    .replace(SPACES, ' ')
    .trim();
}

/**
 * Whether `part` can be `whole` caught half-drawn: `whole` cut short, spinner glyphs and numbers
 * aside (the frame being drawn shows the next glyph and the next count: `⠙ Working (1` for
 * `⠋ Working (0s • esc to interrupt)`).
 */
export function isDrawnPrefix(part: string, whole: string): boolean {
  const p = maskChanging(part.trimEnd());
  const w = maskChanging(whole);
  return p.length > 0 && p.length < w.length && w.startsWith(p);
}

function maskChanging(line: string): string {
  return line.replace(SPINNER_GLYPHS, '*').replace(DIGITS, '#');
}

const DIGITS = /\d+/g;

/** The normalised viewport: equal strings mean "nothing happened". */
export function normaliseScreen(snap: ScreenSnapshot): string {
  const lines = snap.logicalLines().map((l) => normaliseLine(l.text));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** Says, snapshot by snapshot, whether the screen made progress. */
export class ProgressDetector {
  private lastHash: number | null = null;
  private lastText = '';

  /** True when the normalised screen differs from the previous snapshot's (the first non-blank screen counts). */
  observe(snap: ScreenSnapshot): boolean {
    if (snap.hash === this.lastHash) return false;
    this.lastHash = snap.hash;
    const text = normaliseScreen(snap);
    if (text === this.lastText) return false;
    this.lastText = text;
    return true;
  }
}
