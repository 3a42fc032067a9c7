/**
 * Reads a run folder into a {@link ReportInput}: report.json, the job-state lines of
 * events.jsonl and the tail of each job's transcript. Reading is bounded (a transcript
 * tail, a patch head) so a huge run never makes a huge report. Errors are values.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from '../logs/fs-error.js';
import { EVENTS_FILE_NAME } from '../logs/events-log.js';
import { err, ok, type Result } from '../util/result.js';
import { REPORT_FILE_NAME } from './json-report.js';
import type { ReportInput, ReportRun, ReportStateEvent } from './report-input.js';

/** How much of the end of each transcript is read. */
export const TRANSCRIPT_TAIL_BYTES = 32 * 1024;
/** How much of the start of each patch is read. */
export const PATCH_HEAD_BYTES = 64 * 1024;

/** Reads the last `bytes` of a file as UTF-8 (starting at a line boundary when cut); null when unreadable. */
export async function readTail(file: string, bytes: number): Promise<string | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      if (start === 0) return text;
      const newline = text.indexOf('\n');
      return newline === -1 ? text : text.slice(newline + 1);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

async function readHead(file: string, bytes: number): Promise<string | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

// Keeps the job-state lines; a torn last line (a runner killed mid-write) is skipped.
function parseStates(text: string): ReportStateEvent[] {
  const states: ReportStateEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"job-state"')) continue;
    try {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event['type'] !== 'job-state') continue;
      const { at, job, phase, detail } = event;
      if (typeof at === 'string' && typeof job === 'string' && typeof phase === 'string') {
        states.push({ at, job, phase, detail: typeof detail === 'string' ? detail : null });
      }
    } catch {
      // A torn line: nothing to show from it.
    }
  }
  return states;
}

/** What of a run folder {@link loadReportInputFor} reads. */
export interface LoadReportOptions {
  /** The jobs whose transcript tail and patch are read (default: all); the others have none in the input. */
  filesOf?: (job: ReportRun['jobs'][number]) => boolean;
}

/** Builds the reporters' input from a report value already in memory and the files of its run folder. */
export async function loadReportInputFor(report: ReportRun, runDir: string, options: LoadReportOptions = {}): Promise<ReportInput> {
  const transcripts: Record<string, string> = {};
  const patches: Record<string, string> = {};
  const filesOf = options.filesOf ?? ((): boolean => true);
  await Promise.all(
    report.jobs.filter(filesOf).map(async (job) => {
      const tail = await readTail(path.join(runDir, path.basename(job.transcriptFile)), TRANSCRIPT_TAIL_BYTES);
      if (tail !== null) transcripts[job.name] = tail;
      const patchFile = job.changes?.patchFile;
      // Only a patch inside the run folder: a report.json cannot make a report embed any other file.
      const patchPath = typeof patchFile === 'string' && patchFile !== '' ? path.resolve(runDir, patchFile) : null;
      if (patchPath !== null && patchPath.startsWith(path.resolve(runDir) + path.sep)) {
        const patch = await readHead(patchPath, PATCH_HEAD_BYTES);
        if (patch !== null) patches[job.name] = patch;
      }
    }),
  );
  let states: ReportStateEvent[] = [];
  try {
    states = parseStates(await readFile(path.join(runDir, EVENTS_FILE_NAME), 'utf8'));
  } catch {
    // No events.jsonl: the timeline shows the jobs' start and end only.
  }
  return { report, transcripts, states, ...(Object.keys(patches).length > 0 ? { patches } : {}) };
}

/** Reads a run folder's report.json and the files beside it. */
export async function loadReportInput(runDir: string): Promise<Result<ReportInput, string>> {
  const file = path.join(runDir, REPORT_FILE_NAME);
  let report: ReportRun;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as ReportRun;
  } catch (e: unknown) {
    return err(e instanceof SyntaxError ? `${file} is not valid JSON: ${e.message}` : `cannot read ${file}: ${describeFsError(e)}`);
  }
  if (typeof report !== 'object' || report === null || !Array.isArray(report.jobs)) return err(`${file} is not a codex-run report (no jobs)`);
  return ok(await loadReportInputFor(report, runDir));
}
