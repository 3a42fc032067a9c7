import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ConversationPosition, LaunchPlan, LaunchProblem } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';
import type { JobFiles } from '../logs/job-files.js';
import { resolveInside } from '../logs/safe-name.js';
import { completionOf, renderContinuePrompt, type CompletionSpec } from '../manifest/completion-fields.js';
import { formatDuration } from '../manifest/duration.js';
import { DEFAULT_RESUME_PROMPT } from '../manifest/resume-fields.js';
import { JobSession, withLogError, type StopCause } from '../session/job-session.js';
import { JobSupervision } from '../session/job-supervision.js';
import { DEFAULT_COLS, DEFAULT_ROWS, type PtyFactory } from '../session/pty.js';
import type { TreeControl } from '../session/tree-control.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Result } from '../util/result.js';
import { agentTurns, endedAtLimit } from './agent-turns.js';
import { BudgetMeter } from './budget-meter.js';
import type { AttemptInfo, AttemptPrompt, EventBus, FailureReason, JobResult } from './events.js';
import type { JobPlan } from './plan.js';
import { decideResume, lostContext } from './resume-policy.js';
import { retryable } from './retry-policy.js';
import { clockTime } from '../ui/clock-time.js';
import { renderConversation, type TranscriptItem } from '../logs/conversation-text.js';
import type { JobWorkspace } from '../workspace/job-workspace.js';
import type { SendSpec } from '../session/policies/spec.js';
import type { ScreenSnapshot } from '../session/screen.js';
import type { UsageGate } from './usage-gate.js';
import { runVerify, type VerifyOutcome } from './verify-command.js';
import { exportHandoff } from '../handoff/export-handoff.js';
import { Redactor } from '../logs/redactor.js';
import type { ScreenWorkQueue } from '../session/screen-work.js';

/** Name of the variable that marks every process of a job, so strays can be found by environment. */
export const JOB_MARKER_VARIABLE = 'CODEX_RUN_JOB_TOKEN';

/**
 * Codex prints a usage-limit reset to the minute. When that minute has already begun, the
 * reset is within it: wait this long before trying again (a still-held limit parks again).
 */
export const MIN_LIMIT_WAIT_MS = 2000;

/** How precisely codex prints a usage-limit reset: to the minute. */
export const PRINTED_RESET_RESOLUTION_MS = 60_000;

export interface JobRunnerOptions {
  plan: JobPlan;
  /** The job's open log and transcript; closed by the runner when the job is finished. */
  files: JobFiles;
  runId: string;
  bus: EventBus;
  clock: Clock;
  ptyFactory: PtyFactory;
  tree: TreeControl;
  graceMs: number;
  /** The child's environment for an attempt (rehearsal swaps in a private CODEX_HOME). */
  env: (base: Record<string, string>) => Record<string, string>;
  /** The run folder and the job's file base name there (`<base>.verify-<n>.log`); absent: no verify logs kept. */
  runDir?: string;
  fileBase?: string;
  /** The run's usage-limit gate (one per run); absent: a usage limit ends the job. */
  gate?: UsageGate;
  /** The run's own budget, shared by every job; absent: none. */
  runBudget?: BudgetMeter | null;
  /** Where the job works and what it changed (src/workspace); absent: its workdir as planned, nothing recorded. */
  workspace?: JobWorkspace;
  /** The run's secrets (redacted from the hand-off's session files); absent: this job's own. */
  redactor?: Redactor;
  /** The run's screen work queue (src/session/screen-work.ts); absent: each screen's work runs at once. */
  screenWork?: ScreenWorkQueue;
  /** This job's share of the run's screen burst (src/session/screen-budget.ts); absent: one job's full burst. */
  screenBurstBytes?: number;
}

/** A job someone attached to: its screen at that moment, their keystrokes in, and the way out. */
export interface AttachedJob {
  snapshot: ScreenSnapshot;
  input(data: string): void;
  /** The attached terminal's new size: the job's terminal and screen model take it (not with `watch`); detach restores the job's own size. */
  resize(cols: number, rows: number): void;
  detach(): void;
}

/** One attempt: the first run, or a continuation, resume or retry. */
interface Attempt {
  launch: Result<LaunchPlan, LaunchProblem>;
  prompt: AttemptPrompt;
  /** Resumes after a death so far (the resume policy's count). */
  resumed: number;
  /** The session id the attempt must report, or null for a fresh start. */
  expects: string | null;
  /** The attempt follows a usage-limit park: getting past the limit tells the gate it has reset. */
  afterPark?: boolean;
}

