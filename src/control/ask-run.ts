import { controlRequest } from './client.js';
import type { LocatedRun } from './locate.js';
import type { ControlOp } from './protocol.js';
import { err, ok, type Result } from '../util/result.js';

/** Why an action on a run or job failed: 2 for bad input (unknown job), 1 when it cannot be reached or is not running. */
export interface ControlFailure {
  code: 1 | 2;
  message: string;
}

/** Asks a live run; the answer's result, or why not (the run finished, died, or refused). */
export async function askRun(run: LocatedRun, op: ControlOp, fields: Record<string, unknown>): Promise<Result<unknown, ControlFailure>> {
  if (run.live === null || !run.live.alive) {
    return err({ code: 1, message: `run ${run.runId} is not running${run.live !== null ? ' (its runner died)' : ''}` });
  }
  const answer = await controlRequest(run.live.entry.socket, op, fields);
  if (!answer.ok) return err({ code: 1, message: `run ${run.runId}: ${answer.error.message}` });
  const response = answer.value;
  if (!response.ok) return err({ code: response.error.code === 'not-running' ? 1 : 2, message: response.error.message });
  return ok(response.result);
}
