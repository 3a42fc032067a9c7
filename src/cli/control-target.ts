import { controlRequest } from '../control/client.js';
import { locateJob, locateRun, runsRootOf, type LocatedJob, type LocatedRun } from '../control/locate.js';
import type { ControlOp } from '../control/protocol.js';
import { processOutput } from '../ui/output-stream.js';
import { err, ok, type Result } from '../util/result.js';

/** A failed command: the message for stderr and the exit code (2: bad input, 1: the run or job cannot be reached). */
export interface CommandFailure {
  code: 1 | 2;
  message: string;
}

/** Prints a failure and returns its exit code. */
export function fail(failure: CommandFailure): number {
  processOutput().stderr.write(`codex-run: error: ${failure.message}\n`);
  return failure.code;
}

/** Finds the job the user named (`JOB`, `RUN/JOB`). */
export async function findJob(spec: string, flags: Record<string, unknown>): Promise<Result<LocatedJob, CommandFailure>> {
  const found = await locateJob(runsRootOf(flags['out']), spec);
  return found.ok ? found : err({ code: 2, message: found.error });
}

/** Finds the run the user named (`RUN`, `latest`). */
export async function findRun(spec: string, flags: Record<string, unknown>): Promise<Result<LocatedRun, CommandFailure>> {
  const found = await locateRun(runsRootOf(flags['out']), spec);
  return found.ok ? found : err({ code: 2, message: found.error });
}

/** Asks a live run; the answer's result, or why not (the run finished, died, or refused). */
export async function ask(run: LocatedRun, op: ControlOp, fields: Record<string, unknown>): Promise<Result<unknown, CommandFailure>> {
  if (run.live === null || !run.live.alive) {
    return err({ code: 1, message: `run ${run.runId} is not running${run.live !== null ? ' (its runner died)' : ''}` });
  }
  const answer = await controlRequest(run.live.entry.socket, op, fields);
  if (!answer.ok) return err({ code: 1, message: `run ${run.runId}: ${answer.error.message}` });
  const response = answer.value;
  if (!response.ok) return err({ code: response.error.code === 'not-running' ? 1 : 2, message: response.error.message });
  return ok(response.result);
}

/** The `by` of an action: `--by`, else `user`. */
export function byOf(flags: Record<string, unknown>): string {
  return typeof flags['by'] === 'string' && flags['by'] !== '' ? flags['by'] : 'user';
}
