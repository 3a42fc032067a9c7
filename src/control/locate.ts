/**
 * Finding runs and jobs from what a user types: `RUN` is a run id, a unique prefix of one,
 * or `latest`; `JOB` is `RUN/JOB` or a job's name in the newest run. Reads run folders and
 * their report.json; errors are sentences for the user.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_FILE_NAME, type JsonJob, type JsonReport } from '../report/json-report.js';
import { err, ok, type Result } from '../util/result.js';
import { readRegistered, type FoundEntry } from './registry.js';
import { listRunIds } from './run-ids.js';

/** The runs root the commands look in: `--out`, else `.codex-run/runs` under the current folder. */
export function runsRootOf(out: unknown, cwd: string = process.cwd()): string {
  return typeof out === 'string' ? path.resolve(cwd, out) : path.join(cwd, '.codex-run', 'runs');
}

export { listRunIds };

/** A run's report.json, or why it cannot be read. */
export async function readReport(runDir: string): Promise<Result<JsonReport, string>> {
  try {
    return ok(JSON.parse(await readFile(path.join(runDir, REPORT_FILE_NAME), 'utf8')) as JsonReport);
  } catch (e: unknown) {
    return err(`cannot read ${path.join(runDir, REPORT_FILE_NAME)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A run found by what the user typed. */
export interface LocatedRun {
  runId: string;
  runDir: string;
  /** Its registry entry, when the run is registered (alive or left by a dead runner). */
  live: FoundEntry | null;
}

/** Resolves `latest`, a run id or a unique prefix of one. */
export async function locateRun(runsRoot: string, spec: string): Promise<Result<LocatedRun, string>> {
  const ids = await listRunIds(runsRoot);
  if (ids.length === 0) return err(`no runs in ${runsRoot} (use --out to look elsewhere)`);
  let runId: string | undefined;
  if (spec === 'latest') runId = ids[ids.length - 1];
  else if (ids.includes(spec)) runId = spec;
  else {
    const matches = ids.filter((id) => id.startsWith(spec));
    if (matches.length > 1) return err(`run ${JSON.stringify(spec)} is ambiguous: ${matches.join(', ')}`);
    runId = matches[0];
  }
  if (runId === undefined) return err(`no run ${JSON.stringify(spec)} in ${runsRoot}`);
  const runDir = path.join(runsRoot, runId);
  return ok({ runId, runDir, live: await readRegistered(runDir) });
}

/** A job found by what the user typed, with its run. */
export interface LocatedJob {
  run: LocatedRun;
  job: JsonJob;
}

/**
 * Resolves `RUN/JOB`, or `JOB` in the newest run. With `newestHolding` (`codex-run resume JOB`),
 * a bare `JOB` is the one of the newest run that has a job of that name: after `codex-run resume a`
 * the newest run holds only `a`, and `codex-run resume b` (as the first run's summary said) must
 * still find `b` in the run before it.
 */
export async function locateJob(runsRoot: string, spec: string, options: { newestHolding?: boolean } = {}): Promise<Result<LocatedJob, string>> {
  const slash = spec.indexOf('/');
  let run: Result<LocatedRun, string> | null = null;
  let name = spec;
  if (slash > 0) {
    const prefixed = await locateRun(runsRoot, spec.slice(0, slash));
    if (prefixed.ok) {
      run = prefixed;
      name = spec.slice(slash + 1);
    }
  }
  if (run === null && options.newestHolding === true) {
    const older = await newestRunWith(runsRoot, name);
    if (older !== null) return ok(older);
  }
  run ??= await locateRun(runsRoot, 'latest');
  if (!run.ok) return run;
  const report = await readReport(run.value.runDir);
  if (!report.ok) return report;
  const job = report.value.jobs.find((j) => j.name === name);
  if (job === undefined) {
    return err(`no job ${JSON.stringify(name)} in run ${run.value.runId}; its jobs: ${report.value.jobs.map((j) => j.name).join(', ')}`);
  }
  return ok({ run: run.value, job });
}

// The job `name` of the newest run that has one (runs whose report cannot be read are passed over), or null.
async function newestRunWith(runsRoot: string, name: string): Promise<LocatedJob | null> {
  const ids = await listRunIds(runsRoot);
  for (const runId of [...ids].reverse()) {
    const runDir = path.join(runsRoot, runId);
    const report = await readReport(runDir);
    const job = report.ok ? report.value.jobs.find((j) => j.name === name) : undefined;
    if (job !== undefined) return { run: { runId, runDir, live: await readRegistered(runDir) }, job };
  }
  return null;
}
