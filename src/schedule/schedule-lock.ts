/**
 * One scheduler per schedule root. Two `codex-run schedule` processes on the same manifest
 * and runs root would each fire every job (every run twice) and overwrite each other's
 * schedule-state.json, so the second one refuses to start.
 *
 * The lock is `<schedule root>/schedule.lock`, taken like a workdir lock (written complete,
 * hard-linked into place; see src/schedule/workdir-lock.ts). It names the holder's pid, start
 * time and boot id, so a lock left by a scheduler that was killed, or whose pid was reused
 * after a reboot or container restart, is stale and taken over (src/util/process-identity.ts).
 * `--list` takes no lock; `--once` does (it fires jobs and writes the state too).
 */
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { acquireLockFile, type LockHolder, type WorkdirLock } from './workdir-lock.js';

/** The lock's file name in the schedule root. */
export const SCHEDULE_LOCK_FILE = 'schedule.lock';

/** Why the scheduler could not take its lock. */
export type ScheduleLockProblem =
  | { kind: 'busy'; holder: LockHolder; message: string }
  | { kind: 'failed'; message: string };

/** Takes the scheduler's lock on `root`, or says who holds it. */
export function acquireScheduleLock(
  root: string,
  manifests: readonly string[],
  options: { now: number; pid?: number },
): Result<{ lock: WorkdirLock; recoveredPid: number | null | undefined }, ScheduleLockProblem> {
  const file = path.join(root, SCHEDULE_LOCK_FILE);
  const owner = `codex-run schedule ${manifests.join(' ')}`;
  const attempt = acquireLockFile(file, root, owner, { now: options.now, ...(options.pid !== undefined ? { pid: options.pid } : {}) });
  switch (attempt.kind) {
    case 'acquired':
      return ok({ lock: attempt.lock, recoveredPid: attempt.recovered === null ? undefined : attempt.recovered.pid });
    case 'busy':
      return err({ kind: 'busy', holder: attempt.holder, message: busyMessage(root, attempt.holder) });
    case 'failed':
      return err({ kind: 'failed', message: attempt.message });
    default:
      return unreachable(attempt);
  }
}

function busyMessage(root: string, holder: LockHolder): string {
  return (
    `another scheduler is already running on ${root}: pid ${holder.pid}, since ${new Date(holder.since).toISOString()} (${holder.owner}); ` +
    `stop it first (kill ${holder.pid}), or give this one its own --out folder`
  );
}
