import { randomBytes } from 'node:crypto';
import type { LaunchPlan, LaunchProblem } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';
import type { JobFiles } from '../logs/job-files.js';
import { JobSession, withLogError, type StopCause } from '../session/job-session.js';
import { JobSupervision } from '../session/job-supervision.js';
import { DEFAULT_COLS, DEFAULT_ROWS, type PtyFactory } from '../session/pty.js';
import type { TreeControl } from '../session/tree-control.js';
import type { Clock } from '../util/clock.js';
import type { Result } from '../util/result.js';
import type { EventBus, JobResult } from './events.js';
import type { JobPlan } from './plan.js';
import { decideResume, lostContext } from './resume-policy.js';
import type { JobWorkspace } from '../workspace/job-workspace.js';
import type { SendSpec } from '../session/policies/spec.js';
import type { ScreenSnapshot } from '../session/screen.js';

/** Name of the variable that marks every process of a job, so strays can be found by environment. */
export const JOB_MARKER_VARIABLE = 'CODEX_RUN_JOB_TOKEN';

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
  /** Where the job works and what it changed (src/workspace); absent: its workdir as planned, nothing recorded. */
  workspace?: JobWorkspace;
}

/** A job someone attached to: its screen at that moment, their keystrokes in, and the way out. */
export interface AttachedJob {
  snapshot: ScreenSnapshot;
  input(data: string): void;
  detach(): void;
}

/** One attempt: the first run, or a resume of the session it expects to continue. */
interface Attempt {
  launch: Result<LaunchPlan, LaunchProblem>;
  resumed: number;
  /** The session id a resume must report, or null for the first attempt. */
  expects: string | null;
}

/**
 * Runs one job to its final result: an attempt in a PTY under supervision, then, while the
 * resume policy says so, resumes of the agent's session by id, all into the same log.
 *
 *   attempt ──ended──▶ (resume policy) ──resume──▶ attempt ...
 *                             └──final──▶ files closed ──▶ result
 */
export class JobRunner {
  private session: JobSession | null = null;
  private supervision: JobSupervision | null = null;
  private stopped: StopCause | null = null;
  /** The latest session id the agent reported, and the one reported during the current attempt. */
  private sessionId: string | null = null;
  private attemptSessionId: string | null = null;
  private readonly unsubscribe: () => void;
  /** The plan as it runs: the workspace may move the job's workdir into its worktree. */
  private plan: JobPlan;

  constructor(private readonly o: JobRunnerOptions) {
    this.plan = o.plan;
    // Workspace hook: the agent's last message becomes the commit message.
    this.unsubscribeWorkspace = o.bus.on((event) => {
      if (event.type === 'job-facts' && event.job === o.plan.job.name && event.facts.lastMessage !== undefined) this.lastMessage = event.facts.lastMessage;
    });
    const name = o.plan.job.name;
    this.unsubscribe = o.bus.on((event) => {
      if (event.type !== 'job-facts' || event.job !== name || event.facts.sessionId === undefined) return;
      this.sessionId = event.facts.sessionId;
      this.attemptSessionId = event.facts.sessionId;
    });
  }

  /** Runs every attempt; resolves with the final result once the job's files are flushed. */
  async run(): Promise<JobResult> {
    const early = await this.prepareWorkspace();
    if (early !== null) return this.finishJob(early);
    const { plan } = this;
    let attempt: Attempt = { launch: plan.launch, resumed: 0, expects: plan.resumeSessionId ?? null };
    let firstStartedAt: number | null = null;
    for (;;) {
      let result = await this.runAttempt(attempt);
      // The job started when its first attempt did; resumes continue it.
      firstStartedAt ??= result.startedAt;
      result = { ...result, startedAt: firstStartedAt ?? result.startedAt };
      if (attempt.expects !== null && this.attemptSessionId !== attempt.expects) {
        result = lostContext(result, attempt.expects, this.attemptSessionId);
      }
      const decision = this.stopped === null ? decideResume(plan.job, result, this.sessionId, attempt.resumed) : { kind: 'final' as const };
      const adapter = adapterFor(plan.job.agent);
      if (decision.kind === 'final' || adapter.resumePlan === undefined) return this.finishJob(result);
      this.o.bus.emit({
        type: 'job-intervention',
        at: this.o.clock.now(),
        job: plan.job.name,
        intervention: {
          at: this.o.clock.now(),
          kind: 'resume',
          rule: null,
          excerpt: [],
          sent: null,
          attempt: decision.attempt,
          sessionId: decision.sessionId,
          why: decision.why,
        },
      });
      attempt = {
        launch: adapter.resumePlan(plan.job, plan.env, decision.sessionId, decision.prompt),
        resumed: decision.attempt,
        expects: decision.sessionId,
      };
    }
  }

  /** Stops the current attempt through the stop ladder; no resume follows. */
  stop(cause: StopCause, options: { immediate?: boolean } = {}): void {
    this.stopped = cause;
    this.session?.stop(cause, options);
  }

  // After the last attempt: the workspace's changes are announced, then the job's files are closed.
  private async finishJob(result: JobResult): Promise<JobResult> {
    this.unsubscribe();
    await this.finishWorkspace();
    await this.o.files.close();
    return withLogError(result, this.o.files.error());
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

  /** `codex-run kill`: the stop ladder, recorded as killed by `by`; false when the job is not running. */
  killFromOutside(by: string): boolean {
    if (this.session?.pid == null || this.stopped !== null) return false;
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
    const off = this.o.bus.on((event) => {
      if (event.type === 'job-output' && event.job === name) options.onOutput(event.data);
      if (event.type === 'job-finished' && event.job === name) {
        detach();
        options.onEnd();
      }
    });
    const detach = (): void => {
      if (!attached) return;
      attached = false;
      off();
      if (options.watch) return;
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
      detach,
    };
  }

  private runAttempt(attempt: Attempt): Promise<JobResult> {
    const { bus, clock } = this.o;
    const { plan } = this;
    const { job } = plan;
    const marker = { name: JOB_MARKER_VARIABLE, value: `${this.o.runId}:${randomBytes(8).toString('hex')}` };
    this.attemptSessionId = null;
    // Supervision acts on the session, which is created right after it.
    const supervision = new JobSupervision({
      job,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
      clock,
      bus,
      decline: plan.decline,
      target: {
        write: (data) => session.write(data),
        stop: (cause, stopOptions) => session.stop(cause, stopOptions),
      },
    });
    const session: JobSession = new JobSession({
      job,
      observer: supervision,
      launch: attempt.launch,
      env: { ...this.o.env(plan.env), [marker.name]: marker.value },
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
    return session.start();
  }
}
