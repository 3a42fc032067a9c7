import { err, ok, type Result } from '../util/result.js';
import { quote } from './describe-value.js';

/** What a duration looks like, for messages. Keep in step with `$defs.duration` in schemas/jobs.schema.json. */
export const DURATION_EXAMPLES = 'a duration such as 500ms, 30s, 5m, 2h or 1h30m';

// Units largest first, each at most once: `1h30m`, `90s`, `1s500ms`. `m(?!s)` keeps `5ms` from reading as minutes.
const DURATION = /^(?=\d)(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const MS_PER = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/**
 * The longest duration codex-run accepts anywhere (manifest fields, `--grace`, rehearsal
 * scripts): 30 days, written 720h. One bound for every duration a user gives; longer waits
 * are almost surely a typo (`1000h` for `100h`), and timers up to it are chained past Node's
 * 2^31 - 1 ms limit by the clock (see util/clock.ts), so none fires early.
 */
export const MAX_DURATION_MS = 720 * MS_PER.h;

// Spelled-out units people write by habit ("5 minutes", "2 hrs"), mapped to the short unit.
const LONG_UNITS: ReadonlyArray<readonly [RegExp, keyof typeof MS_PER]> = [
  [/^(?:ms|msecs?|millis(?:econds?)?)$/i, 'ms'],
  [/^(?:s|secs?|seconds?)$/i, 's'],
  [/^(?:m|mins?|minutes?)$/i, 'm'],
  [/^(?:h|hrs?|hours?)$/i, 'h'],
];

/** Parses `500ms`, `30s`, `5m`, `2h`, `1h30m` into milliseconds; the error says what was expected. */
export function parseDuration(text: string): Result<number, string> {
  const match = DURATION.exec(text);
  if (match === null) return err(notADuration(text));
  const [, h = '0', m = '0', s = '0', ms = '0'] = match;
  const total = Number(h) * MS_PER.h + Number(m) * MS_PER.m + Number(s) * MS_PER.s + Number(ms);
  if (!Number.isSafeInteger(total) || total > MAX_DURATION_MS) return err(tooLong(text));
  return ok(total);
}

/** The message for a duration past {@link MAX_DURATION_MS}. */
function tooLong(text: string): string {
  return `expected a duration of at most ${formatDuration(MAX_DURATION_MS)} (30 days), found ${quote(text)}`;
}

/** The message for text that is not a duration: what was expected and what was found. */
export function notADuration(text: string): string {
  return `expected ${DURATION_EXAMPLES}, found ${quote(text)}`;
}

/** The short spelling of a near-miss such as "5 minutes" (-> "5m"), or null when there is no obvious one or it is `text` itself. */
export function suggestDuration(text: string): string | null {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  if (match === null) return null;
  const [, amount, unit = ''] = match;
  const found = LONG_UNITS.find(([pattern]) => pattern.test(unit));
  const short = found === undefined ? null : `${amount}${found[1]}`;
  // "1000h" is already the short spelling (refused for its length, not its form).
  return short === text ? null : short;
}

/** Milliseconds in the manifest's spelling, largest units first: 5400000 -> `1h30m`, 1500 -> `1s500ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`Internal error: formatDuration(${ms})`);
  let rest = Math.round(ms);
  let text = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const amount = Math.floor(rest / MS_PER[unit]);
    rest -= amount * MS_PER[unit];
    if (amount > 0) text += `${amount}${unit}`;
  }
  return text === '' ? '0ms' : text;
}
