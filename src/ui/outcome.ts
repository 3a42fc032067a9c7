import type { JobResult } from '../run/events.js';
import { agentTurns } from '../run/agent-turns.js';
import { unreachable } from '../util/unreachable.js';
import { costText, formatDuration, sanitizeLine } from './text.js';

/**
 * The short "why" of a result: `exit 1`, `SIGKILL`, or the failure reason tag (`timeout`,
 * `binary-missing`, ...). Exit codes and signals are shown as such because they are what a
 * user compares with running the command by hand.
 */
export function outcomeDetail(result: JobResult): string | null {
  const reason = result.reason;
  if (reason === null) {
    if (result.exitCode !== null) return `exit ${result.exitCode}`;
    return result.signal;
  }
  switch (reason) {
    case 'exit-non-zero':
      return result.exitCode !== null ? `exit ${result.exitCode}` : reason;
    case 'killed-by-signal':
      return result.signal ?? reason;
    case 'workdir-missing':
    case 'binary-missing':
    case 'spawn-failed':
    case 'timeout':
    case 'interrupted':
    case 'log-write-failed':
    case 'not-selected':
    case 'idle-killed':
    case 'looping':
    case 'output-limit':
    case 'rule-failed':
    case 'rule-killed':
    case 'denied':
    case 'waiting-for-input':
    case 'resume-lost-context':
    case 'workspace-failed':
    case 'killed-by-user':
    case 'agent-usage':
    case 'not-logged-in':
    case 'rate-limited':
    case 'usage-limit':
    case 'model-error':
    case 'sandbox-denied':
    case 'verify-failed':
    case 'budget-exhausted':
    case 'shard-lost':
      return reason;
    default:
      return unreachable(reason);
  }
}

/** How often a job's agent session was resumed, and why (the reason tags of the attempts that ended). */
export interface ResumeHistory {
  count: number;
  reasons: string[];
}

/** The resumes among a job's interventions, or null when it never resumed. */
export function resumeHistory(interventions: ReadonlyArray<{ kind: string; why?: string | undefined }>): ResumeHistory | null {
  let history: ResumeHistory | null = null;
  for (const i of interventions) if (i.kind === 'resume') history = addResume(history, i.why);
  return history;
}

/** The history with one more resume, whose `why` reads `idle-killed: no progress for 30s` (its tag is kept). */
export function addResume(history: ResumeHistory | null, why: string | undefined): ResumeHistory {
  const reasons = history?.reasons ?? [];
  const tag = (why ?? '').split(':')[0]!.trim();
  return { count: (history?.count ?? 0) + 1, reasons: tag === '' || reasons.includes(tag) ? reasons : [...reasons, tag] };
}

/** `after 1 resume (idle-killed)`. */
export function describeResumes(history: ResumeHistory): string {
  const reasons = history.reasons.length === 0 ? '' : ` (${history.reasons.map(sanitizeLine).join(', ')})`;
  return `after ${history.count} resume${history.count === 1 ? '' : 's'}${reasons}`;
}

/** How long the job ran, or null when it never started. */
export function outcomeDuration(result: JobResult): string | null {
  return result.startedAt === null ? null : formatDuration(result.finishedAt - result.startedAt);
}

/** The result's message on one safe line, or null when there is none. */
export function outcomeMessage(result: JobResult): string | null {
  if (result.message === null) return null;
  const line = sanitizeLine(result.message);
  return line === '' ? null : line;
}

/**
 * One-line account of a finished job, as plain mode and the live rows show it:
 * `succeeded in 4.1s`, `failed (exit 1) in 3.2s: tests failed`, `skipped (not-selected)`,
 * `succeeded after 1 resume (idle-killed) in 40.2s`.
 * A success needs no detail (it is always exit 0).
 */
export function describeOutcome(result: JobResult, resumes: ResumeHistory | null = null): string {
  const detail = result.status === 'succeeded' ? null : outcomeDetail(result);
  const duration = outcomeDuration(result);
  const message = outcomeMessage(result);
  let text: string = result.status;
  // `interrupted (interrupted)` says it twice.
  if (detail !== null && detail !== result.status) text += ` (${detail})`;
  if (resumes !== null) text += ` ${describeResumes(resumes)}`;
  const turns = turnsNote(result);
  if (turns !== null) text += ` [${turns}]`;
  if (duration !== null) text += ` in ${duration}`;
  if (message !== null) text += `: ${message}`;
  return text;
}

/**
 * `verified, 2 turns, 5230 tokens, $0.0123` for a job that verified or took more than one turn;
 * `5230 tokens, $0.0123` for a plain single run whose agent reported a cost; null for any other
 * plain single run, whose line stays as it always was.
 */
export function turnsNote(result: JobResult): string | null {
  const attempts = result.attempts ?? [];
  const tokens = attempts.reduce((sum, a) => sum + (a.tokens ?? 0), 0);
  const cost = result.costUsd === undefined ? [] : [costText(result.costUsd)];
  if (attempts.length <= 1 && result.outcome !== 'verified') {
    // A plain single run shows only what the agent reported it spent (`1234 tokens, $0.0123`), when it reported a cost.
    return cost.length === 0 ? null : [...(tokens > 0 ? [`${tokens} tokens`] : []), ...cost].join(', ');
  }
  const turns = agentTurns(attempts);
  const parts = [result.outcome ?? result.status, `${turns} turn${turns === 1 ? '' : 's'}`];
  if (tokens > 0) parts.push(`${tokens} tokens`);
  parts.push(...cost);
  return parts.join(', ');
}
