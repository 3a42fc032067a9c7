/**
 * When Gemini's quota resets, read from the API error gemini passes on. A quota 429
 * (`RESOURCE_EXHAUSTED`) says how long to wait, relative to when it was sent, in the message
 * or in a RetryInfo detail; gemini's result keeps the message and adds its own hint:
 *
 *   [API Error: You have exhausted your quota on this model. Please retry in 41s.
 *   Suggested retry after 41s.]
 *   "Your quota will reset after 2h3m5s."            (Code Assist's wording)
 *   "retryDelay": "41s"
 *
 * gemini gives up on such a quota at once (a terminal quota error), so `now`, when its message
 * is read, is close enough to when the reply was sent.
 *
 * The TUI instead shows its quota dialog (ProQuotaDialog in 0.61.0's bundle), with the reset as
 * a clock time in the child's time zone (`Intl.DateTimeFormat('en-US', {hour: 'numeric',
 * minute: '2-digit', timeZoneName: 'short'})`), to the minute:
 *
 *   Usage limit reached for gemini-3.8-flash.
 *   Access resets at 2:06 PM UTC.                    (or `3:07 PM GMT+1`, `9:07 AM EST`)
 *
 * A `UTC`/`GMT±h[:mm]` zone is read as that offset, any other name as this machine's local
 * time. The reset is the start of the printed minute, the next time that clock time comes (it
 * is never more than a minute in the past: gemini prints a reset still to come).
 */

const WAIT = /\b(?:retry in|retry after|reset after)\s+((?:\d+(?:\.\d+)?\s*[hms]\s*)+)/i;
const RETRY_DELAY = /"retryDelay"\s*:\s*\\?"(\d+(?:\.\d+)?s)\\?"/;
const CLOCK = /\bAccess resets at (\d{1,2}):(\d{2})\s?([AP]M)(?:\s+(UTC|GMT)(?:([+-])(\d{1,2})(?::(\d{2}))?)?)?/i;
const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** The reset time (epoch ms) named in `message`, or null when it names none. */
export function geminiUsageLimitReset(message: string, now: number): number | null {
  const clock = CLOCK.exec(message);
  if (clock !== null) return clockReset(clock, now);
  const text = WAIT.exec(message)?.[1] ?? RETRY_DELAY.exec(message)?.[1];
  if (text === undefined) return null;
  let ms = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)\s*([hms])/gi)) {
    const unit = (part[2] ?? 's').toLowerCase();
    ms += Number(part[1]) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000);
  }
  return ms > 0 ? now + Math.ceil(ms) : null;
}

// The dialog's `h:mm AM|PM [UTC|GMT±h[:mm]]`: the start of that minute, the next time it comes.
function clockReset(match: RegExpExecArray, now: number): number | null {
  const hour = (Number(match[1]) % 12) + ((match[3] ?? '').toUpperCase() === 'PM' ? 12 : 0);
  const minute = Number(match[2]);
  if (hour > 23 || minute > 59) return null;
  let at: number;
  if (match[4] !== undefined) {
    // Minutes east of UTC.
    const offset = (match[5] === '-' ? -1 : 1) * (Number(match[6] ?? '0') * 60 + Number(match[7] ?? '0'));
    const day = new Date(now + offset * MINUTE_MS);
    at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, minute) - offset * MINUTE_MS;
  } else {
    const day = new Date(now);
    day.setHours(hour, minute, 0, 0);
    at = day.getTime();
  }
  // A clock time more than a minute past is tomorrow's (a reset just after midnight).
  while (at < now - MINUTE_MS) at += DAY_MS;
  return at;
}
