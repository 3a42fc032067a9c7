/**
 * `codex-run merge`: finds the shard folders, merges their reports (merge-reports.ts) and
 * writes one new run folder: every job's files copied byte for byte under the merged names
 * (logs, transcripts, timing indexes, verify logs, patches, anything named `<job base>.*`),
 * files 0600 in 0700 folders, their events, rehearsed jobs' requests and homes, report.json, and the Markdown, JUnit and HTML reports rendered from it. The
 * folder must not exist or be empty: a merge never overwrites; it is built beside --out and renamed.
 */
import { constants } from 'node:fs';
import { appendFile, chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EVENTS_FILE_NAME } from '../logs/events-log.js';
import { REHEARSAL_HOMES_FILE, REHEARSAL_LOG_FILE } from '../rehearsal/rehearse-run.js';
import { describeFsError, errorCode } from '../logs/fs-error.js';
import { ensurePrivateDir, PRIVATE_DIR_MODE } from '../logs/private-dir.js';
import { safeBaseName } from '../logs/safe-name.js';
import { PRIVATE_FILE_MODE } from '../logs/secure-file.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { REPORT_FILE_NAME, type JsonReport } from '../report/json-report.js';
import { MARKDOWN_REPORT_FILE_NAME } from '../report/markdown-report.js';
import { stepSummaryText, writeTextReports, type TextReportOptions } from '../report/text-reports.js';
import { err, ok, type Result } from '../util/result.js';
import { findMergeSources } from './merge-sources.js';
import { mergeReports, type JobCopy, type MergeFailure, type Merged } from './merge-reports.js';

export type { MergeFailure } from './merge-reports.js';

export interface MergeRunOptions {
  /** Folders given on the command line. */
  dirs: readonly string[];
  /** The merged run folder to create. */
  outDir: string;
  requireShards: number | null;
  reports?: TextReportOptions;
  now: number;
}

export interface MergeDone {
  report: JsonReport;
  reportJson: string;
  /** Merge warnings and reports that could not be written. */
  warnings: string[];
  /** `--require-shards N` unmet: what is missing (the merge fails, exit 1). */
  shortfall: string | null;
}

// An existing --out must be an empty folder; a missing one's parents are created (0700).
async function checkOut(outDir: string): Promise<Result<void, string>> {
  try {
    const info = await lstat(outDir);
    if (!info.isDirectory()) return err(`--out ${outDir} exists and is not a folder; the merge writes a new run folder`);
    if ((await readdir(outDir)).length > 0) {
      const merged = await lstat(path.join(outDir, REPORT_FILE_NAME)).then(() => true, () => false);
      return err(`--out ${outDir} is not empty${merged ? ' (an earlier merge is there)' : ''}; the merge never overwrites: give a new folder${merged ? ' (an earlier merged folder may be given as a source: the newest attempt of each job wins)' : ''}`);
    }
    return ok(undefined);
  } catch (e: unknown) {
    if (errorCode(e) !== 'ENOENT') return err(`cannot use --out ${outDir}: ${describeFsError(e)}`);
  }
  const made = await ensurePrivateDir(path.dirname(outDir), 'folder for the merged run');
  return made.ok ? ok(undefined) : made;
}

// Copies a file (never through a symlink, never over a file) and makes it private.
async function copyPrivate(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  await chmod(to, PRIVATE_FILE_MODE);
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: PRIVATE_DIR_MODE });
  await chmod(to, PRIVATE_DIR_MODE);
  for (const name of await readdir(from)) {
    const info = await lstat(path.join(from, name));
    if (info.isDirectory()) await copyTree(path.join(from, name), path.join(to, name));
    else if (info.isFile()) await copyPrivate(path.join(from, name), path.join(to, name));
  }
}

// The job of a file in a run folder: the longest job file base it starts with (`a.b.log` is a.b's, not a's).
function ownerBase(name: string, bases: readonly string[]): string | null {
  let best: string | null = null;
  for (const base of bases) if ((name === base || name.startsWith(`${base}.`)) && (best === null || base.length > best.length)) best = base;
  return best;
}