/** What follows an attempt. */
type Next = { kind: 'final'; result: JobResult } | { kind: 'again'; attempt: Attempt };

/** A wait between attempts (usage limit, retry back-off) that a stop cuts short. */
interface Wait {
  cancel(): void;
}

/**
 * Runs one job to its final result. Each attempt runs in a PTY under supervision; what
 * follows depends on how it ended:
 *
 *   attempt ──ended well──▶ verify ──pass──▶ final (verified)
 *      │                      └─fail─▶ until verified, turns and budget left? ──▶ continue (same session)
 *      │                                                   └─no──▶ final (verify-failed / budget-exhausted)
 *      ├──usage limit with a reset──▶ parked at the gate ──reset──▶ resume (same session)
 *      │                                   └─past limits.wait──▶ final (rate-limited)
 *      ├──failed, retry left──▶ back-off ──▶ retry (fresh start)
 *      ├──died, resume left──▶ resume (same session)
 *      └──otherwise──▶ final
 *
 * Every attempt is recorded (`attempts[]`); budgets are checked between attempts, and the
 * wall budget also stops a running attempt through the stop ladder.
 */
export class JobRunner {
  private session: JobSession | null = null;
  private supervision: JobSupervision | null = null;
  private stopped: StopCause | null = null;
  private budgetStop: StopCause | null = null;
  private wait: Wait | null = null;
  /** The latest session id the agent reported, and the one reported during the current attempt. */
  private sessionId: string | null = null;
  private attemptSessionId: string | null = null;
  private attemptTokens: number | null = null;
  private readonly unsubscribe: () => void;
  /** The plan as it runs: the workspace may move the job's workdir into its worktree. */
  private plan: JobPlan;
  private readonly completion: CompletionSpec;
  private readonly attempts: AttemptInfo[] = [];
  /** The agent's reported cost so far (US dollars), summed over attempts; undefined: none reported. */
  private costUsd: number | undefined = undefined;
  private meter: BudgetMeter | null = null;
  /** The running token total codex last reported per session: a resumed session reports its total, not the turn's. */
  private readonly sessionTokens = new Map<string, number>();
  private wallTimer: TimerHandle | null = null;
  /** The environment of the current attempt (where the agent keeps its records). */
  private attemptEnv: Record<string, string> = {};
  /** For the readable transcript: the agent's conversation, codex-run's interventions and attempt markers. */
  private readonly transcriptItems: TranscriptItem[] = [];
  /** Where each session's conversation record was read up to. */
  private readonly conversationRead = new Map<string, ConversationPosition>();
  private lastMessageReported = false;
  /** Clock time the current attempt started. */
  private attemptStartedAt = 0;
  /** Verify runs so far (numbers the verify logs), and whether one is running now. */
  private verifies = 0;
  private verifying = false;
  /** Attempts (turns) started so far, and until when the job is parked at a usage limit (null when not). */
  private turnsStarted = 0;
  private parkedUntil: number | null = null;

  constructor(private readonly o: JobRunnerOptions) {
    this.plan = o.plan;
    // Workspace hook: the agent's last message becomes the commit message.
    const name = o.plan.job.name;
    this.unsubscribeWorkspace = o.bus.onJob(name, (event) => {
      if (event.type === 'job-facts' && event.facts.lastMessage !== undefined) this.lastMessage = event.facts.lastMessage;
    });
    this.completion = o.plan.job.completion ?? completionOf({});
    this.unsubscribe = o.bus.onJob(name, (event) => {
      if (event.type === 'job-intervention') this.transcriptItems.push({ at: event.intervention.at, kind: 'intervention', intervention: event.intervention });
      if (event.type !== 'job-facts') return;
      if (event.facts.lastMessage !== undefined) this.lastMessageReported = true;
      if (event.facts.sessionId !== undefined) {
        this.sessionId = event.facts.sessionId;
        this.attemptSessionId = event.facts.sessionId;
      }
      if (event.facts.tokensUsed !== undefined) this.attemptTokens = event.facts.tokensUsed;
      // Each report of a cost is one session's (one attempt's): summed, as the report does.
      if (event.facts.costUsd !== undefined) this.costUsd = (this.costUsd ?? 0) + event.facts.costUsd;
    });
  }

