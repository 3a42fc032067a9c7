/**
 * The run record: everything the reports need, built from the event stream by a pure
 * reducer, so a live report.json and the final one come from the same code. Timestamps are
 * epoch milliseconds here; renderers format them.
 *
 * New facts about a job (a session id, token counts, interventions) arrive as new event
 * types; the exhaustive switch in {@link reduceRunRecord} makes adding one a compile error
 * here until the record stores it.
 */
import type { AttemptInfo, FailureReason, JobChanges, JobOutcome, JobPhase, JobProcessFacts, JobStatus, NotificationDelivery, RunEvent, StopStep } from '../run/events.js';
import { unreachable } from '../util/unreachable.js';
import type { RerunOf, ShardStamp } from '../shard/shard-stamp.js';
import type { AgentKind } from '../manifest/model.js';

/**
 * Status of the whole run; 'running' until run-finished arrives. 'crashed' is never reduced
 * from events: a later codex-run writes it when it finds the runner dead (src/run/crashed-runs.ts).
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'crashed';

/** Something codex-run did to a job by itself (answered a prompt, nudged an idle agent, ...). */
export interface InterventionRecord {
  at: number;
  /** What was done, e.g. 'answer' or 'nudge'. */
  kind: string;
  /** Details that depend on the kind. */
  [detail: string]: unknown;
}

/** One job: its plan (from run-started) and what has happened to it so far. */
export interface JobRecord {
  readonly name: string;
  readonly argv: readonly string[];
  /** The job's `agent:`; absent when the run's events predate it. */
  readonly agent?: AgentKind;
  readonly workdir: string;
  readonly envKeys: readonly string[];
  readonly timeoutMs: number | null;
  /** Relative to the run folder. */
  readonly logFile: string;
  readonly transcriptFile: string;
  readonly phase: JobPhase;
  /** Final status; null until job-finished. */
  readonly status: JobStatus | null;
  readonly reason: FailureReason | null;
  readonly message: string | null;
  readonly stoppedBy: StopStep | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** The last meaningful output line seen (from job-activity). */
  readonly lastLine: string | null;
  /** What the job is doing as last shown live (job-state detail), e.g. 'waiting for input'. */
  readonly detail: string | null;
  /** The agent's own session id, once an adapter reports it. */
  readonly sessionId: string | null;
  /** Tokens the agent reported using, once known (job-facts). */
  readonly tokensUsed: number | null;
  /** The agent's final message, once known (job-facts). */
  readonly lastMessage: string | null;
  /** What the agent says its sessions cost in US dollars, summed over attempts (Claude Code); absent: not reported. */
  readonly costUsd?: number;
  readonly interventions: readonly InterventionRecord[];
  /** The job's (latest attempt's) first process and its containment, once spawned. */
  readonly process: JobProcessFacts | null;
  /** What the job changed in its git repository (job-changes); null when not in one, or not yet known. */
  readonly changes: JobChanges | null;
  /** How the job ended in one word (`verified`, `succeeded`, a reason); null until known. */
  readonly outcome: JobOutcome | null;
  /** Every attempt (turn) of the job, once it finished. */
  readonly attempts: readonly AttemptInfo[];
}

/** A warning of the run, kept for the report. */
export interface WarningRecord {
  readonly at: number;
  readonly job: string | null;
  readonly message: string;
}

/** Everything known about a run, as of the last event reduced. */
export interface RunRecord {
  readonly runId: string;
  /** Absolute path of the run folder. */
  readonly runDir: string;
  /** Absolute path of the manifest file. */
  readonly manifest: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly status: RunStatus;
  /** In manifest order. */
  readonly jobs: readonly JobRecord[];
  readonly warnings: readonly WarningRecord[];
  /** The runner process, so a later codex-run can tell it crashed; null when not recorded. */
  /** `pty`: which PTY backend ran the jobs (src/session/pty-backend.ts); absent when a test injected one. */
  readonly runner: { pid: number; startTime: string | null; bootId: string | null; pty?: 'native' | 'js' } | null;
  /** `codex-run resume`: the run, job and session this run continues; null for a fresh run. */
  readonly resumedFrom: { runId: string; job: string; sessionId: string } | null;
  /** `--shard I/N`: the shard of a plan this run is; null for an unsharded run. */
  readonly shard?: ShardStamp | null;
  /** `--rerun-failed`: the run whose failed jobs this run reruns; null otherwise. */
  readonly rerunOf?: RerunOf | null;
  /** Every notification sent or tried, in the order they ended (src/notify/). */
  readonly notifications: readonly NotificationRecord[];
}

/** One notification's delivery, as the report keeps it. */
export interface NotificationRecord extends NotificationDelivery {
  readonly at: number;
}

/**
 * Folds one event into the record and returns the new record (the old one is not changed;
 * events that change nothing, like job-output, return it as is). The first event must be
 * run-started; anything else before it is a bug.
 */
