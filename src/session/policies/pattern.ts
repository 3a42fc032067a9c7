/**
 * Screen patterns: what answer rules match against the screen text. The only module that
 * imports re2js.
 *
 * Patterns from a manifest are compiled by re2js, a pure JavaScript port of RE2, which matches
 * in time linear in the text whatever the pattern: a rule such as `(a+)+$` against a screen of
 * `aaaa…!` takes microseconds, where JavaScript's backtracking RegExp would freeze the runner
 * (no timeout, no Ctrl-C, no log) for longer than the job could ever run. The price is RE2
 * syntax: no lookaround and no backreferences, which {@link compilePattern} reports with a hint.
 * re2js skips ahead only by a case-sensitive literal prefix; any other pattern is run over the
 * whole screen, so a pattern first checks the screen for the literal every match of it contains,
 * when its source shows one (pattern-literal.ts), and passes a screen without it over.
 *
 * The agent adapters' built-in rules stay JavaScript RegExp literals ({@link builtinPattern}):
 * they are ours, reviewed and tested against captured screens, their shapes are linear (a
 * literal, a lazy `[\s\S]*?`, an anchored literal), and keeping them as literals keeps the
 * syntax they were checked with.
 */
import { createRequire } from 'node:module';
import type { RE2JS, RE2JSException } from 're2js';
import { err, ok, type Result } from '../../util/result.js';
import { literalTest, requiredLiteral } from './pattern-literal.js';

/** One match of a pattern in a text (UTF-16 offsets, as JavaScript strings count). */
export interface PatternMatch {
  index: number;
  text: string;
}

/** A compiled screen pattern. `^` and `$` match at line ends. */
export interface ScreenPattern {
  /** The pattern as written (for the plan and messages). */
  readonly source: string;
  /** Flags in JavaScript RegExp spelling (`m`, `im`), so tools can rebuild an equivalent RegExp for display. */
  readonly flags: string;
  /** The last of the successive non-overlapping matches in `text` (what a global RegExp's last exec gives), or null. */
  lastMatch(text: string): PatternMatch | null;
}

/** Why a pattern cannot be used; `at` is the offset of the offending part in the source, when known. */
export interface PatternError {
  message: string;
  hint: string | null;
  at: { start: number; end: number } | null;
}

/**
 * After this many matches on one text, the last one is found by bisecting on where a match can
 * still start instead of walking every match: each search is linear, but a pattern matching
 * nearly everywhere (`[ab]*c|a` on `aaaa…`) would otherwise make the walk quadratic.
 */
const WALK_LIMIT = 64;

type Re2Module = typeof import('re2js');
let re2Module: Re2Module | null = null;

// Loaded on the first user pattern: a manifest without rules (and `validate` of one) never pays
// for it. Through require (its CommonJS build): no ES module graph to link at start-up.
function re2(): Re2Module {
  re2Module ??= createRequire(import.meta.url)('re2js') as Re2Module;
  return re2Module;
}

/** Compiles a user pattern (RE2 syntax) for matching screens; `^`/`$` match at line ends. */
export function compilePattern(source: string, options: { ignoreCase: boolean }): Result<ScreenPattern, PatternError> {
  let compiled: RE2JS;
  try {
    const { RE2JS: Re2 } = re2();
    compiled = Re2.compile(source, Re2.MULTILINE | (options.ignoreCase ? Re2.CASE_INSENSITIVE : 0));
  } catch (error: unknown) {
    if (!(error instanceof re2().RE2JSException)) throw error;
    return err(describeSyntaxError(source, error));
  }
  const literal = requiredLiteral(source, options.ignoreCase);
  return ok(new Re2Pattern(source, compiled, literal === null ? null : literalTest(literal)));
}

/** A compiled user pattern that pulls one value out of a text (e.g. a session id). */
export interface CapturePattern {
  readonly source: string;
  /** The first capture group of the first match in `text`, or null (also when the group took no part). */
  firstCapture(text: string): string | null;
}

/**
 * Compiles a user pattern (RE2 syntax, linear time whatever it is) with exactly one capture
 * group; `^`/`$` match at line ends. The problem names the count when it has none or several.
 */