  /** Runs every attempt; resolves with the final result once the job's files are flushed. */
  async run(): Promise<JobResult> {
    const early = await this.prepareWorkspace();
    if (early !== null) return this.finishJob(early);
    const { plan } = this;
    const { clock } = this.o;
    const meter = new BudgetMeter(this.completion.budget, clock.now(), "the job's");
    this.meter = meter;
    const wallLeft = meter.wallLeft(clock.now());
    if (wallLeft !== null) this.wallTimer = clock.setTimeout(() => this.wallExhausted(meter), wallLeft);
    let attempt: Attempt = { launch: plan.launch, prompt: 'first', resumed: 0, expects: plan.resumeSessionId ?? null };
    let firstStartedAt: number | null = null;
    let final: JobResult;
    for (;;) {
      let result = await this.runAttempt(attempt);
      await this.readConversation(attempt.expects);
      await this.handOff();
      firstStartedAt ??= result.startedAt;
      if (attempt.expects !== null && this.attemptSessionId !== attempt.expects) {
        result = lostContext(result, attempt.expects, this.attemptSessionId);
      }
      const next = await this.after(attempt, result);
      if (next.kind === 'final') {
        // The job started when its first attempt did; later attempts continue it.
        final = { ...next.result, startedAt: firstStartedAt ?? next.result.startedAt };
        break;
      }
      attempt = next.attempt;
    }
    return this.finishJob(final);
  }

  // After an attempt: what the agent's own record says happened (and its last message, when
  // nothing reported one), for the readable transcript. Never fails the job.
  private async readConversation(expects: string | null): Promise<void> {
    const adapter = adapterFor(this.plan.job.agent);
    const fullScreen = adapter.fullScreen?.(this.plan.job) === true;
    // A resumed TUI that did not say its id goes on writing the record of the session it resumed.
    const id = this.attemptSessionId ?? (fullScreen ? expects : null);
    // Only what it is needed for: a full-screen job's transcript (found by its workdir and start
    // when it was stopped before it said its session id), or a last message nobody reported.
    if (adapter.conversation === undefined || (id === null && !fullScreen) || (!fullScreen && this.lastMessageReported)) return;
    const key = id ?? `started:${this.attemptStartedAt}`;
    const hint = { id, workdir: this.plan.job.workdir, startedAt: this.attemptStartedAt };
    const read = await adapter.conversation(this.attemptEnv, hint, this.conversationRead.get(key) ?? null).catch(() => null);
    if (read === null) return;
    const firstRead = !this.conversationRead.has(key);
    this.conversationRead.set(key, read.position);
    // What this attempt added: a session resumed from an earlier run has its old conversation in the record too.
    const since = this.attemptStartedAt - 1_000;
    const entries = firstRead && expects !== null ? read.entries.filter((e) => e.at >= since) : read.entries;
    // A TUI stopped before it said its session id: its record names it, so the job can still be resumed
    // (a resumed one: when the record it resumed grew during this attempt).
    if (this.attemptSessionId === null && read.sessionId !== undefined && (hint.id === null || entries.some((e) => e.at >= since))) {
      this.o.bus.emit({ type: 'job-facts', at: this.o.clock.now(), job: this.plan.job.name, facts: { sessionId: read.sessionId } });
    }
    for (const entry of entries) this.transcriptItems.push({ at: entry.at, kind: 'entry', entry });
    if (read.lastMessage !== null && !this.lastMessageReported) {
      this.o.bus.emit({ type: 'job-facts', at: this.o.clock.now(), job: this.plan.job.name, facts: { lastMessage: read.lastMessage } });
    }
  }

  // After an attempt: what continuing the session on another machine needs, in `<job>.agent/`
  // (src/handoff/). A problem is a warning; the job goes on.
  private async handOff(): Promise<void> {
    const { runDir, clock, bus } = this.o;
    const adapter = adapterFor(this.plan.job.agent);
    if (runDir === undefined || this.sessionId === null || adapter.exportSession === undefined) return;
    const problem = await exportHandoff({
      adapter,
      env: this.attemptEnv,
      job: this.plan.job.name,
      workdir: this.plan.job.workdir,
      runId: this.o.runId,
      sessionId: this.sessionId,
      runDir,
      fileBase: this.o.fileBase ?? this.plan.job.name,
      workspace: this.o.workspace ?? null,
      redactor: this.o.redactor ?? Redactor.forJobs([{ env: this.attemptEnv, secrets: this.plan.job.secrets }]),
      now: clock.now(),
    }).catch((error: unknown) => (error as Error).message);
    if (problem !== null) bus.emit({ type: 'warning', at: clock.now(), job: this.plan.job.name, message: `cannot keep what resuming on another machine needs: ${problem}` });
  }