export function reduceRunRecord(record: RunRecord | null, event: RunEvent): RunRecord {
  switch (event.type) {
    case 'run-started':
      return {
        runId: event.runId,
        runDir: event.runDir,
        manifest: event.manifest,
        startedAt: event.at,
        finishedAt: null,
        status: 'running',
        jobs: event.jobs.map((plan) => ({
          name: plan.name,
          argv: [...plan.argv],
          ...(plan.agent !== undefined ? { agent: plan.agent } : {}),
          workdir: plan.workdir,
          envKeys: [...plan.envKeys],
          timeoutMs: plan.timeoutMs,
          logFile: plan.logFile,
          transcriptFile: plan.transcriptFile,
          phase: 'pending',
          status: null,
          reason: null,
          message: null,
          stoppedBy: null,
          exitCode: null,
          signal: null,
          startedAt: null,
          finishedAt: null,
          lastLine: null,
          detail: null,
          sessionId: null,
          tokensUsed: null,
          lastMessage: null,
          interventions: [],
          process: null,
          changes: null,
          outcome: null,
          attempts: [],
        })),
        warnings: [],
        notifications: [],
        runner: event.runner ?? null,
        resumedFrom: event.resumedFrom ?? null,
        shard: event.shard ?? null,
        rerunOf: event.rerunOf ?? null,
      };
    case 'job-output':
      return started(record, event);
    case 'job-state': {
      const { phase, at } = event;
      return updateJob(started(record, event), event.job, at, (job) => ({
        ...job,
        phase,
        detail: event.detail,
        startedAt: job.startedAt ?? (phase === 'running' ? at : null),
      }));
    }
    case 'job-intervention': {
      const { intervention } = event;
      return updateJob(started(record, event), event.job, event.at, (job) => ({
        ...job,
        interventions: [...job.interventions, { ...intervention }],
      }));
    }
    case 'job-facts': {
      const { facts } = event;
      return updateJob(started(record, event), event.job, event.at, (job) => ({
        ...job,
        sessionId: facts.sessionId ?? job.sessionId,
        tokensUsed: facts.tokensUsed ?? job.tokensUsed,
        lastMessage: facts.lastMessage ?? job.lastMessage,
        ...(facts.costUsd !== undefined ? { costUsd: (job.costUsd ?? 0) + facts.costUsd } : {}),
        process: facts.process ?? job.process,
      }));
    }
    case 'job-changes': {
      const { changes } = event;
      return updateJob(started(record, event), event.job, event.at, (job) => ({ ...job, changes }));
    }
    case 'job-activity': {
      const { line } = event;
      return updateJob(started(record, event), event.job, event.at, (job) => ({ ...job, lastLine: line }));
    }
    case 'job-finished': {
      const { result } = event;
      return updateJob(started(record, event), event.job, event.at, (job) => ({
        ...job,
        phase: 'finished',
        // What it was doing while live ('working', 'waiting for input') no longer holds.
        detail: null,
        status: result.status,
        reason: result.reason,
        message: result.message,
        stoppedBy: result.stoppedBy,
        exitCode: result.exitCode,
        signal: result.signal,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        outcome: result.outcome ?? (result.status === 'succeeded' ? 'succeeded' : (result.reason ?? result.status)),
        attempts: result.attempts ?? [],
      }));
    }
    case 'warning': {
      const current = started(record, event);
      return { ...current, warnings: [...current.warnings, { at: event.at, job: event.job, message: event.message }] };
    }
    case 'notification': {
      const current = started(record, event);
      return { ...current, notifications: [...current.notifications, { at: event.at, ...event.delivery }] };
    }
    case 'run-finished':
      return { ...started(record, event), status: event.status, finishedAt: event.at };
    default:
      return unreachable(event);
  }
}

function started(record: RunRecord | null, event: RunEvent): RunRecord {
  if (record === null) throw new Error(`Internal error: ${event.type} event before run-started`);
  return record;
}

// An event for a job that is not in the plan is a bug upstream; the report keeps it visible as a warning.
function updateJob(record: RunRecord, name: string, at: number, update: (job: JobRecord) => JobRecord): RunRecord {
  const index = indexOfJob(record.jobs, name);
  const job = index < 0 ? undefined : record.jobs[index];
  if (job === undefined) {
    const message = `event for unknown job ${JSON.stringify(name)}`;
    return { ...record, warnings: [...record.warnings, { at, job: name, message }] };
  }
  const jobs = record.jobs.slice();
  jobs[index] = update(job);
  // The same names at the same places: the new array shares the old one's index.
  jobIndexes.set(jobs, jobIndexes.get(record.jobs)!);
  return { ...record, jobs };
}

/**
 * Where each job is in a record's `jobs`, by name. Every event of a job looks its job up, so a
 * scan per event made a run's events cost O(jobs²): 10,000 jobs of 8 events each took 4.9 s per
 * reducer (the report writer and the control server each run one). The index is built once per
 * run and handed on by updateJob to each new array (same names, same places); an array built
 * elsewhere (a merge, a test) gets its own on first use.
 */
const jobIndexes = new WeakMap<readonly JobRecord[], Map<string, number>>();

function indexOfJob(jobs: readonly JobRecord[], name: string): number {
  let index = jobIndexes.get(jobs);
  if (index === undefined) {
    index = new Map();
    // The first of equal names wins, as findIndex did.
    for (let i = jobs.length - 1; i >= 0; i--) index.set(jobs[i]!.name, i);
    jobIndexes.set(jobs, index);
  }
  return index.get(name) ?? -1;
}