async function copyJobFiles(copies: readonly JobCopy[], outDir: string): Promise<Result<void, string>> {
  const homes = new Set<string>();
  // By path and by name in its run folder (an older merge recorded absolute paths).
  for (const sourceDir of new Set(copies.map((c) => c.sourceDir))) {
    for (const home of (await recordedHomes(sourceDir)).values()) homes.add(home).add(path.join(sourceDir, path.basename(home)));
  }
  const bySource = new Map<string, JobCopy[]>();
  for (const c of copies) bySource.set(c.sourceDir, [...(bySource.get(c.sourceDir) ?? []), c]);
  for (const [sourceDir, list] of bySource) {
    let names: string[];
    try {
      names = (await readdir(sourceDir)).sort();
    } catch (e: unknown) {
      return err(`cannot read ${sourceDir}: ${describeFsError(e)}`);
    }
    const sourceBases = list[0]!.sourceBases;
    for (const name of names) {
      const base = ownerBase(name, sourceBases);
      const copy = base === null ? undefined : list.find((c) => c.fromBase === base);
      // A rehearsal home (a merged folder names it `<job>.codex-home`) is carryRehearsals' to copy.
      if (copy === undefined || homes.has(path.join(sourceDir, name))) continue;
      const target = `${copy.toBase}${name.slice(copy.fromBase.length)}`;
      try {
        const info = await lstat(path.join(sourceDir, name));
        if (info.isDirectory()) await copyTree(path.join(sourceDir, name), path.join(outDir, target));
        else if (info.isFile()) await copyPrivate(path.join(sourceDir, name), path.join(outDir, target));
      } catch (e: unknown) {
        return err(`cannot copy ${path.join(sourceDir, name)} to ${path.join(outDir, target)}: ${describeFsError(e)}`);
      }
    }
  }
  return ok(undefined);
}