export function compileCapture(source: string): Result<CapturePattern, PatternError> {
  let compiled: RE2JS;
  try {
    const { RE2JS: Re2 } = re2();
    compiled = Re2.compile(source, Re2.MULTILINE);
  } catch (error: unknown) {
    if (!(error instanceof re2().RE2JSException)) throw error;
    return err(describeSyntaxError(source, error));
  }
  const groups = compiled.groupCount();
  if (groups !== 1) {
    return err({
      message: `expected a pattern with exactly one capture group (the value to take), found ${groups} in ${JSON.stringify(source)}`,
      hint: groups === 0 ? 'put the value in parentheses, e.g. "session: ([0-9a-f-]+)"' : 'make the other groups non-capturing: (?:...)',
      at: null,
    });
  }
  return ok({
    source,
    firstCapture(text: string): string | null {
      const m = compiled.matcher(text);
      return m.find() ? m.group(1) : null;
    },
  });
}

/** A built-in (adapter) pattern written as a JavaScript RegExp literal; see the module comment. */
export function builtinPattern(re: RegExp): ScreenPattern {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  return {
    source: re.source,
    flags: re.flags.replace('g', ''),
    lastMatch(text: string): PatternMatch | null {
      let last: RegExpExecArray | null = null;
      global.lastIndex = 0;
      for (let m = global.exec(text); m !== null; m = global.exec(text)) {
        last = m;
        if (m[0] === '') global.lastIndex++;
      }
      return last === null ? null : { index: last.index, text: last[0] };
    },
  };
}

class Re2Pattern implements ScreenPattern {
  readonly flags: string;

  constructor(
    readonly source: string,
    private readonly compiled: RE2JS,
    /** Whether a text holds the literal every match contains (pattern-literal.ts); null when none is known. */
    private readonly mayMatch: ((text: string) => boolean) | null,
  ) {
    this.flags = (compiled.flags() & re2().RE2JS.CASE_INSENSITIVE) !== 0 ? 'im' : 'm';
  }

  lastMatch(text: string): PatternMatch | null {
    if (this.mayMatch !== null && !this.mayMatch(text)) return null;
    const m = this.compiled.matcher(text);
    let last: PatternMatch | null = null;
    let from = 0;
    for (let walked = 0; walked < WALK_LIMIT; walked++) {
      if (from > text.length || !m.find(from)) return last;
      const start = m.start();
      const end = m.end();
      last = { index: start, text: text.slice(start, end) };
      // An empty match moves on by one, as a global RegExp does.
      from = end === start ? end + 1 : end;
    }
    // Many matches: the latest position at or after `from` where a match still starts, by bisection
    // ("a match starts at or after p" only turns false as p grows), then that match.
    if (from > text.length || !m.find(from)) return last;
    let low = m.start();
    let high = text.length + 1;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (m.find(mid)) low = m.start();
      else high = mid;
    }
    m.find(low);
    return { index: m.start(), text: text.slice(m.start(), m.end()) };
  }
}

// RE2 refuses what cannot run in linear time; say what to write instead.
function describeSyntaxError(source: string, error: RE2JSException): PatternError {
  const invalid = (detail: string): string => `invalid regular expression ${JSON.stringify(source)}: ${detail}`;
  const locate = (needle: string): { start: number; end: number } | null => {
    const start = source.indexOf(needle);
    return start < 0 ? null : { start, end: start + needle.length };
  };
  const unsupported: Array<[RegExp, string, string]> = [
    [/\(\?<[=!]/, 'lookbehind', 'answers patterns use RE2 syntax, which has no lookbehind: match the text before as part of the pattern instead'],
    [/\(\?[=!]/, 'lookahead', 'answers patterns use RE2 syntax, which has no lookahead: match the text after as part of the pattern, or use $ for a line end'],
    [/\\[1-9]|\\k</, 'a backreference', 'answers patterns use RE2 syntax, which has no backreferences: write the repeated text out'],
    [/\\u\{?[0-9a-fA-F]{1,6}\}?/, 'the escape', 'RE2 syntax writes a code point as \\x{263A} (or write the character itself)'],
  ];
  for (const [shape, what, hint] of unsupported) {
    const found = shape.exec(source)?.[0];
    if (found !== undefined) return { message: invalid(`${what} ${JSON.stringify(found)} is not supported`), at: locate(found), hint };
  }
  const detail = error.message.replace(/^error parsing regexp: /, '');
  const quoted = /`([^`]*)`$/.exec(detail)?.[1];
  return {
    message: invalid(detail),
    at: quoted === undefined || quoted === '' ? null : locate(quoted),
    hint: 'answers patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax',
  };
}
