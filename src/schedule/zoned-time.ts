/** Wall-clock views of an instant in an IANA time zone, via Intl (no date library needed). */

/** The local calendar fields of an instant in a zone, and the zone's UTC offset then. */
export interface WallClock {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Local time minus UTC, in minutes (Europe/Berlin in summer: 120). */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

// Intl.DateTimeFormat construction is slow and the daemon asks about a handful of zones, so
// one formatter per zone is kept for the life of the process.
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows `timeZone` (an IANA name such as Europe/Berlin, or UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant` (ms since the epoch). */
export function wallClock(instant: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const get = (name: string): number => fields[name] ?? 0;
  const localAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const wholeSeconds = Math.floor(instant / 1000) * 1000;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    offsetMinutes: Math.round((localAsUtc - wholeSeconds) / 60_000),
  };
}

/** `2026-03-29 03:30 +02:00`: the local time a user wrote their cron line in, with its offset. */
export function formatZoned(instant: number, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const two = (n: number): string => String(n).padStart(2, '0');
  const sign = w.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(w.offsetMinutes);
  const seconds = w.second === 0 ? '' : `:${two(w.second)}`;
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}${seconds} ${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
