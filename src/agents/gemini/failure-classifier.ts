/**
 * Why a gemini job failed, from its exit code and what it printed. Gemini CLI 0.61.0 exits
 * (reference README §3):
 *
 *   41 auth (no or invalid auth method)                        → not-logged-in
 *   42 input (bad --resume id, taken --session-id), 52 config,
 *   55 untrusted folder                                        → agent-usage
 *   json/stream-json: the API error's HTTP status modulo 256:
 *     144 (400)                                                → model-error
 *     145 (401), 147 (403)                                     → not-logged-in
 *     173 (429) quota words ("quota", "billing") / otherwise   → usage-limit / rate-limited
 *     244 (500), 247 (503), any other                          → model-error
 *   1 with an `[API Error: …]` result                           → by the status it names
 *
 * 429 and 5xx replies are retried by gemini first (up to 10 attempts, about 4 minutes), so a
 * failure here is what is left after its retries. The message is gemini's own words.
 */
import type { FailureReason } from '../../run/events.js';

/** The reasons this classifier gives. */
export type GeminiFailureReason = Extract<FailureReason, 'agent-usage' | 'not-logged-in' | 'rate-limited' | 'usage-limit' | 'model-error'>;

/** A classified failure: the reason for the report and gemini's own message. */
export interface GeminiFailure {
  reason: GeminiFailureReason;
  message: string;
}

/** What the monitor saw that explains a failure. */
export interface GeminiFailureFacts {
  /** The result event's error message, or the last `error` event's. */
  resultError: string | null;
  /** Lines gemini printed that were not events (its stderr in the PTY), newest last. */
  plainLines: readonly string[];
}

const QUOTA = /\bquota\b|\bbilling\b|usage limit/i;

/** The HTTP status an exit code stands for in json/stream-json mode (status modulo 256), or null. */
export function httpStatusOfExit(exitCode: number): number | null {
  for (const status of [400, 401, 403, 404, 429, 500, 503]) if (status % 256 === exitCode) return status;
  return null;
}

/** The failure of a gemini job that exited with `exitCode`, or null when nothing explains it. */
export function classifyGeminiFailure(exitCode: number, facts: GeminiFailureFacts): GeminiFailure | null {
  const said = facts.resultError ?? lastMeaningful(facts.plainLines);
  const words = said === null ? '' : `: ${said}`;
  switch (exitCode) {
    case 41:
      return { reason: 'not-logged-in', message: `gemini is not authenticated (exit 41)${words}` };
    case 42:
    case 52:
    case 55:
      return { reason: 'agent-usage', message: `gemini refused to start (exit ${exitCode})${words}` };
    default:
      break;
  }
  const status = httpStatusOfExit(exitCode) ?? statusIn(said);
  if (status === null) return said === null ? null : { reason: 'model-error', message: `gemini${words}` };
  return { reason: reasonOfStatus(status, said ?? ''), message: `gemini: API error ${status}${words}` };
}

/** The reason for an API error with this HTTP status and message. */
export function reasonOfStatus(status: number, message: string): GeminiFailureReason {
  if (status === 401 || status === 403) return 'not-logged-in';
  if (status === 429) return QUOTA.test(message) ? 'usage-limit' : 'rate-limited';
  return 'model-error';
}

// `[API Error: {"error":{"code":401,…}}]` names its status.
function statusIn(message: string | null): number | null {
  const match = /"code":\s*(\d{3})/.exec(message ?? '') ?? /\bstatus (\d{3})\b/.exec(message ?? '');
  return match?.[1] === undefined ? null : Number(match[1]);
}

// The last line that says something (not a warning about the terminal or ripgrep, not a stack frame).
function lastMeaningful(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || /^at /.test(line) || /^[{}]$/.test(line) || /^status: \d+$/.test(line)) continue;
    if (/^Warning: |^Ripgrep is not available|^\[STARTUP\]|^YOLO mode is enabled/.test(line)) continue;
    return line;
  }
  return null;
}
