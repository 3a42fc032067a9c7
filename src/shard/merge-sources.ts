/**
 * What `codex-run merge` reads: each folder given is a run folder (it has report.json) or a
 * folder holding run folders up to three levels down (downloaded CI artifacts put each one in
 * its own subfolder). Each report is a shard's, a rerun's (`--rerun-failed`) or an earlier
 * merge's. Errors are values that name the folder.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from '../logs/fs-error.js';
import { REPORT_FILE_NAME, type JsonReport } from '../report/json-report.js';
import type { ReportJob } from '../report/report-input.js';
import { err, ok, type Result } from '../util/result.js';

/** How deep below a given folder run folders are looked for. */
export const MAX_SOURCE_DEPTH = 3;

/** A report as merge reads it (fields of later versions optional). */
export type SourceReport = Omit<JsonReport, 'jobs'> & { jobs: Array<ReportJob & { shard?: number; mergedFrom?: string | null }> };

/** What a run folder is to the merge. */
export type SourceKind = 'shard' | 'rerun' | 'merged';

/** One run folder to merge. */
export interface MergeSource {
  /** Absolute path of the run folder. */
  dir: string;
  /** The folder as the user named it (the given folder joined with the path below it). */
  given: string;
  kind: SourceKind;
  report: SourceReport;
}

async function isDir(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isDirectory();
  } catch {
    return false;
  }
}

async function hasReport(dir: string): Promise<boolean> {
  try {
    return (await lstat(path.join(dir, REPORT_FILE_NAME))).isFile();
  } catch {
    return false;
  }
}

// Run folders at or below `dir` (not below a run folder; hidden and partial folders skipped).
async function runFoldersIn(dir: string, depth: number, skip: string): Promise<string[]> {
  if (path.resolve(dir) === skip) return [];
  if (await hasReport(dir)) return [dir];
  if (depth >= MAX_SOURCE_DEPTH) return [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const child = path.join(dir, name);
    if (await isDir(child)) found.push(...(await runFoldersIn(child, depth + 1, skip)));
  }
  return found;
}

function kindOf(report: SourceReport): SourceKind | null {
  if (report.rerunOf != null) return 'rerun';
  if (report.plan != null && Array.isArray(report.shards)) return 'merged';
  if (report.shard != null) return 'shard';
  return null;
}

/** Finds and reads every run folder under `dirs` (skipping `outDir`). */
export async function findMergeSources(dirs: readonly string[], outDir: string): Promise<Result<MergeSource[], string>> {
  const sources: MergeSource[] = [];
  const seen = new Set<string>();
  const skip = path.resolve(outDir);
  for (const given of dirs) {
    const dir = path.resolve(given);
    // The folder named on the command line may be a symlink; below it, links are not followed.
    if (!(await stat(dir).then((info) => info.isDirectory(), () => false))) return err(`${given}: no such folder (merge takes shard run folders, or folders holding them)`);
    const found = await runFoldersIn(dir, 0, skip);
    if (found.length === 0) {
      return err(`${given}: no ${REPORT_FILE_NAME} in it or in its folders (up to ${MAX_SOURCE_DEPTH} levels down); is it a shard's run folder or its downloaded artifact?`);
    }
    for (const runDir of found) {
      if (seen.has(runDir)) continue;
      seen.add(runDir);
      const name = path.join(given, path.relative(dir, runDir));
      const file = path.join(runDir, REPORT_FILE_NAME);
      let report: SourceReport;
      try {
        report = JSON.parse(await readFile(file, 'utf8')) as SourceReport;
      } catch (e: unknown) {
        return err(e instanceof SyntaxError ? `${path.join(name, REPORT_FILE_NAME)} is not valid JSON: ${e.message}` : `cannot read ${path.join(name, REPORT_FILE_NAME)}: ${describeFsError(e)}`);
      }
      if (typeof report !== 'object' || report === null || !Array.isArray(report.jobs) || typeof report.runId !== 'string') {
        return err(`${path.join(name, REPORT_FILE_NAME)} is not a codex-run report (no runId or jobs)`);
      }
      const kind = kindOf(report);
      if (kind === null) return err(`${name}: its ${REPORT_FILE_NAME} is not from a shard (no "shard" field); run each shard with --shard I/N (or --rerun-failed) so it can be merged`);
      sources.push({ dir: runDir, given: name, kind, report });
    }
  }
  return ok(sources);
}
