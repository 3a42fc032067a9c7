/**
 * The event stream of a run. Components emit these; the UI, the log writers (events.jsonl)
 * and the report consume the same stream. Library code never prints.
 */
import type { RerunOf, ShardStamp } from '../shard/shard-stamp.js';
import type { AgentKind } from '../manifest/model.js';

/** Final status of a job, as written to report.json. */
export type JobStatus = 'succeeded' | 'failed' | 'timed_out' | 'killed' | 'interrupted' | 'skipped';

/** Where a job is in its life, as shown live. */
export type JobPhase = 'pending' | 'starting' | 'running' | 'stopping' | 'finished';

/** Why a job did not succeed (a tagged reason, never a free-form string). */
export type FailureReason =
  | 'workdir-missing'
  | 'binary-missing'
  | 'spawn-failed'
  | 'exit-non-zero'
  | 'killed-by-signal'
  | 'timeout'
  | 'interrupted'
  | 'log-write-failed'
  | 'not-selected'
  // Supervision (src/session/policies): why a policy stopped the job.
  | 'idle-killed'
  | 'looping'
  | 'output-limit'
  | 'rule-failed'
  | 'rule-killed'
  | 'denied'
  | 'waiting-for-input'
  // Agent adapters (src/agents/codex): what the agent itself reported when it failed.
  /** The agent rejected its own arguments or configuration (e.g. a flag removed upstream). */
  | 'agent-usage'
  /** The agent has no valid login or API key. */
  | 'not-logged-in'
  /** The provider kept answering "too many requests" (HTTP 429) after the agent's retries. */
  | 'rate-limited'
  /** The account's usage limit, quota or credits are used up. */
  | 'usage-limit'
  /** The model stream failed after the agent's retries (HTTP 5xx, disconnects, bad requests). */
  | 'model-error'
  /** The sandbox refused what the agent needed to do. */
  | 'sandbox-denied'
  /** A resumed session did not report the session id it was resumed from (src/run/resume-policy.ts). */
  | 'resume-lost-context'
  /** The job's workspace could not be made (its worktree, src/workspace/job-workspace.ts). */
  | 'workspace-failed'
  /** Someone stopped the job from outside (`codex-run kill`, src/control/). */
  | 'killed-by-user'
  // Finishing work (src/run/job-runner.ts).
  /** `verify` still failed after the last allowed turn (or without `until: verified`). */
  | 'verify-failed'
  /** A job or run budget (tokens, turns, wall) ran out. */
  | 'budget-exhausted'
  // Sharding (src/shard/).
  /** `codex-run merge`: the job's shard left no result for it. */
  | 'shard-lost';

/** How a job ended, in one word: `verified`, `succeeded` (no verify), or the failure reason / status. */
export type JobOutcome = 'verified' | 'succeeded' | FailureReason | Exclude<JobStatus, 'succeeded'>;

/** What started an attempt: the job's own prompt, a continuation after a failed verify, a resume, a retry. */
export type AttemptPrompt = 'first' | 'continue' | 'resume' | 'retry';

/** One attempt (agent turn, or run of a command) of a job. */
export interface AttemptInfo {
  /** 1-based. */
  n: number;
  startedAt: number | null;
  endedAt: number;
  /** `succeeded`, `verified`, `verify-failed`, or the attempt's failure reason / status. */
  reason: string;
  sessionId: string | null;
  /** Tokens the agent reported for this attempt, or null. */
  tokens: number | null;
  prompt: AttemptPrompt;
  verify?: { exitCode: number | null; passed: boolean; logFile: string; tail: string };
}

/** Which step of the stop ladder ended a job. */
export type StopStep = 'ctrl-c' | 'term' | 'kill';

export interface JobResult {
  status: JobStatus;
  reason: FailureReason | null;
  /** Human-readable explanation of `reason`. */
  message: string | null;
  exitCode: number | null;
  /** Signal name (e.g. 'SIGTERM') that ended the job, or null. */
  signal: string | null;
  /** Step of the stop ladder that ended the job when codex-run stopped it. */
  stoppedBy: StopStep | null;
  startedAt: number | null;
  finishedAt: number;
  /** The job's outcome in one word (set by the job runner; absent for jobs that never started). */
  outcome?: JobOutcome;
  /** Every attempt, oldest first (set by the job runner). */
  attempts?: AttemptInfo[];
  /** What the agent says its sessions cost in US dollars, summed over attempts (Claude Code); absent: not reported. */
  costUsd?: number;
}

