/**
 * What the text reporters (Markdown, JUnit, HTML) are made from: report.json as written,
 * the job-state changes from events.jsonl (for the timeline), and the tail of each job's
 * transcript. Loaded from a run folder by load-report-input.ts; the renderers are pure
 * functions of this value, so `codex-run report` regenerates exactly what the run wrote.
 *
 * Fields added by other features (`outcome`, `attempts`, `changes`) are optional here:
 * a reporter renders them when present and never requires them.
 */
import type { JsonJob, JsonReport } from './json-report.js';

/** One attempt of a job (resumes, retries), when the report has them. */
export interface ReportAttempt {
  n: number;
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
  sessionId?: string | null;
  tokens?: number | null;
  prompt?: string;
  verify?: { exitCode: number | null; passed: boolean; logFile?: string | null; tail?: string | string[] | null } | null;
}

/** One changed file of a job's worktree, when the report has them. */
export interface ReportChangedFile {
  path: string;
  status: string;
  added?: number | null;
  removed?: number | null;
}

/** What a job changed (its branch and files), when the report has it. */
export interface ReportChanges {
  branch?: string | null;
  base?: string | null;
  worktree?: string | null;
  commit?: string | null;
  files?: ReportChangedFile[];
  patchFile?: string | null;
}

/** A job as the reporters read it: report.json's job plus the optional later fields. */
export type ReportJob = Omit<JsonJob, 'changes' | 'outcome' | 'attempts'> & {
  outcome?: string | null;
  attempts?: ReportAttempt[];
  changes?: ReportChanges | null;
  turns?: number | null;
};

/** report.json as the reporters read it. */
export type ReportRun = Omit<JsonReport, 'jobs'> & { jobs: ReportJob[] };

/** A job-state change from events.jsonl (waits and stops show on the timeline). */
export interface ReportStateEvent {
  at: string;
  job: string;
  phase: string;
  detail: string | null;
}

/** Everything a text reporter needs. */
export interface ReportInput {
  report: ReportRun;
  /** Job name to the tail of its transcript (`<job>.txt`), bounded; absent when unreadable. */
  transcripts: Record<string, string>;
  /** Job-state changes in file order (empty when events.jsonl is missing). */
  states: ReportStateEvent[];
  /** The patch of each job with `changes.patchFile`, bounded; absent when none. */
  patches?: Record<string, string>;
}
