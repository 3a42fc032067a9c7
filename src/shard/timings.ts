/**
 * `--timings report.json`: how long each job took last time (a previous run's or merged
 * report), for a plan that balances time instead of job counts. Errors are values.
 */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../logs/fs-error.js';
import { err, ok, type Result } from '../util/result.js';

/** Job name to its last duration in ms; jobs that never ran are left out. */
export async function loadTimings(file: string): Promise<Result<Map<string, number>, string>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e: unknown) {
    return err(e instanceof SyntaxError ? `--timings ${file} is not valid JSON: ${e.message}` : `--timings: cannot read ${file}: ${describeFsError(e)}`);
  }
  const jobs = (data as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) return err(`--timings ${file} is not a codex-run report.json (it has no jobs list)`);
  const timings = new Map<string, number>();
  for (const job of jobs as Array<{ name?: unknown; durationMs?: unknown }>) {
    if (typeof job.name === 'string' && typeof job.durationMs === 'number' && Number.isFinite(job.durationMs) && job.durationMs >= 0) timings.set(job.name, job.durationMs);
  }
  return ok(timings);
}