/** What the report needs to know about a job before it starts. Env values are never included. */
export interface JobPlanInfo {
  name: string;
  argv: string[];
  /** The job's `agent:` (which adapter explains its failures); absent in events written before it was recorded. */
  agent?: AgentKind;
  workdir: string;
  envKeys: string[];
  timeoutMs: number | null;
  /** Paths relative to the run folder. */
  logFile: string;
  transcriptFile: string;
}

/**
 * Something codex-run did to a job by itself: answered a prompt, declined one, poked an idle
 * agent, marked it blocked, stopped it. Recorded in events.jsonl and the report's interventions.
 */
export interface InterventionInfo {
  at: number;
  /** 'answer' | 'deny' | 'poke' | 'kill' | 'blocked' | 'fail' | 'notify' | 'loop' | 'output-limit' | ... */
  kind: string;
  /** The answer rule behind it (its index in `answers:` and its pattern), or null. */
  rule: { index: number; match: string } | null;
  /** The screen lines that triggered it (bounded). */
  excerpt: string[];
  /** Exactly what was typed, control characters as escapes (`y\\r`), or null. */
  sent: string | null;
  /** blocked: what the agent asks (its question and options, with the keys that choose each). */
  question?: { text: string; options: Array<{ label: string; keys: string[] }> };
  /** Resumes: which resume this is (1-based), the session continued, and why. */
  attempt?: number;
  sessionId?: string;
  why?: string;
  /** Taken from outside through the control socket (src/control/): who asked, `user` or a client's name. */
  by?: string;
}

/** What an agent adapter learned about a job from its output; every field is optional and the latest value wins. */
export interface JobFacts {
  /** The agent's own session id (resumable), e.g. codex's UUID. */
  sessionId?: string;
  /** Tokens the agent reports having used. */
  tokensUsed?: number;
  /** What the agent reports the session cost, in US dollars (Claude Code's `total_cost_usd`). */
  costUsd?: number;
  /** The agent's final message. */
  lastMessage?: string;
  /** The job's first process and how its processes are contained (set by the session at spawn). */
  process?: JobProcessFacts;
}

/** Who the job's process is, so a later codex-run can stop what is left if the runner dies. */
export interface JobProcessFacts {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, or null when unknown (src/util/process-identity.ts). */
  startTime: string | null;
  bootId: string | null;
  /** Which guarantee holds for its processes (src/session/tree-control.ts). */
  containment: 'cgroup' | 'session+marker';
  /** Its cgroup directory, or null. */
  cgroup: string | null;
}

/** One file a job changed; `added`/`removed` are line counts, null for a binary file. */
export interface ChangedFileInfo {
  path: string;
  /** For a rename or copy: the path it had before. */
  from?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';
  added: number | null;
  removed: number | null;
}

/** What a job in a git repository changed (src/workspace/job-workspace.ts). */
export interface JobChanges {
  /** The job's branch (its worktree's, or the checkout's current one) while it exists after the job; null when detached or removed. */
  branch: string | null;
  /** The commit the job started from (null in a repository without commits). */
  base: string | null;
  /** The worktree folder while it is kept; null when the job ran in its own workdir or the worktree was removed. */
  worktree: string | null;
  /** The commit that holds the job's changes on `branch` (`commit: true`, or the agent's own), or null. */
  commit: string | null;
  files: ChangedFileInfo[];
  /** `<job>.patch`, relative to the run folder; null when nothing changed. */
  patchFile: string | null;
}