  /** Stops the current attempt through the stop ladder (or ends a wait); nothing follows. */
  stop(cause: StopCause, options: { immediate?: boolean } = {}): void {
    this.stopped = cause;
    this.wait?.cancel();
    this.session?.stop(cause, options);
  }

  // After the last attempt: the workspace's changes are announced, then the job's files are closed.
  private async finishJob(final: JobResult): Promise<JobResult> {
    const { files, clock } = this.o;
    if (this.wallTimer !== null) clock.clearTimeout(this.wallTimer);
    this.unsubscribe();
    await this.finishWorkspace();
    await files.close();
    // A full-screen agent's decoded output is a redrawn screen: its conversation reads better
    // (written over the closed transcript: replaceTranscript needs the stream finished).
    if (adapterFor(this.plan.job.agent).fullScreen?.(this.plan.job) === true && this.transcriptItems.some((i) => i.kind === 'entry')) {
      await files.replaceTranscript(renderConversation(this.transcriptItems));
    }
    const outcome = final.status === 'succeeded' ? (final.outcome ?? 'succeeded') : (final.reason ?? final.status);
    return withLogError({ ...final, outcome, attempts: this.attempts, ...(this.costUsd !== undefined ? { costUsd: this.costUsd } : {}) }, files.error());
  }

  // ---- Workspace hooks (src/workspace/job-workspace.ts): before the first attempt, after the last. ----
  private lastMessage: string | null = null;
  private readonly unsubscribeWorkspace: () => void;

  /** Moves the job into its workspace (its worktree) and plans it there; a result when it cannot start. */
  private async prepareWorkspace(): Promise<JobResult | null> {
    const { workspace, clock } = this.o;
    if (workspace === undefined) return null;
    const prepared = await workspace.prepare();
    const now = clock.now();
    // The job ends before any attempt: no process, no exit.
    const ended = (status: JobResult['status'], reason: JobResult['reason'], message: string): JobResult => ({ status, reason, message, exitCode: null, signal: null, stoppedBy: null, startedAt: null, finishedAt: now });
    if (!prepared.ok) return ended('failed', 'workspace-failed', prepared.error);
    if (prepared.value.workdir !== this.plan.job.workdir) {
      const job = prepared.value;
      this.plan = { ...this.plan, job, launch: adapterFor(job.agent).plan(job, this.plan.env) };
    }
    if (this.stopped !== null) return ended(this.stopped.status, this.stopped.reason, this.stopped.message);
    return null;
  }

  /** Records what the job changed (job-changes, warnings) and tidies its worktree. */
  private async finishWorkspace(): Promise<void> {
    this.unsubscribeWorkspace();
    const { workspace, bus, clock } = this.o;
    if (workspace === undefined) return;
    const job = this.plan.job.name;
    const outcome = await workspace.finish(this.lastMessage);
    for (const message of outcome.warnings) bus.emit({ type: 'warning', at: clock.now(), job, message });
    if (outcome.changes !== null) bus.emit({ type: 'job-changes', at: clock.now(), job, changes: outcome.changes });
  }
  // ---- end of workspace hooks ----

  /** The current attempt's agent pid, while it runs. */
  get pid(): number | null {
    return this.session?.pid ?? null;
  }

  /** The current screen with its classified state, while an attempt is watched. */
  inspect(): ReturnType<JobSupervision['inspect']> | null {
    return this.supervision?.inspect() ?? null;
  }

  /** Types what someone sent from outside (`codex-run send`); false when no attempt is running. */
  sendFromOutside(spec: SendSpec, by: string): boolean {
    const supervision = this.supervision;
    if (supervision === null || this.session?.pid == null) return false;
    return supervision.typeFromOutside(supervision.stepsFor(spec), by);
  }

