/**
 * `codex-run merge`: finds the shard folders, merges their reports (merge-reports.ts) and
 * writes one new run folder: every job's files copied byte for byte under the merged names
 * (logs, transcripts, timing indexes, verify logs, patches, anything named `<job base>.*`),
 * files 0600 in 0700 folders, their events, rehearsed jobs' requests and homes, report.json, and the Markdown, JUnit and HTML reports rendered from it. The
 * folder must not exist or be empty: a merge never overwrites.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EVENTS_FILE_NAME } from '../logs/events-log.js';
import { REHEARSAL_HOMES_FILE, REHEARSAL_LOG_FILE } from '../rehearsal/rehearse-run.js';
import { describeFsError, errorCode } from '../logs/fs-error.js';
import { ensurePrivateDir, PRIVATE_DIR_MODE } from '../logs/private-dir.js';
import { safeBaseName } from '../logs/safe-name.js';
import { PRIVATE_FILE_MODE } from '../logs/secure-file.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { REPORT_FILE_NAME, type JsonReport } from '../report/json-report.js';
import { writeTextReports, type TextReportOptions } from '../report/text-reports.js';
import { err, ok, type Result } from '../util/result.js';
import { findMergeSources } from './merge-sources.js';
import { mergeReports, type JobCopy, type MergeFailure } from './merge-reports.js';

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
}

// An existing --out must be an empty folder; a missing one is created (0700, parents too).
async function prepareOut(outDir: string): Promise<Result<void, string>> {
  try {
    const info = await lstat(outDir);
    if (!info.isDirectory()) return err(`--out ${outDir} exists and is not a folder; the merge writes a new run folder`);
    if ((await readdir(outDir)).length > 0) return err(`--out ${outDir} is not empty; the merge never overwrites: give a new folder`);
    await chmod(outDir, PRIVATE_DIR_MODE);
    return ok(undefined);
  } catch (e: unknown) {
    if (errorCode(e) !== 'ENOENT') return err(`cannot use --out ${outDir}: ${describeFsError(e)}`);
  }
  const made = await ensurePrivateDir(outDir, 'merged run folder');
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
      if (copy === undefined) continue;
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

/**
 * What rehearsed codex jobs leave beside their files, keyed by job name: their requests
 * (rehearsal.json) and their CODEX_HOME with its sessions (codex-homes.json, a folder each),
 * so `codex-run resume` works from the merged folder too. A home recorded at an absolute path
 * that moved with its folder (a downloaded artifact) is found by its name in the run folder.
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
    const home = (await readJsonMap(path.join(copy.sourceDir, REHEARSAL_HOMES_FILE)))?.[copy.job];
    if (typeof home !== 'string') continue;
    const candidates = [path.resolve(copy.sourceDir, home), path.join(copy.sourceDir, path.basename(home))];
    let found: string | null = null;
    for (const candidate of candidates) if (found === null && (await lstat(candidate).catch(() => null))?.isDirectory() === true) found = candidate;
    if (found === null) continue;
    const target = path.join(outDir, `${copy.toBase}.codex-home`);
    await copyTree(found, target);
    homes[copy.job] = target;
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

/** Merges the shard folders into a new run folder. */
export async function mergeRun(options: MergeRunOptions): Promise<Result<MergeDone, MergeFailure>> {
  const outDir = path.resolve(options.outDir);
  const sources = await findMergeSources(options.dirs, outDir);
  if (!sources.ok) return err({ kind: 'usage', message: sources.error });
  const runId = safeBaseName(path.basename(outDir));
  const merged = mergeReports(sources.value, { outDir, runId, requireShards: options.requireShards, now: options.now });
  if (!merged.ok) return err(merged.error);
  const prepared = await prepareOut(outDir);
  if (!prepared.ok) return err({ kind: 'usage', message: prepared.error });
  const copied = await copyJobFiles(merged.value.copies, outDir);
  if (!copied.ok) return err({ kind: 'refused', message: copied.error });
  try {
    await mergeEvents(merged.value.copies, outDir);
    await carryRehearsals(merged.value.copies, outDir);
  } catch (e: unknown) {
    return err({ kind: 'refused', message: `cannot write the merged events or rehearsal files in ${outDir}: ${describeFsError(e)}` });
  }
  const { report } = merged.value;
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  const written = await writeFileAtomic(path.join(outDir, REPORT_FILE_NAME), reportJson);
  if (!written.ok) return err({ kind: 'refused', message: written.error });
  const reportWarnings = await writeTextReports(outDir, report, options.reports);
  return ok({ report, reportJson, warnings: [...merged.value.warnings, ...reportWarnings] });
}
