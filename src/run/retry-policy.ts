import { unreachable } from '../util/unreachable.js';
import type { FailureReason } from './events.js';

/**
 * Whether `retry:` may try a failed attempt again: not for what another try cannot change or
 * must not repeat (denials, usage and rate limits, sign-in and argument errors, a stop by the
 * user, a time-out, a budget).
 */
export function retryable(reason: FailureReason | null): boolean {
  switch (reason) {
    case null:
    case 'exit-non-zero':
    case 'killed-by-signal':
    case 'model-error':
    case 'idle-killed':
    case 'looping':
    case 'output-limit':
    case 'rule-failed':
    case 'rule-killed':
    case 'resume-lost-context':
    case 'verify-failed':
      return true;
    case 'workdir-missing':
    case 'binary-missing':
    case 'spawn-failed':
    case 'timeout':
    case 'interrupted':
    case 'log-write-failed':
    case 'not-selected':
    case 'denied':
    case 'waiting-for-input':
    case 'agent-usage':
    case 'not-logged-in':
    case 'rate-limited':
    case 'usage-limit':
    case 'sandbox-denied':
    case 'budget-exhausted':
    case 'workspace-failed':
    case 'killed-by-user':
    case 'shard-lost':
      return false;
    default:
      return unreachable(reason);
  }
}