  /**
   * `codex-run kill`: the stop ladder, recorded as killed by `by`; false when the job is not
   * running. Between attempts (parked at a usage limit, a retry back-off, verifying) it ends the
   * job there, with the same reason.
   */
  killFromOutside(by: string): boolean {
    const between = this.wait !== null || this.verifying;
    if ((this.session?.pid == null && !between) || this.stopped !== null) return false;
    const now = this.o.clock.now();
    this.o.bus.emit({
      type: 'job-intervention',
      at: now,
      job: this.plan.job.name,
      intervention: { at: now, kind: 'kill', rule: null, excerpt: [], sent: null, by },
    });
    this.stop({ status: 'killed', reason: 'killed-by-user', message: `killed by ${by} (codex-run kill)` });
    return true;
  }

  /**
   * `codex-run attach`: streams the job's output to `onOutput` from now on and, unless
   * `watch`, pauses supervision and takes keystrokes until `detach()` (recorded as `attach`
   * and `detach` interventions by `by`). Null when no attempt is running.
   */
  /** For `ps`: the attempts (turns) started so far, and until when the job is parked at a usage limit (epoch ms; null when it is not). */
  progress(): { turns: number; parkedUntil: number | null } {
    return { turns: this.turnsStarted, parkedUntil: this.parkedUntil };
  }

  attachFromOutside(options: { watch: boolean; by: string; onOutput(data: Buffer): void; onEnd(): void }): AttachedJob | null {
    const supervision = this.supervision;
    const look = supervision?.inspect() ?? null;
    if (supervision === null || look === null || this.session?.pid == null) return null;
    const name = this.plan.job.name;
    const record = (kind: 'attach' | 'detach'): void => {
      const now = this.o.clock.now();
      this.o.bus.emit({ type: 'job-intervention', at: now, job: name, intervention: { at: now, kind, rule: null, excerpt: [], sent: null, by: options.by } });
    };
    let attached = true;
    const session = this.session;
    const original = session.size;
    let resized = false;
    const resize = (cols: number, rows: number): void => {
      // Only the attempt attached to: a later attempt has a terminal of its own.
      if (this.session !== session) return;
      session.resize(cols, rows);
      supervision.resize(cols, rows);
    };
    // Every byte from now on, not the bounded tails a flooding job's PTY sends otherwise.
    const unwatch = session.watchOutput();
    const off = this.o.bus.onJob(name, (event) => {
      if (event.type === 'job-output') options.onOutput(event.data);
      if (event.type === 'job-finished') {
        detach();
        options.onEnd();
      }
    });
    const detach = (): void => {
      if (!attached) return;
      attached = false;
      off();
      unwatch();
      if (options.watch) return;
      if (resized) resize(original.cols, original.rows);
      record('detach');
      supervision.resumeSupervision();
    };
    if (!options.watch) {
      record('attach');
      supervision.pauseSupervision();
    }
    return {
      snapshot: look.snapshot,
      input: (data) => {
        if (attached && !options.watch) supervision.typeAttached(data);
      },
      resize: (cols, rows) => {
        if (!attached || options.watch) return;
        resized = true;
        resize(cols, rows);
      },
      detach,
    };
  }