// The merged events.jsonl: each job's events from the run its result came from (for the reports' timelines).
async function mergeEvents(copies: readonly JobCopy[], outDir: string): Promise<void> {
  const lines: string[] = [];
  const bySource = new Map<string, Set<string>>();
  for (const c of copies) bySource.set(c.sourceDir, (bySource.get(c.sourceDir) ?? new Set()).add(c.job));
  for (const [sourceDir, jobs] of bySource) {
    let text: string;
    try {
      text = await readFile(path.join(sourceDir, EVENTS_FILE_NAME), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const event = JSON.parse(line) as { job?: unknown };
        if (typeof event.job === 'string' && jobs.has(event.job)) lines.push(line);
      } catch {
        // A torn last line: left out.
      }
    }
  }
  await writeFile(path.join(outDir, EVENTS_FILE_NAME), lines.length === 0 ? '' : `${lines.join('\n')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  await chmod(path.join(outDir, EVENTS_FILE_NAME), PRIVATE_FILE_MODE);
}

/** The old name of the homes index (absolute paths); still read. */
const OLD_REHEARSAL_HOMES_FILE = 'codex-homes.json';

/**
 * The rehearsal homes a run folder records, by job: absolute paths of folders that exist. A
 * home recorded relative to the folder (agent-homes.json) or at an absolute path that moved
 * with its folder (a downloaded artifact, an older merge) is found by its name in the folder.
 */
async function recordedHomes(sourceDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const file of [OLD_REHEARSAL_HOMES_FILE, REHEARSAL_HOMES_FILE]) {
    const index = await readJsonMap(path.join(sourceDir, file));
    for (const [job, home] of Object.entries(index ?? {})) {
      if (typeof home !== 'string') continue;
      for (const candidate of [path.resolve(sourceDir, home), path.join(sourceDir, path.basename(home))]) {
        if ((await lstat(candidate).catch(() => null))?.isDirectory() === true) {
          found.set(job, candidate);
          break;
        }
      }
    }
  }
  return found;
}

/**
 * What rehearsed codex jobs leave beside their files, keyed by job name: their requests
 * (rehearsal.json) and their agent home with its sessions (agent-homes.json, a folder each,
 * recorded relative to the merged folder as `<job>.codex-home`), so `codex-run resume` works
 * from the merged folder too, and so does merging the merged folder again.
 */
async function carryRehearsals(copies: readonly JobCopy[], outDir: string): Promise<void> {
  const requests: Record<string, unknown> = {};
  const homes: Record<string, string> = {};
  let rehearsed = false;
  for (const copy of copies) {
    const log = await readJsonMap(path.join(copy.sourceDir, REHEARSAL_LOG_FILE));
    if (log === null) continue;
    rehearsed = true;
    if (log[copy.job] !== undefined) requests[copy.job] = log[copy.job];
    const found = (await recordedHomes(copy.sourceDir)).get(copy.job);
    if (found === undefined) continue;
    const name = `${copy.toBase}.codex-home`;
    await copyTree(found, path.join(outDir, name));
    homes[copy.job] = name;
  }
  if (!rehearsed) return;
  await writeFile(path.join(outDir, REHEARSAL_LOG_FILE), `${JSON.stringify(requests, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  if (Object.keys(homes).length > 0) await writeFile(path.join(outDir, REHEARSAL_HOMES_FILE), `${JSON.stringify(homes, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
}

async function readJsonMap(file: string): Promise<Record<string, unknown> | null> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Merges the shard folders into a new run folder. The folder is built in a private temporary
 * folder beside `--out` (hidden, so a later merge of the parent skips it) and renamed to
 * `--out` at the end: a failed merge leaves no half-written `--out`, and a retry works.
 * With `--require-shards` unmet the merged folder is still written (the missing shards' jobs
 * `lost`), and the result says so in `shortfall` (exit 1).
 */
export async function mergeRun(options: MergeRunOptions): Promise<Result<MergeDone, MergeFailure>> {
  const outDir = path.resolve(options.outDir);
  const sources = await findMergeSources(options.dirs, outDir);
  if (!sources.ok) return err({ kind: 'usage', message: sources.error });
  const runId = safeBaseName(path.basename(outDir));
  const merged = mergeReports(sources.value, { outDir, runId, requireShards: options.requireShards, now: options.now });
  if (!merged.ok) return err(merged.error);
  const checked = await checkOut(outDir);
  if (!checked.ok) return err({ kind: 'usage', message: checked.error });
  let work: string;
  try {
    work = await mkdtemp(path.join(path.dirname(outDir), `.${path.basename(outDir)}.merging-`));
    await chmod(work, PRIVATE_DIR_MODE);
  } catch (e: unknown) {
    return err({ kind: 'refused', message: `cannot create a folder beside --out ${outDir} to merge into: ${describeFsError(e)}` });
  }
  const built = await build(work, merged.value, options);
  if (!built.ok) {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    return err(built.error);
  }
  try {
    await rename(work, outDir);
  } catch (e: unknown) {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
    return err({ kind: 'refused', message: `cannot move the merged run into --out ${outDir}: ${describeFsError(e)}` });
  }
  const warnings = [...merged.value.warnings, ...built.value];
  const summaryFile = options.reports?.stepSummaryFile;
  if (summaryFile !== undefined && summaryFile !== '') {
    const markdownFile = path.join(outDir, MARKDOWN_REPORT_FILE_NAME);
    try {
      await appendFile(summaryFile, stepSummaryText(await readFile(markdownFile, 'utf8'), markdownFile), 'utf8');
    } catch (e: unknown) {
      warnings.push(`cannot append the report to $GITHUB_STEP_SUMMARY (${summaryFile}): ${describeFsError(e)}`);
    }
  }
  const { report } = merged.value;
  return ok({ report, reportJson: `${JSON.stringify(report, null, 2)}\n`, warnings, shortfall: merged.value.shortfall });
}

// Writes the merged run into `work`; resolves with the reports' warnings.
async function build(work: string, merged: Merged, options: MergeRunOptions): Promise<Result<string[], MergeFailure>> {
  const copied = await copyJobFiles(merged.copies, work);
  if (!copied.ok) return err({ kind: 'refused', message: copied.error });
  try {
    await mergeEvents(merged.copies, work);
    await carryRehearsals(merged.copies, work);
  } catch (e: unknown) {
    return err({ kind: 'refused', message: `cannot write the merged events or rehearsal files: ${describeFsError(e)}` });
  }
  const written = await writeFileAtomic(path.join(work, REPORT_FILE_NAME), `${JSON.stringify(merged.report, null, 2)}\n`);
  if (!written.ok) return err({ kind: 'refused', message: written.error });
  const { stepSummaryFile: _summary, ...reports } = options.reports ?? {};
  return ok(await writeTextReports(work, merged.report, reports));
}
