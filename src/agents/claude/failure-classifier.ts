/**
 * Why a claude job failed, from what it said (stream-json events in headless, the OSC 7501
 * error message in the TUI, plain start-up errors in both). The first matching row wins:
 *
 *   refused to start (unknown option, id in use, bypass as root)           → agent-usage
 *   `No conversation found with session ID` (resume of a lost session)     → resume-lost-context
 *   401, `Failed to authenticate`, `Please run /login`, invalid API key    → not-logged-in
 *   usage limit / spend limit / credit balance too low                     → usage-limit
 *   429 after retries                                                      → rate-limited
 *   any other API error after retries (5xx, 529, 400, 403, stream idle)    → model-error
 *   tool calls refused for want of approval (headless) and nothing else    → sandbox-denied
 *   nothing recognised                                                     → null (exit-non-zero)
 *
 * The message is Claude Code's own words. Texts measured with 2.1.332 against a scripted
 * server (reference/claude-code-2.1/README.md §3, test/fixtures/claude/).
 */
import type { FailureReason } from '../../run/events.js';

/** The reasons this classifier gives. */
export type ClaudeFailureReason = Extract<
  FailureReason,
  'agent-usage' | 'resume-lost-context' | 'not-logged-in' | 'rate-limited' | 'usage-limit' | 'model-error' | 'sandbox-denied'
>;

/** A classified failure: the reason for the report and Claude Code's own message. */
export interface ClaudeFailure {
  reason: ClaudeFailureReason;
  message: string;
}

/** What a run said that explains a failure (collected by the monitor). */
export interface ClaudeFailureFacts {
  /** Plain (non-JSON) lines that read as start-up errors, oldest first. */
  startupErrors: string[];
  /** API error messages with their HTTP status when known, oldest first. */
  apiErrors: Array<{ status: number | null; message: string }>;
  /** Tool calls refused because they needed approval (`tool: what`). */
  denials: string[];
}

const STARTUP_ERROR = [
  /^error: (?:unknown option|option '|too many arguments|missing required argument)/i,
  /^Error: Session ID \S+ is already in use/,
  /cannot be used with root\/sudo privileges/,
  /^Error: Invalid (?:permission mode|session ID|model)/i,
];
const LOST_SESSION = /No conversation found with session ID/;
const NOT_LOGGED_IN = [/\bFailed to authenticate\b/, /Please run \/login/, /\bInvalid API key\b/i, /\bNot logged in\b/i, /\bAPI Error: 401\b/, /\bOAuth token (?:has )?(?:expired|revoked)/i];
const USAGE_LIMIT = [/\busage limit reached\b/i, /You['’]ve hit your (?:usage )?limit/i, /\bspend limit reached\b/i, /credit balance (?:is )?too low/i];

/** Whether a plain output line is one of Claude Code's start-up refusals (kept for the classifier). */
export function isStartupError(line: string): boolean {
  return LOST_SESSION.test(line) || STARTUP_ERROR.some((re) => re.test(line));
}

/** The failure the facts explain, or null. */
export function classifyClaudeFailure(facts: ClaudeFailureFacts): ClaudeFailure | null {
  const lost = facts.startupErrors.find((line) => LOST_SESSION.test(line));
  if (lost !== undefined) return { reason: 'resume-lost-context', message: `claude: ${lost}` };
  const refused = facts.startupErrors.at(-1);
  if (refused !== undefined) return { reason: 'agent-usage', message: `claude refused to start: ${refused}` };
  const newestFirst = [...facts.apiErrors].reverse();
  const loggedOut = newestFirst.find((e) => e.status === 401 || NOT_LOGGED_IN.some((re) => re.test(e.message)));
  if (loggedOut !== undefined) return { reason: 'not-logged-in', message: `claude: ${loggedOut.message}` };
  const limit = newestFirst.find((e) => USAGE_LIMIT.some((re) => re.test(e.message)));
  if (limit !== undefined) return { reason: 'usage-limit', message: `claude: ${limit.message}` };
  const rate = newestFirst.find((e) => e.status === 429 || /\(429\)|\b429\b/.test(e.message));
  if (rate !== undefined) return { reason: 'rate-limited', message: `claude: ${rate.message}` };
  const last = newestFirst[0];
  if (last !== undefined) return { reason: 'model-error', message: `claude: ${last.message}` };
  if (facts.denials.length > 0) {
    return {
      reason: 'sandbox-denied',
      message: `claude was refused ${facts.denials.length} tool call(s) that needed approval: ${facts.denials.join('; ')} (allow them with claude.permissionMode or claude.allowedTools)`,
    };
  }
  return null;
}
