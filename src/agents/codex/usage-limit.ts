/**
 * When Codex's usage limit resets, read from its own message. codex-cli 0.169 turns a 429
 * `{"error":{"type":"usage_limit_reached","resets_at":<epoch s>,...}}` into (codex-rs
 * protocol/src/error.rs, `retry_suffix`/`format_retry_timestamp`), in the child's local time:
 *
 *   You've hit your usage limit. Try again at 3:05 PM.
 *   You've hit your usage limit. Visit … to purchase more credits or try again at 3:05 PM.
 *   … try again at Dec 29th, 2025 10:15 PM.            (when the reset is on another day)
 *
 * The printed time has minute resolution, so the reset is somewhere in that minute.
 */

const TODAY = /\btry again at (\d{1,2}):(\d{2}) ([AP]M)\b/i;
const DATED = /\btry again at ([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th), (\d{4}) (\d{1,2}):(\d{2}) ([AP]M)\b/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The reset time (epoch ms, the start of the printed minute) in `message`, or null when it names none. */
export function usageLimitReset(message: string, now: number): number | null {
  const dated = DATED.exec(message);
  if (dated !== null) {
    const month = MONTHS.indexOf((dated[1] ?? '').toLowerCase());
    if (month < 0) return null;
    return new Date(Number(dated[3]), month, Number(dated[2]), hours24(dated[4], dated[6]), Number(dated[5])).getTime();
  }
  const today = TODAY.exec(message);
  if (today === null) return null;
  const date = new Date(now);
  date.setHours(hours24(today[1], today[3]), Number(today[2]), 0, 0);
  return date.getTime();
}

function hours24(hour: string | undefined, half: string | undefined): number {
  const h = Number(hour) % 12;
  return (half ?? '').toUpperCase() === 'PM' ? h + 12 : h;
}