  // Decides what follows an attempt that ended with `result`, recording the attempt.
  private async after(attempt: Attempt, result: JobResult): Promise<Next> {
    const { plan } = this;
    const { job } = plan;
    const c = this.completion;
    const tokens = this.turnTokens(attempt);
    const record: AttemptInfo = {
      n: this.attempts.length + 1,
      startedAt: result.startedAt,
      endedAt: result.finishedAt,
      reason: result.status === 'succeeded' ? 'succeeded' : (result.reason ?? result.status),
      sessionId: this.attemptSessionId,
      tokens,
      prompt: attempt.prompt,
    };
    this.attempts.push(record);
    // An attempt turned away at the usage limit is no agent turn (its tokens still count).
    const turn = !endedAtLimit(record.reason);
    this.meter?.add(tokens, turn);
    this.o.runBudget?.add(tokens, turn);
    if (attempt.afterPark === true && turn) this.o.gate?.confirm(job.agent);
    if (this.stopped !== null) return { kind: 'final', result };
    if (this.budgetStop !== null) return { kind: 'final', result: this.failed(result, 'budget-exhausted', this.budgetStop.message) };

    if (result.status === 'succeeded') {
      if (c.verify === null) return { kind: 'final', result };
      this.verifying = true;
      const verified = await this.verify().finally(() => {
        this.verifying = false;
      });
      record.verify = { exitCode: verified.exitCode, passed: verified.passed, logFile: verified.logFile, tail: verified.tail };
      record.reason = verified.passed ? 'verified' : 'verify-failed';
      if (verified.passed) return { kind: 'final', result: { ...result, outcome: 'verified' } };
      const why = `verify \`${c.verify.display}\` failed (${verified.problem ?? `exit ${verified.exitCode}`}); output in ${verified.logFile}`;
      // A stop that came while verify ran (a kill, an interrupt, the wall budget) ends the job with its cause.
      const stoppedMeanwhile = this.stopCause();
      if (stoppedMeanwhile !== null) return { kind: 'final', result: { ...result, ...stoppedMeanwhile, finishedAt: this.o.clock.now() } };
      if (!c.untilVerified) return { kind: 'final', result: this.failed(result, 'verify-failed', why) };
      const turns = agentTurns(this.attempts);
      if (turns >= c.maxTurns) return { kind: 'final', result: this.failed(result, 'verify-failed', `${why}, after ${turns} turn${turns === 1 ? '' : 's'} (maxTurns ${c.maxTurns})`) };
      const exhausted = this.exhausted();
      if (exhausted !== null) return { kind: 'final', result: this.failed(result, 'budget-exhausted', `${exhausted}; ${why}`) };
      const prompt = renderContinuePrompt(c.continuePrompt, { command: c.verify.display, exitCode: verified.exitCode, tail: verified.tail });
      const adapter = adapterFor(job.agent);
      if (adapter.resumePlan === undefined) return { kind: 'again', attempt: { launch: adapter.plan(job, plan.env), prompt: 'continue', resumed: attempt.resumed, expects: null } };
      if (this.sessionId === null) return { kind: 'final', result: this.failed(result, 'verify-failed', `${why}; the agent reported no session id to continue`) };
      this.announce('continue', this.sessionId, turns + 1, why);
      return {
        kind: 'again',
        attempt: { launch: adapter.resumePlan(job, this.o.env(plan.env), this.sessionId, prompt, { private: true }), prompt: 'continue', resumed: attempt.resumed, expects: this.sessionId },
      };
    }

    const limited = await this.usageLimit(result);
    if (limited !== null) return limited;

    // A death the session can pick up from is resumed first; a retry starts afresh.
    const decision = decideResume(job, result, this.sessionId, attempt.resumed);
    const adapter = adapterFor(job.agent);
    if (decision.kind === 'resume' && adapter.resumePlan !== undefined) {
      const exhausted = this.exhausted();
      if (exhausted !== null) return { kind: 'final', result: this.failed(result, 'budget-exhausted', `${exhausted}; the last attempt: ${result.message ?? result.status}`) };
      this.announce('resume', decision.sessionId, decision.attempt, decision.why);
      return {
        kind: 'again',
        attempt: {
          launch: adapter.resumePlan(job, this.o.env(plan.env), decision.sessionId, decision.prompt),
          prompt: 'resume',
          resumed: decision.attempt,
          expects: decision.sessionId,
        },
      };
    }

    const retry = c.retry;
    if (retry !== null && retryable(result.reason) && this.attempts.filter((a) => a.prompt === 'retry').length < retry.max) {
      const exhausted = this.exhausted();
      if (exhausted !== null) return { kind: 'final', result: this.failed(result, 'budget-exhausted', `${exhausted}; the last attempt: ${result.message ?? result.status}`) };
      this.announce('retry', null, record.n + 1, `${result.reason ?? result.status}: ${result.message ?? ''}`.replace(/: $/, ''));
      const waited = await this.pause(retry.backoffMs, `retrying in ${formatDuration(retry.backoffMs)}`);
      const cut = this.stopCause();
      if (!waited) return { kind: 'final', result: cut === null ? result : { ...result, ...cut, finishedAt: this.o.clock.now() } };
      // A fresh launch: codex's private folder (its prompt file is created exclusively) is per run.
      return { kind: 'again', attempt: { launch: adapterFor(job.agent).plan(job, plan.env), prompt: 'retry', resumed: attempt.resumed, expects: null } };
    }

    return { kind: 'final', result };
  }

