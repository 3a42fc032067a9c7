/**
 * When Gemini's quota resets, read from the API error gemini passes on. A quota 429
 * (`RESOURCE_EXHAUSTED`) says how long to wait in two places, both kept in gemini's
 * `[API Error: {…}]` text:
 *
 *   "message": "You exceeded your current quota … Please retry in 41.2s."
 *   "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "41s"}]
 *
 * Both are relative to when the reply was sent; the message is read moments later (when
 * gemini gives up), so `now` stands for that moment.
 */

const RETRY_IN = /\bretry in (\d+(?:\.\d+)?)\s*s\b/i;
const RETRY_DELAY = /"retryDelay"\s*:\s*\\?"(\d+(?:\.\d+)?)s\\?"/;

/** The reset time (epoch ms) named in `message`, or null when it names none. */
export function geminiUsageLimitReset(message: string, now: number): number | null {
  const match = RETRY_IN.exec(message) ?? RETRY_DELAY.exec(message);
  if (match?.[1] === undefined) return null;
  return now + Math.ceil(Number(match[1]) * 1000);
}
