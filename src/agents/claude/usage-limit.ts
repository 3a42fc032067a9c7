/**
 * When Claude's usage limit resets, read from the failure message. Claude Code 2.1.332 shows a
 * rejected request as `API Error: Request rejected (429) · <the API's message>`; the API's
 * message names the reset in one of these forms (the rehearsal face sends the first):
 *
 *   … usage limit reached · resets at 2026-11-30T15:05:00.000Z     (ISO 8601, UTC)
 *   … usage limit reached|1798729500                                (epoch seconds)
 *   … You've hit your limit · resets 3pm  /  resets at 3:05 PM      (the child's local time, today)
 *
 * A clock time without a date is today's; the reset is at the start of the printed minute.
 */

const ISO = /\bresets(?: at)? (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/i;
const EPOCH = /\blimit reached\|(\d{9,11})\b/i;
const CLOCK = /\bresets(?: at)? (\d{1,2})(?::(\d{2}))?\s?([ap]m)\b/i;

/** The reset time (epoch ms) in `message`, or null when it names none. */
export function claudeUsageLimitReset(message: string, now: number): number | null {
  const iso = ISO.exec(message);
  if (iso !== null) {
    const at = Date.parse(iso[1] ?? '');
    return Number.isFinite(at) ? at : null;
  }
  const epoch = EPOCH.exec(message);
  if (epoch !== null) return Number(epoch[1]) * 1000;
  const clock = CLOCK.exec(message);
  if (clock === null) return null;
  const date = new Date(now);
  const hour = (Number(clock[1]) % 12) + ((clock[3] ?? '').toLowerCase() === 'pm' ? 12 : 0);
  date.setHours(hour, Number(clock[2] ?? '0'), 0, 0);
  return date.getTime();
}
