/**
 * report.json: the run record as stable JSON for CI and scripts, described by
 * schemas/report.schema.json. A pure function of the record, tested against golden files.
 * Keys are written in a fixed order so reports diff cleanly.
 */
import type { AttemptInfo, FailureReason, JobChanges, JobOutcome, JobPhase, JobStatus, NotificationDelivery, StopStep } from '../run/events.js';
import { isoTime } from '../logs/iso-time.js';
import type { InterventionRecord, JobRecord, RunRecord, RunStatus } from './run-record.js';
import type { RerunOf, ShardStamp } from '../shard/shard-stamp.js';
import type { AgentKind } from '../manifest/model.js';

/** Bumped when a field changes meaning or disappears (adding fields does not bump it). */
export const REPORT_VERSION = 1;

/** The name of the report file in a run folder. */
export const REPORT_FILE_NAME = 'report.json';

/**
 * A job's status in the report: its final status, or where it is while the run goes on.
 * `lost` only in a merged report (`codex-run merge`): its shard left no result for it.
 */
export type JobReportStatus = 'pending' | 'running' | JobStatus | 'lost';

/** An intervention as written: `at` as an ISO string, other details as recorded. */
export interface JsonIntervention {
  at: string;
  kind: string;
  [detail: string]: unknown;
}

/** One job in report.json. */
export interface JsonJob {
  name: string;
  status: JobReportStatus;
  phase: JobPhase;
  reason: FailureReason | null;
  message: string | null;
  stoppedBy: StopStep | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  argv: string[];
  /** The job's `agent:` (codex, claude, gemini, generic, command); absent in reports written before it was recorded. */
  agent?: AgentKind;
  workdir: string;
  envKeys: string[];
  timeoutMs: number | null;
  logFile: string;
  transcriptFile: string;
  lastLine: string | null;
  detail: string | null;
  sessionId: string | null;
  tokensUsed: number | null;
  /** US dollars the agent reported (Claude Code), summed over attempts; absent when it reports none. */
  costUsd?: number;
  lastMessage: string | null;
  interventions: JsonIntervention[];
  /** Which guarantee held for the job's processes; null before it started. */
  containment: 'cgroup' | 'session+marker' | null;
  /** The job's first process (its latest attempt's), for crashed-run recovery; null before it started. */
  process: { pid: number; startTime: string | null; bootId: string | null; cgroup: string | null } | null;
  /** What the job changed in its git repository; null when its workdir is in none. */
  changes: JobChanges | null;
  /** `verified`, `succeeded`, `verify-failed`, `budget-exhausted`, `rate-limited`, or another reason / status; null while running. */
  outcome: JobOutcome | null;
  attempts: JsonAttempt[];
  /** Only in a merged report: the shard (1-based) the plan gave the job. */
  shard?: number;
  /** Only in a merged report: the run (shard or rerun) its result comes from; null for a lost job. */
  mergedFrom?: string | null;
}

/** One attempt as written: times as ISO strings. */
export interface JsonAttempt extends Omit<AttemptInfo, 'startedAt' | 'endedAt'> {
  startedAt: string | null;
  endedAt: string;
}

/** report.json as a value. */
export interface JsonReport {
  reportVersion: typeof REPORT_VERSION;
  runId: string;
  manifest: string;
  runDir: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** How many jobs are in each status (`lost` only in a merged report). */
  summary: Record<Exclude<JobReportStatus, 'lost'>, number> & { lost?: number };
  jobs: JsonJob[];
  warnings: { at: string; job: string | null; message: string }[];
  /** The runner process (pid, start time, boot id): a report left 'running' by a dead runner is found by it. */
  runner: { pid: number; startTime: string | null; bootId: string | null; pty?: 'native' | 'js' } | null;
  /** Only in a resumed run (`codex-run resume`): what it continues. */
  resumedFrom?: { runId: string; job: string; sessionId: string };
  /** Present once a notification was sent or tried (`notify:`): one entry per delivery with its outcome. */
  notifications?: Array<{ at: string } & NotificationDelivery>;
  /** Only in a shard's run (`--shard I/N`): the shard, its plan (the whole assignment) and its machine. */
  shard?: JsonShard;
  /** Only in a `--rerun-failed` run: the plan and run whose failed jobs it reran. */
  rerunOf?: RerunOf;
  /** Only in a merged report (`codex-run merge`): the plan the shards ran. */
  plan?: { hash: string; total: number; assignment: Record<string, number> };
  /** Only in a merged report: the shard runs merged, by index. */
  shards?: MergedRun[];
  /** Only in a merged report: the `--rerun-failed` runs merged. */
  reruns?: MergedRun[];
}

