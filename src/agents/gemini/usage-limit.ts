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
 */

const WAIT = /\b(?:retry in|retry after|reset after)\s+((?:\d+(?:\.\d+)?\s*[hms]\s*)+)/i;
const RETRY_DELAY = /"retryDelay"\s*:\s*\\?"(\d+(?:\.\d+)?s)\\?"/;

/** The reset time (epoch ms) named in `message`, or null when it names none. */
export function geminiUsageLimitReset(message: string, now: number): number | null {
  const text = WAIT.exec(message)?.[1] ?? RETRY_DELAY.exec(message)?.[1];
  if (text === undefined) return null;
  let ms = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)\s*([hms])/gi)) {
    const unit = (part[2] ?? 's').toLowerCase();
    ms += Number(part[1]) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000);
  }
  return ms > 0 ? now + Math.ceil(ms) : null;
}
