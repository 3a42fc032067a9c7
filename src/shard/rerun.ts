/**
 * `--rerun-failed report.json`: the jobs of an earlier (usually merged) run that did not
 * succeed — failed, timed out, killed, interrupted, skipped, lost, usage- or rate-limited,
 * never finished — and what the new run reruns (`rerunOf` in its report).
 */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../logs/fs-error.js';
import { jobSucceeded } from '../report/failure-explanation.js';
import { err, ok, type Result } from '../util/result.js';
import type { RerunOf } from './shard-stamp.js';

/** What to run again. */
export interface RerunSelection {
  /** Names of the jobs that did not succeed, in the report's order. */
  jobs: string[];
  rerunOf: RerunOf;
}

interface ReportShape {
  runId?: unknown;
  jobs?: unknown;
  plan?: { hash?: unknown } | null;
  shard?: { planHash?: unknown } | null;
  rerunOf?: { planHash?: unknown } | null;
}

/** Reads the report and picks the jobs to rerun; `known` are the manifest's job names. */
export async function loadRerun(file: string, known: readonly string[]): Promise<Result<RerunSelection, string>> {
  let report: ReportShape;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as ReportShape;
  } catch (e: unknown) {
    return err(e instanceof SyntaxError ? `--rerun-failed ${file} is not valid JSON: ${e.message}` : `--rerun-failed: cannot read ${file}: ${describeFsError(e)}`);
  }
  if (typeof report !== 'object' || report === null || !Array.isArray(report.jobs) || typeof report.runId !== 'string') {
    return err(`--rerun-failed ${file} is not a codex-run report.json (no runId or jobs)`);
  }
  const jobs: string[] = [];
  for (const job of report.jobs as Array<{ name?: unknown; status?: unknown; outcome?: unknown }>) {
    if (typeof job.name !== 'string' || typeof job.status !== 'string') continue;
    const outcome = typeof job.outcome === 'string' ? job.outcome : null;
    if (!jobSucceeded({ status: job.status as never, outcome })) jobs.push(job.name);
  }
  const missing = jobs.filter((name) => !known.includes(name));
  if (missing.length > 0) return err(`--rerun-failed: ${missing.map((n) => `'${n}'`).join(', ')} from ${file} ${missing.length === 1 ? 'is' : 'are'} not in the manifest any more`);
  const hash = [report.plan?.hash, report.rerunOf?.planHash, report.shard?.planHash].find((h): h is string => typeof h === 'string') ?? null;
  return ok({ jobs, rerunOf: { planHash: hash, runId: report.runId } });
}