/** `shard` in a shard's report.json. */
export interface JsonShard extends Omit<ShardStamp, 'codexVersion' | 'assignment' | 'filter'> {
  startedAt: string;
  finishedAt: string | null;
  codexVersion: string | null;
  assignment: Record<string, number>;
  filter: string[];
}

/** One run merged into a merged report. */
export interface MergedRun {
  /** The shard's index; null for an unsharded rerun. */
  index: number | null;
  host: string | null;
  startedAt: string;
  finishedAt: string | null;
  codexVersion: string | null;
  runId: string;
  /** The folder it was read from, as given to merge. */
  source: string;
}

/** The report as a value (for callers that embed it, e.g. `--json` output). */
export function toJsonReport(record: RunRecord): JsonReport {
  const jobs = record.jobs.map((job) => toJsonJob(job));
  return reportWithJobs(record, jobs, summarize(jobs));
}

function summarize(jobs: readonly JsonJob[]): JsonReport['summary'] {
  const summary: JsonReport['summary'] = {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timed_out: 0,
    killed: 0,
    interrupted: 0,
    skipped: 0,
  };
  for (const job of jobs) summary[job.status] = (summary[job.status] ?? 0) + 1;
  return summary;
}

function reportWithJobs(record: RunRecord, jobs: JsonJob[], summary: JsonReport['summary']): JsonReport {
  return {
    reportVersion: REPORT_VERSION,
    runId: record.runId,
    manifest: record.manifest,
    runDir: record.runDir,
    status: record.status,
    startedAt: isoTime(record.startedAt),
    finishedAt: optionalIso(record.finishedAt),
    durationMs: duration(record.startedAt, record.finishedAt),
    summary,
    jobs,
    warnings: record.warnings.map((w) => ({ at: isoTime(w.at), job: w.job, message: w.message })),
    runner: record.runner === null ? null : { ...record.runner },
    ...(record.resumedFrom !== null ? { resumedFrom: { ...record.resumedFrom } } : {}),
    ...(record.shard != null ? { shard: toJsonShard(record.shard, record) } : {}),
    ...(record.rerunOf != null ? { rerunOf: { ...record.rerunOf } } : {}),
    ...(record.notifications.length === 0
      ? {}
      : {
          notifications: record.notifications.map((n) => ({
            at: isoTime(n.at),
            event: n.event,
            job: n.job,
            channel: n.channel,
            target: n.target,
            outcome: n.outcome,
            tries: n.tries,
            error: n.error,
          })),
        }),
  };
}

/**
 * A job's entry as it stands in report.json's `jobs` array (indented, no comma), by record: a
 * record never changes (run-record.ts makes a new one for every change), so a job that did not
 * change since the last write is not converted and stringified again. A run of 1,000 jobs
 * rewrites the report several times a second while jobs end (issue 16).
 */
const renderedJobs = new WeakMap<JobRecord, { json: JsonJob; text: string }>();

/**
 * An intervention as it stands in its job's `interventions` array in report.json (indented, no
 * comma), by record: a job that answered its 400th question is rendered from 399 cached
 * interventions and one new one, not converted and stringified whole again (issue 16: the
 * answer-latency bench rewrote a job with hundreds of interventions five times a second; that
 * rendering was a sixth of everything the runner allocated).
 */
const renderedInterventions = new WeakMap<InterventionRecord, { json: JsonIntervention; text: string }>();

function renderedIntervention(intervention: InterventionRecord): { json: JsonIntervention; text: string } {
  let rendered = renderedInterventions.get(intervention);
  if (rendered === undefined) {
    const json = toJsonIntervention(intervention);
    rendered = { json, text: `        ${JSON.stringify(json, null, 2).replace(/\n/g, '\n        ')}` };
    renderedInterventions.set(intervention, rendered);
  }
  return rendered;
}

// A job's key at two spaces inside its object: JSON.stringify escapes newlines inside strings, so it occurs once.
const EMPTY_INTERVENTIONS = '\n  "interventions": [],\n';