  // A usage limit with a known reset: park at the gate and resume the same session after it.
  private async usageLimit(result: JobResult): Promise<Next | null> {
    const { plan } = this;
    const { clock } = this.o;
    const { job } = plan;
    if (result.reason !== 'usage-limit' && result.reason !== 'rate-limited') return null;
    const gate = this.o.gate;
    const adapter = adapterFor(job.agent);
    const printed = adapter.usageLimitReset?.(result.message ?? '', clock.now()) ?? null;
    if (gate === undefined || printed === null || adapter.resumePlan === undefined) return null;
    const now = clock.now();
    const resetAt = printed > now ? printed : now + MIN_LIMIT_WAIT_MS;
    // The printed minute is all that is known: the reset may come as late as its end.
    const latestResetAt = Math.max(resetAt, printed + PRINTED_RESET_RESOLUTION_MS);
    const sessionId = this.sessionId;
    const resumeHint = sessionId === null ? '' : `; resume it later with \`codex-run resume ${job.name}\` (session ${sessionId})`;
    if (resetAt - now > this.completion.limitsWaitMs) {
      return {
        kind: 'final',
        result: this.failed(result, 'rate-limited', `usage limit resets ${clockTime(resetAt, now)}, beyond limits.wait (${formatDuration(this.completion.limitsWaitMs)})${resumeHint}`),
      };
    }
    if (sessionId === null) return null;
    const exhausted = this.exhausted(resetAt);
    if (exhausted !== null) return { kind: 'final', result: this.failed(result, 'budget-exhausted', `${exhausted} before the usage limit resets${resumeHint}`) };
    const ticket = gate.park(job.agent, job.name, resetAt, latestResetAt);
    this.wait = ticket;
    this.parkedUntil = ticket.releaseAt;
    this.o.bus.emit({ type: 'job-state', at: now, job: job.name, phase: 'running', detail: `waiting: usage limit, resets ${clockTime(resetAt, now)} (in ${formatDuration(Math.ceil(Math.max(0, ticket.releaseAt - now) / 1000) * 1000)})` });
    this.o.bus.emit({
      type: 'job-intervention',
      at: now,
      job: job.name,
      intervention: { at: now, kind: 'usage-limit', rule: null, excerpt: [], sent: null, sessionId, why: `${result.message ?? 'usage limit'}; parked until ${new Date(ticket.releaseAt).toISOString()}` },
    });
    const released = await ticket.released;
    this.wait = null;
    this.parkedUntil = null;
    const cut = this.stopCause();
    if (!released) return { kind: 'final', result: cut === null ? result : { ...result, ...cut, finishedAt: clock.now() } };
    const prompt = job.resume?.prompt ?? DEFAULT_RESUME_PROMPT;
    this.announce('resume', sessionId, this.attempts.length + 1, 'the usage limit has reset');
    return { kind: 'again', attempt: { launch: adapter.resumePlan(job, this.o.env(plan.env), sessionId, prompt), prompt: 'resume', resumed: 0, expects: sessionId, afterPark: true } };
  }

  // The tokens of the attempt just ended. Codex reports a resumed session's running total
  // (measured with codex-cli 0.169: `tokens used` after `exec resume` includes the earlier
  // turns), so a continuation or resume counts the difference from the session's last total.
  private turnTokens(attempt: Attempt): number | null {
    const reported = this.attemptTokens;
    if (reported === null) return null;
    const before = attempt.expects === null ? 0 : (this.sessionTokens.get(attempt.expects) ?? 0);
    if (this.attemptSessionId !== null) this.sessionTokens.set(this.attemptSessionId, reported);
    return Math.max(0, reported - before);
  }

  // What stopped the job from outside (an interrupt, the wall budget), read fresh after a wait.
  private stopCause(): StopCause | null {
    return this.stopped ?? this.budgetStop;
  }

  // Why no further turn may start (job or run budget), or null.
  private exhausted(at: number = this.o.clock.now()): string | null {
    return this.meter?.exhausted(at) ?? this.o.runBudget?.exhausted(at) ?? null;
  }

  private failed(result: JobResult, reason: FailureReason, message: string): JobResult {
    return { ...result, status: 'failed', reason, message };
  }

  // The wall budget ran out: stop the running attempt through the ladder, or end the wait.
  private wallExhausted(meter: BudgetMeter): void {
    // A token or turn budget used up says so first; otherwise it is the wall budget, whatever now() says.
    const message = meter.exhausted(this.o.clock.now()) ?? meter.wallUsedUp();
    this.budgetStop = { status: 'failed', reason: 'budget-exhausted', message };
    this.wait?.cancel();
    this.session?.stop(this.budgetStop);
  }

