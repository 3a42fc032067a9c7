/**
 * Signs that an agent is busy: a status line with a spinner glyph and an "-ing" word
 * (`✻ Herding…`, `⠋ Thinking`, `• Working (4s • esc to interrupt)`), an interrupt hint,
 * a ticking token counter or elapsed-time group.
 */
import { INTERRUPT } from './key-hints.js';

/** A glyph (spinner frame, ornament, bullet) then an "-ing" word: `✢ Misting`, `⠘⠆ Editing`, `◉ Thinking`. */
const GLYPH_THEN_ING = /^[^\p{L}\p{N}\s]{1,4}\s*\p{L}[\p{L}'’-]*ing(?:…|\.{2,3}|\s*\(|\s*$)/u;
/** The same with more words, in motion: `✢ Simplifying recompute_tangents…`, `⏺ Reading file…`. */
const GLYPH_THEN_ING_PHRASE = /^[^\p{L}\p{N}\s]{1,4}\s*\p{L}[\p{L}'’-]*ing\s+\S.*(?:(?:…|\.{2,3})\s*(?:\(.*\))?|\([^()]*\b(?:esc|ctrl)\b[^()]*\))$/iu;
/** An "-ing" word with animated dots: `Processing...`, `Thinking…`, `Grepping..`. */
const ING_DOTS = /\b\p{L}[\p{L}'’-]*ing(?:…|\.{2,3})/u;
/** A ticking token counter: `↓ 88 tokens`, `(1m · 500 TOKENS)`, `39.76k tokens` at the end (not "using 4096 tokens, ..."). */
const TOKENS = /[↑↓]\s*\d[\d.,]*\s?[kKmM]?\s?tokens?\b|\([^()]*\d[\d.,]*\s?[kKmM]?\s?tokens?\b[^()]*\)|\d[\d.,]*\s?[kKmM]?\s?tokens?\s*$/i;
/** An elapsed-time group: `(4s • esc to interrupt)`, `(12s · ↓ 1.2k tokens)`, `(1h 00m 00s •`. */
const ELAPSED_GROUP = /\(\s*(?:\d+(?:\.\d+)?\s?[hms]\s?)+(?:[·•,)]|$)/;
/** Spinner frames (braille dots, turning circles) at either end of a line: `⠋ generating`, `◐ Loading model`, `working ⠹`. */
const BRAILLE_END = /^[\u2801-\u28ff◐◓◑◒◴◷◶◵]{1,2}\s+\p{L}|\p{L}\s+[\u2801-\u28ff◐◓◑◒◴◷◶◵]{1,2}$/u;

/**
 * A setting shown with the slash command that changes it, at the end of a line: `◐ medium · /effort`.
 * A turning-circle glyph before such words is the setting's icon (a still mode indicator in a
 * footer), not a spinner: a busy line names what it does, never a command to type.
 */
const SLASH_COMMAND_HINT = /(?:^|\s)[·•|]\s*\/[a-z][\w-]*\s*$/i;

/** Whether a line (without borders) shows the agent busy. */
export function isWorkingLine(body: string, extra: readonly RegExp[] = []): boolean {
  if (body === '') return false;
  return (
    GLYPH_THEN_ING.test(body) ||
    GLYPH_THEN_ING_PHRASE.test(body) ||
    ING_DOTS.test(body) ||
    INTERRUPT.test(body) ||
    TOKENS.test(body) ||
    ELAPSED_GROUP.test(body) ||
    (BRAILLE_END.test(body) && !SLASH_COMMAND_HINT.test(body)) ||
    extra.some((re) => re.test(body))
  );
}