function renderedJob(job: JobRecord): { json: JsonJob; text: string } {
  let rendered = renderedJobs.get(job);
  if (rendered !== undefined) return rendered;
  const interventions = job.interventions.map(renderedIntervention);
  const json = toJsonJob(job, interventions.map((i) => i.json));
  if (interventions.length === 0) {
    rendered = { json, text: `    ${JSON.stringify(json, null, 2).replace(/\n/g, '\n    ')}` };
  } else {
    const base = JSON.stringify({ ...json, interventions: [] }, null, 2);
    const at = base.indexOf(EMPTY_INTERVENTIONS);
    if (at < 0) throw new Error('Internal error: a job in report.json has no interventions array');
    const head = base.slice(0, at).replace(/\n/g, '\n    ');
    const tail = base.slice(at + EMPTY_INTERVENTIONS.length).replace(/\n/g, '\n    ');
    const items = interventions.map((i) => i.text).join(',\n');
    rendered = { json, text: `    ${head}\n      "interventions": [\n${items}\n      ],\n    ${tail}` };
  }
  renderedJobs.set(job, rendered);
  return rendered;
}

const EMPTY_JOBS = '\n  "jobs": [],\n';

/** report.json as text: two-space indented, with a final newline (what JSON.stringify(toJsonReport(record), null, 2) gives). */
export function renderJsonReport(record: RunRecord): string {
  const jobs = record.jobs.map(renderedJob);
  const text = `${JSON.stringify(reportWithJobs(record, [], summarize(jobs.map((j) => j.json))), null, 2)}\n`;
  if (jobs.length === 0) return text;
  // JSON.stringify escapes newlines inside strings, so this key at two spaces occurs once.
  const at = text.indexOf(EMPTY_JOBS);
  if (at < 0) throw new Error('Internal error: report.json has no jobs array');
  return `${text.slice(0, at)}\n  "jobs": [\n${jobs.map((j) => j.text).join(',\n')}\n  ],\n${text.slice(at + EMPTY_JOBS.length)}`;
}

function toJsonShard(shard: ShardStamp, record: RunRecord): JsonShard {
  const { index, total, planHash, host, codexVersion, assignment, filter } = shard;
  return { index, total, planHash, host, startedAt: isoTime(record.startedAt), finishedAt: optionalIso(record.finishedAt), codexVersion, assignment: { ...assignment }, filter: [...filter] };
}

function toJsonJob(job: JobRecord, interventions: JsonIntervention[] = job.interventions.map(toJsonIntervention)): JsonJob {
  return {
    name: job.name,
    status: job.status ?? (job.phase === 'pending' ? 'pending' : 'running'),
    phase: job.phase,
    reason: job.reason,
    message: job.message,
    stoppedBy: job.stoppedBy,
    exitCode: job.exitCode,
    signal: job.signal,
    startedAt: optionalIso(job.startedAt),
    finishedAt: optionalIso(job.finishedAt),
    durationMs: duration(job.startedAt, job.finishedAt),
    argv: [...job.argv],
    ...(job.agent !== undefined ? { agent: job.agent } : {}),
    workdir: job.workdir,
    envKeys: [...job.envKeys],
    timeoutMs: job.timeoutMs,
    logFile: job.logFile,
    transcriptFile: job.transcriptFile,
    lastLine: job.lastLine,
    detail: job.detail,
    sessionId: job.sessionId,
    tokensUsed: job.tokensUsed,
    ...(job.costUsd !== undefined ? { costUsd: job.costUsd } : {}),
    lastMessage: job.lastMessage,
    interventions,
    containment: job.process?.containment ?? null,
    process:
      job.process === null ? null : { pid: job.process.pid, startTime: job.process.startTime, bootId: job.process.bootId, cgroup: job.process.cgroup },
    changes: job.changes === null ? null : toJsonChanges(job.changes),
    outcome: job.outcome,
    attempts: job.attempts.map((a) => ({ ...a, startedAt: optionalIso(a.startedAt), endedAt: isoTime(a.endedAt) })),
  };
}

// Fixed key order, like the rest of the report.
function toJsonChanges(changes: JobChanges): JobChanges {
  const { branch, base, worktree, commit, patchFile } = changes;
  const files = changes.files.map(({ path, from, status, added, removed }) => ({ path, ...(from === undefined ? {} : { from }), status, added, removed }));
  return { branch, base, worktree, commit, files, patchFile };
}

function toJsonIntervention(intervention: InterventionRecord): JsonIntervention {
  return { ...intervention, at: isoTime(intervention.at), kind: intervention.kind };
}

function optionalIso(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}

// Null while either end is unknown: a running job or run has no duration yet.
function duration(start: number | null, end: number | null): number | null {
  return start === null || end === null ? null : Math.max(0, end - start);
}
