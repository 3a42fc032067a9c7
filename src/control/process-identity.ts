/**
 * "Is this recorded process still the same process?" for the control commands: the one
 * answer lives in src/util/process-identity.ts (pid + start time + boot id), shared with
 * workdir locks and crashed-run recovery. A process whose start time cannot be read is taken
 * as alive here (`unverified`): a live run is never declared dead by guess.
 */
import { identifyProcess, matchProcess, type ProcessIdentity } from '../util/process-identity.js';

export type { ProcessIdentity };

/** The identity of a running process (this one by default). */
export function identityOf(pid: number = process.pid): ProcessIdentity {
  return identifyProcess(pid);
}

/** Whether the recorded process is still running: same boot, same pid, same start time. */
export function isSameProcessAlive(recorded: ProcessIdentity): boolean {
  return matchProcess(recorded) !== 'gone';
}
