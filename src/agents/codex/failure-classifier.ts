/**
 * Why a codex job failed, from how it ended and what it printed (output-facts.ts). The first
 * matching row wins:
 *
 *   refused to start (clap `error:` block, `-c` parse error, git check)  → agent-usage
 *   sign-in screen, HTTP 401, refresh token rejected, missing API key    → not-logged-in
 *   usage limit, quota, credits, spend cap                                → usage-limit
 *   HTTP 429 after retries, "rate limit"                                  → rate-limited
 *   any other final `ERROR:` / `■` message (5xx, disconnects, 400 body)   → model-error
 *   a sandbox refusal and nothing else                                    → sandbox-denied
 *   nothing recognised                                                    → null (exit-non-zero)
 *
 * The message is codex's own words. Patterns come from the measured 0.169.0 output (see
 * output-facts.ts) and, for what cannot be produced offline (401 wording, refresh tokens,
 * usage limits), from upstream's messages: codex-rs/protocol/src/error.rs (`You've hit your
 * usage limit`, `Quota exceeded. Check your plan and billing details.`, `Your workspace is out
 * of credits`, `You hit your spend cap`, `To use Codex with your ChatGPT plan, upgrade to Plus`,
 * `exceeded retry limit, last status: 429 …`, `unexpected status 401 …`, `Missing environment
 * variable: …`) and codex-rs/login/src/auth/manager.rs (`Your access token could not be
 * refreshed …`).
 */
import type { FailureReason } from '../../run/events.js';
import type { CodexOutputFacts } from './output-facts.js';

/** The reasons this classifier gives. */
export type CodexFailureReason = Extract<FailureReason, 'agent-usage' | 'not-logged-in' | 'rate-limited' | 'usage-limit' | 'model-error' | 'sandbox-denied'>;

/** A classified failure: the reason for the report and codex's own message. */
export interface CodexFailure {
  reason: CodexFailureReason;
  message: string;
}

const NOT_LOGGED_IN = [
  /unexpected status 401\b/,
  /Your access token could not be refreshed/,
  /^Missing environment variable: `/,
  /\bNot logged in\b/,
  /Incorrect API key provided/,
];
const USAGE_LIMIT = [
  /You['’]ve hit your usage limit/,
  /^Quota exceeded/,
  /\binsufficient_quota\b/,
  /Your workspace is out of credits/,
  /You hit your spend cap/,
  /To use Codex with your ChatGPT plan, upgrade to Plus/,
];
const RATE_LIMITED = [/last status: 429\b/, /unexpected status 429\b/, /\brate limit (?:reached|exceeded)\b/i, /\brate_limit_exceeded\b/];

/**
 * The failure of a codex job that exited with `exitCode` (null: it did not exit by itself, e.g.
 * the TUI reported an error and was closed), or null when the output explains nothing.
 */
export function classifyCodexFailure(exitCode: number | null, facts: CodexOutputFacts): CodexFailure | null {
  if (facts.startupError !== null && !facts.started) {
    const removed = /'--full-auto'/.test(facts.startupError) ? ' (codex-cli 0.169 removed --full-auto: use `codex.sandbox: workspace-write`)' : '';
    const code = exitCode === null ? '' : ` (exit ${exitCode})`;
    return { reason: 'agent-usage', message: `codex refused to start${code}: ${facts.startupError}${removed}` };
  }
  if (facts.signInScreen) {
    return { reason: 'not-logged-in', message: 'codex is not signed in: it showed its sign-in screen (run `codex login`, or configure a provider with an API key)' };
  }
  const newestFirst = [...facts.errors].reverse();
  const find = (patterns: readonly RegExp[]): string | undefined => newestFirst.find((e) => patterns.some((re) => re.test(e)));
  const loggedOut = find(NOT_LOGGED_IN);
  if (loggedOut !== undefined) return { reason: 'not-logged-in', message: `codex: ${loggedOut}` };
  const limit = find(USAGE_LIMIT);
  if (limit !== undefined) return { reason: 'usage-limit', message: `codex: ${limit}` };
  const rate = find(RATE_LIMITED);
  if (rate !== undefined) return { reason: 'rate-limited', message: `codex: ${rate}` };
  const last = newestFirst[0];
  if (last !== undefined) return { reason: 'model-error', message: `codex: ${last}` };
  if (facts.sandboxDenial !== null) return { reason: 'sandbox-denied', message: `codex: ${facts.sandboxDenial}` };
  return null;
}