  private async verify(): Promise<VerifyOutcome> {
    const { plan } = this;
    this.verifies += 1;
    const n = this.verifies;
    const { clock, bus } = this.o;
    const verify = this.completion.verify;
    if (verify === null) throw new Error('Internal error: verify without a verify spec');
    const base = this.o.fileBase ?? plan.job.name;
    const logFile = `${base}.verify-${n}.log`;
    const runDir = this.o.runDir ?? plan.job.workdir;
    bus.emit({ type: 'job-state', at: clock.now(), job: plan.job.name, phase: 'running', detail: `verifying: ${verify.display}` });
    return runVerify({
      verify,
      cwd: plan.job.workdir,
      env: plan.env,
      logPath: this.o.runDir === undefined ? path.join(runDir, logFile) : resolveInside(runDir, logFile),
      logFile,
      clock,
    });
  }

  // A wait that a stop or the wall budget cuts short; resolves false when cut short.
  private pause(ms: number, detail: string): Promise<boolean> {
    const { clock, bus, plan } = this.o;
    bus.emit({ type: 'job-state', at: clock.now(), job: plan.job.name, phase: 'running', detail });
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.wait = null;
        resolve(true);
      }, ms);
      this.wait = {
        cancel: () => {
          clock.clearTimeout(timer);
          this.wait = null;
          resolve(false);
        },
      };
    });
  }

  private announce(kind: 'resume' | 'continue' | 'retry', sessionId: string | null, attempt: number, why: string): void {
    const at = this.o.clock.now();
    this.o.bus.emit({
      type: 'job-intervention',
      at,
      job: this.plan.job.name,
      intervention: { at, kind, rule: null, excerpt: [], sent: null, attempt, ...(sessionId === null ? {} : { sessionId }), why },
    });
    // The transcript marks where the next attempt starts (the byte-exact log does not).
    const next = this.attempts.length + 1;
    const text =
      kind === 'resume' ? `attempt ${next}: resuming session ${sessionId ?? '?'} after ${why}`
      : kind === 'continue' ? `attempt ${next}: continuing session ${sessionId ?? '?'}: ${why}`
      : `attempt ${next}: retrying after ${why}`;
    const marker = `──── ${text} ────`;
    this.o.files.mark(marker);
    this.transcriptItems.push({ at, kind: 'marker', text: marker });
  }

  private runAttempt(attempt: Attempt): Promise<JobResult> {
    const { bus, clock } = this.o;
    const { plan } = this;
    const { job } = plan;
    const marker = { name: JOB_MARKER_VARIABLE, value: `${this.o.runId}:${randomBytes(8).toString('hex')}` };
    this.attemptSessionId = null;
    this.lastMessageReported = false;
    this.turnsStarted++;
    this.attemptStartedAt = clock.now();
    this.attemptEnv = { ...this.o.env(plan.env), [marker.name]: marker.value };
    this.attemptTokens = null;
    // Supervision acts on the session, which is created right after it.
    const supervision = new JobSupervision({
      job,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
      clock,
      bus,
      decline: plan.decline,
      builtinRules: plan.builtinRules,
      screenWork: this.o.screenWork,
      ...(this.o.screenBurstBytes !== undefined ? { screenBurstBytes: this.o.screenBurstBytes } : {}),
      target: {
        write: (data) => session.write(data),
        stop: (cause, stopOptions) => session.stop(cause, stopOptions),
      },
    });
    const session: JobSession = new JobSession({
      job,
      observer: supervision,
      launch: attempt.launch,
      env: this.attemptEnv,
      interruptFirst: plan.interruptFirst,
      sink: this.o.files,
      bus,
      clock,
      ptyFactory: this.o.ptyFactory,
      tree: this.o.tree,
      marker,
      graceMs: this.o.graceMs,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
    });
    this.session = session;
    this.supervision = supervision;
    // A full-screen agent's decoded output is redraw debris: its live line comes from its screen.
    const adapter = adapterFor(job.agent);
    const pick = adapter.fullScreen?.(job) === true ? adapter.screenActivity : undefined;
    if (pick !== undefined) {
      this.o.files.setLiveLine(() => {
        const snap = supervision.lastSnapshot();
        return snap === null ? null : pick(snap);
      });
    }
    return session.start();
  }
}