export type RunEvent =
  | {
      type: 'run-started';
      at: number;
      runId: string;
      runDir: string;
      manifest: string;
      jobs: JobPlanInfo[];
      /** The runner process (pid, start time, boot id), so a later codex-run can tell it crashed. */
      runner?: { pid: number; startTime: string | null; bootId: string | null; pty?: 'native' | 'js' };
      /** `codex-run resume`: the run, job and session this run continues. */
      resumedFrom?: { runId: string; job: string; sessionId: string };
      /** `--shard I/N`: the shard of a plan this run is (src/shard/). */
      shard?: ShardStamp;
      /** `--rerun-failed`: the run whose failed jobs this run runs again. */
      rerunOf?: RerunOf;
    }
  | { type: 'job-state'; at: number; job: string; phase: JobPhase; detail: string | null }
  /** Raw PTY bytes. Hot path: never serialised to events.jsonl. */
  | { type: 'job-output'; at: number; job: string; data: Buffer }
  /** The job's last meaningful output line changed (throttled; for the live display). */
  | { type: 'job-activity'; at: number; job: string; line: string }
  | { type: 'job-intervention'; at: number; job: string; intervention: InterventionInfo }
  /** Facts the agent adapter learned about the job (its session id, tokens, last message); merged into the report. */
  | { type: 'job-facts'; at: number; job: string; facts: JobFacts }
  /** What the job changed in its git repository, announced just before job-finished. */
  | { type: 'job-changes'; at: number; job: string; changes: JobChanges }
  | { type: 'job-finished'; at: number; job: string; result: JobResult }
  | { type: 'warning'; at: number; job: string | null; message: string }
  /** A notification's delivery ended (src/notify/): delivered, failed, abandoned or unavailable. Never holds a URL path or header. */
  | { type: 'notification'; at: number; delivery: NotificationDelivery }
  | { type: 'run-finished'; at: number; status: 'succeeded' | 'failed' | 'interrupted' };

/** How one notification went, for events.jsonl and report.json `notifications`. */
export interface NotificationDelivery {
  /** The event it told about: blocked, failed, finished, usage-limit, run-finished. */
  event: string;
  /** The job it was about, or null for run-finished. */
  job: string | null;
  channel: 'webhook' | 'command' | 'desktop';
  /** Where it went, without secrets: a webhook's scheme://host:port, a command's program name, `notify-send`. */
  target: string;
  outcome: 'delivered' | 'failed' | 'abandoned' | 'unavailable';
  /** Tries made (0 when unavailable). */
  tries: number;
  /** Why the last try failed, or null. */
  error: string | null;
}

export type RunEventListener = (event: RunEvent) => void;

/**
 * A synchronous fan-out of run events. Listeners must be cheap: job-output is on the hot path.
 * Listeners of one job ({@link onJob}) are kept by job name and called after the others, so
 * an event costs the same with 2 running jobs as with 500 (each job's runner listens to its
 * own events only).
 */
export class EventBus {
  // Replaced, never mutated: an emit in progress keeps walking the array it started with,
  // so a listener that unsubscribes during an emit never makes the next one miss the event.
  private listeners: readonly RunEventListener[] = [];
  private readonly jobListeners = new Map<string, readonly RunEventListener[]>();
  /** Applied in order to every event except raw job-output before any listener sees it (secrets: src/logs/redactor.ts). */
  private redactions: ReadonlyArray<(event: RunEvent) => RunEvent> = [];

  on(listener: RunEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Listens to the events of job `job` only (those with `job: <job>`). */
  onJob(job: string, listener: RunEventListener): () => void {
    this.jobListeners.set(job, [...(this.jobListeners.get(job) ?? []), listener]);
    return () => {
      const left = (this.jobListeners.get(job) ?? []).filter((l) => l !== listener);
      if (left.length === 0) this.jobListeners.delete(job);
      else this.jobListeners.set(job, left);
    };
  }

  /** Makes every later event pass through `redact` first (raw job-output excepted); returns its removal. */
  addRedaction(redact: (event: RunEvent) => RunEvent): () => void {
    this.redactions = [...this.redactions, redact];
    return () => {
      this.redactions = this.redactions.filter((r) => r !== redact);
    };
  }

  emit(event: RunEvent): void {
    let shown = event;
    if (event.type !== 'job-output') for (const redact of this.redactions) shown = redact(shown);
    for (const listener of this.listeners) listener(shown);
    if (!('job' in shown) || shown.job === null) return;
    const own = this.jobListeners.get(shown.job);
    if (own !== undefined) for (const listener of own) listener(shown);
  }
}
