import { askRun, type ControlFailure } from '../control/ask-run.js';
import { locateJob, locateRun, runsRootOf, type LocatedJob, type LocatedRun } from '../control/locate.js';
import { processOutput } from '../ui/output-stream.js';
import { err, type Result } from '../util/result.js';

/** A failed command: the message for stderr and the exit code (2: bad input, 1: the run or job cannot be reached). */
export type CommandFailure = ControlFailure;

/** Prints a failure and returns its exit code. */
export function fail(failure: CommandFailure): number {
  processOutput().stderr.write(`codex-run: error: ${failure.message}\n`);
  return failure.code;
}

/** Finds the job the user named (`JOB`, `RUN/JOB`). */
export async function findJob(spec: string, flags: Record<string, unknown>, options: { newestHolding?: boolean } = {}): Promise<Result<LocatedJob, CommandFailure>> {
  const found = await locateJob(runsRootOf(flags['out']), spec, options);
  return found.ok ? found : err({ code: 2, message: found.error });
}

/** Finds the run the user named (`RUN`, `latest`). */
export async function findRun(spec: string, flags: Record<string, unknown>): Promise<Result<LocatedRun, CommandFailure>> {
  const found = await locateRun(runsRootOf(flags['out']), spec);
  return found.ok ? found : err({ code: 2, message: found.error });
}

/** Asks a live run (see src/control/ask-run.ts). */
export const ask = askRun;

/** The `by` of an action: `--by`, else `user`. */
export function byOf(flags: Record<string, unknown>): string {
  return typeof flags['by'] === 'string' && flags['by'] !== '' ? flags['by'] : 'user';
}
