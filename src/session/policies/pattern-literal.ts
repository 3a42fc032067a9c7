/**
 * The literal text every match of a screen pattern contains, read off its RE2 source, so that a
 * screen without it is passed over without a scan (issue 16: screen costs, answer latency).
 *
 * re2js skips ahead by a literal only when the pattern starts with one, case-sensitively. Any
 * other pattern is run over the whole screen text: a case-insensitive rule (`continue\?` with
 * `ignoreCase`, or `(?i)allow (this|the) command`) took 0.2-0.3 ms for a 3.5 KB screen, warm,
 * on every snapshot of every job that has it.
 *
 * Sound by construction rather than complete: the source is read at its top level only, and
 * anything this reader does not follow gives no literal at all (the pattern is then scanned as
 * before): an alternation at the top level, inline flags after the start, POSIX classes,
 * `\Q...\E`, a brace that is not a repetition. A run of literal characters outside groups and
 * classes is required in every match, but for a character a quantifier makes optional or
 * repeats, which ends the run before it. Case-insensitive literals are only used when they are
 * ASCII, and are tested with a JavaScript RegExp (`iu`: Unicode simple case folding, the
 * folding RE2 uses, so `k` still finds the Kelvin sign).
 */

/** A literal every match contains. */
export interface RequiredLiteral {
  text: string;
  ignoreCase: boolean;
}

const QUANTIFIER = new Set(['*', '+', '?', '{']);
const REPETITION = /^\{\d+(,\d*)?\}\??/;
const LEADING_FLAGS = /^\(\?([imsU]+)\)/;
// Characters a JavaScript RegExp with the `u` flag lets (and needs) escaped.
const JS_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/** The longest literal every match of `source` (RE2 syntax) contains, or null when none can be read. */
export function requiredLiteral(source: string, ignoreCase: boolean): RequiredLiteral | null {
  let at = 0;
  let foldCase = ignoreCase;
  const flags = LEADING_FLAGS.exec(source);
  if (flags !== null) {
    if (flags[1]!.includes('i')) foldCase = true;
    at = flags[0].length;
  }
  const runs: string[] = [];
  let run = '';
  const endRun = (): void => {
    if (run !== '') runs.push(run);
    run = '';
  };
  // After a group, a class or `.`: its own quantifier, if any (it does not touch the runs).
  const skipQuantifier = (): boolean => {
    const c = source[at];
    if (c === '{') {
      const rep = REPETITION.exec(source.slice(at));
      if (rep === null) return false;
      at += rep[0].length;
    } else if (c === '*' || c === '+' || c === '?') {
      at++;
      if (source[at] === '?') at++;
    }
    return true;
  };
  while (at < source.length) {
    const c = source[at]!;
    if (c === '|') return null;
    if (c === '(') {
      endRun();
      if (/^\(\?[imsU-]*\)/.test(source.slice(at))) return null;
      const end = groupEnd(source, at);
      if (end === null) return null;
      at = end;
      if (!skipQuantifier()) return null;
      continue;
    }
    if (c === '[') {
      endRun();
      const end = classEnd(source, at);
      if (end === null) return null;
      at = end;
      if (!skipQuantifier()) return null;
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      endRun();
      at++;
      if (!skipQuantifier()) return null;
      continue;
    }
    if (QUANTIFIER.has(c) || c === ')') return null;
    let literal: string;
    let width: number;
    if (c === '\\') {
      const next = source[at + 1];
      if (next === undefined || next > '\x7e') return null;
      // \d, \w, \b, \n: a class, an assertion or a character by name: the run ends.
      if (/[\p{L}\p{N}]/u.test(next)) {
        endRun();
        // Escapes longer than two characters (\x41, \123, \pL, \p{Greek}) and \Q...\E are not followed.
        if (/[xpPQ0-9]/.test(next)) return null;
        at += 2;
        if (!skipQuantifier()) return null;
        continue;
      }
      literal = next;
      width = 2;
    } else {
      literal = String.fromCodePoint(source.codePointAt(at)!);
      width = literal.length;
    }
    at += width;
    if (QUANTIFIER.has(source[at] ?? '')) {
      // This character is optional or repeated: the run ends before it.
      endRun();
      if (!skipQuantifier()) return null;
      continue;
    }
    run += literal;
  }
  endRun();
  let best: string | null = null;
  for (const r of runs) if (best === null || r.length > best.length) best = r;
  if (best === null) return null;
  // Folding beyond ASCII is left to RE2 itself.
  if (foldCase && !/^[\x20-\x7e]+$/.test(best)) return null;
  return { text: best, ignoreCase: foldCase };
}

/** A test for the literal's presence in a text (case folded as RE2 folds, when the pattern is case-insensitive). */
export function literalTest(literal: RequiredLiteral): (text: string) => boolean {
  if (!literal.ignoreCase) return (text) => text.includes(literal.text);
  const re = new RegExp(literal.text.replace(JS_SYNTAX, '\\$&'), 'iu');
  return (text) => re.test(text);
}

// The index just past the `)` closing the group that opens at `from`, or null.
function groupEnd(source: string, from: number): number | null {
  let depth = 0;
  let at = from;
  while (at < source.length) {
    const c = source[at]!;
    if (c === '\\') {
      if (source[at + 1] === 'Q') return null;
      at += 2;
      continue;
    }
    if (c === '[') {
      const end = classEnd(source, at);
      if (end === null) return null;
      at = end;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth === 0) return at + 1;
    }
    at++;
  }
  return null;
}

// The index just past the `]` closing the class that opens at `from`, or null (POSIX classes are not followed).
function classEnd(source: string, from: number): number | null {
  let at = from + 1;
  if (source[at] === '^') at++;
  // A `]` first in the class is a member.
  if (source[at] === ']') at++;
  while (at < source.length) {
    const c = source[at]!;
    if (c === '\\') {
      at += 2;
      continue;
    }
    if (c === '[' && source[at + 1] === ':') return null;
    if (c === ']') return at + 1;
    at++;
  }
  return null;
}
