import type { JobSpec } from '../manifest/model.js';
import { unreachable } from '../util/unreachable.js';
import type { FailureReason, JobResult } from './events.js';

/** What to do after one attempt of a job ended. */
export type ResumeDecision =
  | { kind: 'final' }
  | { kind: 'resume'; sessionId: string; prompt: string; attempt: number; why: string };

/**
 * Whether an attempt that ended this way may be resumed. A dying agent (non-zero exit, model
 * stream failure, a signal nobody in codex-run sent) or one the idle ladder stopped can pick up
 * its session; limits, policies and user decisions are final.
 */
function resumable(reason: FailureReason | null): boolean {
  if (reason === null) return false;
  switch (reason) {
    case 'exit-non-zero':
    case 'model-error':
    case 'killed-by-signal':
    case 'idle-killed':
      return true;
    case 'workdir-missing':
    case 'binary-missing':
    case 'spawn-failed':
    case 'timeout':
    case 'interrupted':
    case 'log-write-failed':
    case 'not-selected':
    case 'looping':
    case 'output-limit':
    case 'rule-failed':
    case 'rule-killed':
    case 'denied':
    case 'waiting-for-input':
    case 'agent-usage':
    case 'not-logged-in':
    case 'rate-limited':
    case 'usage-limit':
    case 'sandbox-denied':
    case 'resume-lost-context':
    case 'workspace-failed':
    case 'killed-by-user':
    case 'verify-failed':
    case 'budget-exhausted':
    case 'shard-lost':
      return false;
    default:
      return unreachable(reason);
  }
}

/**
 * The resume protocol: resume by the session id the agent reported (never "the last
 * session", which under parallel runs can be a sibling's), while the job's budget lasts.
 * `resumed` is how many resumes already happened.
 */
export function decideResume(job: JobSpec, result: JobResult, sessionId: string | null, resumed: number): ResumeDecision {
  if (job.resume === null || result.status === 'succeeded' || !resumable(result.reason)) return { kind: 'final' };
  if (resumed >= job.resume.max || sessionId === null) return { kind: 'final' };
  return {
    kind: 'resume',
    sessionId,
    prompt: job.resume.prompt,
    attempt: resumed + 1,
    why: `${result.reason ?? result.status}: ${result.message ?? ''}`.replace(/: $/, ''),
  };
}

/** The result when a resumed attempt did not continue the session it was resumed from. */
export function lostContext(result: JobResult, expected: string, reported: string | null): JobResult {
  return {
    ...result,
    status: 'failed',
    reason: 'resume-lost-context',
    message:
      reported === null
        ? `the resumed run reported no session id (expected ${expected}); its context may be lost`
        : `the resumed run reported session ${reported}, not ${expected}: it started a new conversation`,
  };
}
