import { procTreeControl, type TreeControl } from '../session/tree-control.js';
import { ptyFactoryFor, resolvePtyBackend, type PtyBackendKind } from '../session/pty-backend.js';
import type { StopCause } from '../session/job-session.js';
import type { PtyFactory } from '../session/pty.js';
import type { Rehearsal } from '../rehearsal/rehearse-run.js';
import { JobRunner } from './job-runner.js';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { TurnGate } from '../util/turn-gate.js';
import { burstShare } from '../session/screen-budget.js';
import { ScreenWorkQueue } from '../session/screen-work.js';
import { preloadScreenModel } from '../session/screen.js';
import { explainStartFailure, FDS_PER_JOB, fitConcurrency, readFdUsage } from './fd-budget.js';

/** Jobs started per event-loop turn when many are ready at once (see src/util/turn-gate.ts). */
const START_PER_TURN = 10;
import type { EventBus, JobResult } from './events.js';
import type { JobPlan, RunPlan } from './plan.js';
import type { JobSpec } from '../manifest/model.js';
import { openRunOutputs, type RunOutputs } from './run-outputs.js';
import type { TextReportOptions } from '../report/text-reports.js';
import { Redactor } from '../logs/redactor.js';
import { JobWorkspace } from '../workspace/job-workspace.js';
import { UsageGate } from './usage-gate.js';
import { BudgetMeter } from './budget-meter.js';
import type { Notifier } from '../notify/notifier.js';

export interface RunOptions {
  /** Parent folder of run folders. */
  runsRoot: string;
  bus: EventBus;
  clock: Clock;
  graceMs: number;
  /** Defaults to the real node-pty host (loaded on first use). */
  ptyFactory?: PtyFactory;
  tree?: TreeControl;
  /**
   * Starts the rehearsal (a scripted model for codex jobs, `--rehearse`) once the run folder
   * exists; absent for a real run. A failure is recorded as every job's failure, never a
   * half-written run folder.
   */
  rehearsal?: StartRehearsal;
  /** Redact secrets in the raw job logs too (the manifest's `redactRawLog`); derived files are always redacted. */
  redactRawLog?: boolean;
  /** The runner's environment, for `${VAR}` in notification webhooks and for notify commands; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The longest the end of the run waits for notifications in flight (default 5s). */
  notifyFlushMs?: number;
  /** Where else the text reports go (`--junit`, `$GITHUB_STEP_SUMMARY`). */
  reports?: TextReportOptions;
  /** Random numbers in [0, 1) for the usage-limit release jitter (tests pin it). Default Math.random. */
  random?: () => number;
}

/** Starts a rehearsal for these jobs inside the run folder (see src/rehearsal/rehearse-run.ts). */
export type StartRehearsal = (jobs: JobSpec[], options: { parentDir: string; clock: Clock }) => Promise<Result<Rehearsal, string>>;

/** How a run ended. */
export interface RunOutcome {
  runId: string;
  runDir: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  results: Array<{ name: string; result: JobResult }>;
  /** The final report.json text. */
  reportJson: string;
  /** Where the final report was written instead of the run folder (its disk was full), or null. */
  reportFallback: string | null;
  /** Reports (report.md, report.html, report.junit.xml, `--junit`, the step summary) that could not be written; also in report.json's warnings. */
  reportWarnings: string[];
}

/** A started run: interrupt it, or wait for it. */
export interface RunHandle {
  readonly runId: string;
  readonly runDir: string;
  /** First call: stop every job through the ladder and start no more. With `immediate`: skip the grace periods. */
  interrupt(immediate: boolean): void;
  readonly finished: Promise<RunOutcome>;
  /** A job that is running now, for control from outside (src/control/), or null. */
  liveJob(name: string): JobRunner | null;
  /** `codex-run stop`: records who asked on every running job, then interrupts as a first Ctrl-C does. */
  interruptBy(by: string): void;
}

const NOT_STARTED = 'not started: the run was interrupted';
const INTERRUPTED: StopCause = { status: 'interrupted', reason: 'interrupted', message: 'the run was interrupted' };
const NOT_STARTED_BUDGET = "not started: the run's budget is used up";

/**
 * The run as a whole.
 *
 *   running ──all jobs finished──▶ closing ──outputs flushed──▶ finished
 *      │ interrupt()
 *      ▼
 *   interrupting (no new jobs; running ones on the stop ladder) ──all finished──▶ closing
 */
type RunState =
  | { kind: 'running' }
  | { kind: 'interrupting' }
  | { kind: 'closing' }
  | { kind: 'finished' };

class Run implements RunHandle {
  private state: RunState = { kind: 'running' };
  private readonly queue: JobPlan[];
  private readonly active = new Map<string, JobRunner>();
  /** Jobs whose files are being created, or that wait for their start turn. */
  private readonly starting = new Set<string>();
  private readonly startTurns = new TurnGate(START_PER_TURN);
  /** The jobs' screens share the thread by turns (src/session/screen-work.ts): a reply is not read behind other jobs' bursts. */
  private readonly screenWork = new ScreenWorkQueue();
  /** Each job's share of the run's screen burst (src/session/screen-budget.ts), by the jobs that run at once. */
  private readonly screenBurstBytes: number;
  private readonly results = new Map<string, JobResult>();
  private resolveFinished!: (outcome: RunOutcome) => void;
  readonly finished: Promise<RunOutcome>;
  /** One usage-limit gate per agent kind: no new job of a kind starts while its limit holds. */
  private readonly gate: UsageGate;
  /** The run's top-level budget, shared by its jobs; null: none. */
  private readonly budget: BudgetMeter | null;
  private budgetTimer: ReturnType<Clock['setTimeout']> | null = null;
  /** Jobs at once: the plan's, lowered by the open-file budget (src/run/fd-budget.ts). */
  private concurrency: number;

  constructor(
    readonly runId: string,
    readonly runDir: string,
    private readonly plan: RunPlan,
    private readonly outputs: RunOutputs,
    private readonly options: RunOptions & {
      ptyFactory: PtyFactory;
      tree: TreeControl;
      activeRehearsal: Rehearsal | null;
      redactor: Redactor;
      notifier: Notifier | null;
      /** Descriptors one running job holds in the runner (src/run/fd-budget.ts). */
      fdsPerJob: number;
    },
  ) {
    this.queue = [...plan.jobs];
    this.concurrency = plan.concurrency;
    this.screenBurstBytes = burstShare(Math.min(plan.concurrency, plan.jobs.length));
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    this.gate = new UsageGate(options.clock, options.random);
    this.gate.onOpen(() => {
      this.fill();
      this.maybeClose();
    });
    const spec = plan.manifest.budget;
    this.budget = spec === undefined ? null : new BudgetMeter(spec, options.clock.now(), "the run's");
  }

  begin(): void {
    const budget = this.budget;
    const wallLeft = budget?.wallLeft(this.options.clock.now()) ?? null;
    if (budget !== null && wallLeft !== null) this.budgetTimer = this.options.clock.setTimeout(() => this.budgetExhausted(budget), wallLeft);
    this.fill();
    this.maybeClose();
  }

  /** Nothing can start (e.g. the rehearsal could not): every job fails with `message`, and the run closes normally. */
  failAll(message: string): void {
    this.finishQueued({ status: 'failed', reason: 'spawn-failed', message });
  }

  // Every job still queued ends without starting. All are recorded before the run may close,
  // and none starts meanwhile.
  private finishQueued(outcome: Pick<JobResult, 'status' | 'reason' | 'message'>): void {
    const now = this.options.clock.now();
    for (const plan of this.queue.splice(0)) {
      const result: JobResult = this.options.redactor.result({ ...outcome, exitCode: null, signal: null, stoppedBy: null, startedAt: null, finishedAt: now });
      this.results.set(plan.job.name, result);
      this.options.bus.emit({ type: 'job-finished', at: now, job: plan.job.name, result });
    }
    this.maybeClose();
  }

  liveJob(name: string): JobRunner | null {
    return this.active.get(name) ?? null;
  }

  interruptBy(by: string): void {
    const now = this.options.clock.now();
    for (const name of this.active.keys()) {
      this.options.bus.emit({
        type: 'job-intervention',
        at: now,
        job: name,
        intervention: { at: now, kind: 'stop', rule: null, excerpt: [], sent: null, by },
      });
    }
    this.interrupt(false);
  }

  interrupt(immediate: boolean): void {
    const s = this.state;
    switch (s.kind) {
      case 'running': {
        this.state = { kind: 'interrupting' };
        for (const session of this.active.values()) session.stop(INTERRUPTED, { immediate });
        this.finishQueued({ status: 'skipped', reason: 'interrupted', message: NOT_STARTED });
        return;
      }
      case 'interrupting':
        for (const session of this.active.values()) session.stop(INTERRUPTED, { immediate });
        return;
      case 'closing':
      case 'finished':
        return;
      default:
        unreachable(s);
    }
  }

  // The run's wall budget ran out: running jobs stop through the ladder, queued ones never start.
  private budgetExhausted(budget: BudgetMeter): void {
    this.budgetTimer = null;
    if (this.state.kind !== 'running') return;
    // As for a job's (job-runner.ts): the timer fired, so the wall budget is used up whatever now() says.
    const message = budget.exhausted(this.options.clock.now()) ?? budget.wallUsedUp();
    for (const runner of this.active.values()) runner.stop({ status: 'failed', reason: 'budget-exhausted', message });
    this.finishQueued({ status: 'skipped', reason: 'budget-exhausted', message: NOT_STARTED_BUDGET });
  }

  // Starts queued jobs up to the concurrency limit, skipping agents whose usage limit holds.
  private fill(): void {
    while (this.state.kind === 'running' && this.active.size + this.starting.size < this.concurrency) {
      if (this.queue.length > 0 && this.budget?.exhausted(this.options.clock.now()) != null) {
        this.finishQueued({ status: 'skipped', reason: 'budget-exhausted', message: NOT_STARTED_BUDGET });
        return;
      }
      const index = this.queue.findIndex((p) => !this.gate.holding(p.job.agent));
      if (index < 0) return;
      const [next] = this.queue.splice(index, 1);
      if (next === undefined) return;
      this.launch(next);
    }
  }

  private launch(plan: JobPlan): void {
    const { job } = plan;
    // Reserve the slot before the (async) file creation so fill() never over-commits.
    this.starting.add(job.name);
    void this.outputs.openJob(job.name).then(async (files) => {
      // A few job starts per event-loop turn (src/util/turn-gate.ts): no 0.5 s stall when 50 start together.
      if (files.ok) await this.startTurns.next();
      this.starting.delete(job.name);
      if (!files.ok) {
        this.finishUnstarted(job.name, {
          status: 'failed',
          reason: 'log-write-failed',
          message: `could not create the job's log files: ${files.error}`,
        });
        return;
      }
      if (this.state.kind !== 'running') {
        await files.value.close();
        this.finishUnstarted(job.name, { status: 'skipped', reason: 'interrupted', message: NOT_STARTED });
        return;
      }
      const runner = new JobRunner({
        plan,
        files: files.value,
        runId: this.runId,
        bus: this.options.bus,
        clock: this.options.clock,
        ptyFactory: this.options.ptyFactory,
        tree: this.options.tree,
        graceMs: this.options.graceMs,
        env: (base) => this.options.activeRehearsal?.envFor(job.name, base) ?? base,
        workspace: this.workspaceFor(job),
        runDir: this.runDir,
        fileBase: this.outputs.runStarted.jobs.find((j) => j.name === job.name)?.logFile.replace(/\.log$/, '') ?? job.name,
        gate: this.gate,
        runBudget: this.budget,
        redactor: this.options.redactor,
        screenWork: this.screenWork,
        screenBurstBytes: this.screenBurstBytes,
      });
      this.active.set(job.name, runner);
      const result = await runner.run();
      this.active.delete(job.name);
      this.finishJob(job.name, result);
    });
  }

  // The job's workspace: its worktree or the snapshot of its workdir, files named like its log.
  private workspaceFor(job: JobSpec): JobWorkspace {
    const logFile = this.outputs.jobs.find((info) => info.name === job.name)?.logFile ?? `${job.name}.log`;
    return new JobWorkspace({
      job,
      runId: this.runId,
      runDir: this.runDir,
      runStartedAt: this.outputs.runStarted.at,
      fileBase: logFile.replace(/\.log$/, ''),
      exclude: [this.options.runsRoot],
    });
  }

  // A job that ends without a session (never started).
  private finishUnstarted(name: string, outcome: Pick<JobResult, 'status' | 'reason' | 'message'>): void {
    const now = this.options.clock.now();
    this.finishJob(name, { ...outcome, exitCode: null, signal: null, stoppedBy: null, startedAt: null, finishedAt: now });
  }

  // Records and announces a job's final result, then starts what may start next.
  private finishJob(name: string, raw: JobResult): void {
    // The summary and --json show these: secrets out, as in the events.
    const result = this.options.redactor.result(this.startFailure(raw));
    this.results.set(name, result);
    // Its last activity line first, and the event stamped now (not at finishedAt, which the
    // closing of its files may be well past), so events.jsonl stays in time order.
    this.outputs.finishJob(name);
    this.options.bus.emit({ type: 'job-finished', at: Math.max(result.finishedAt, this.options.clock.now()), job: name, result });
    this.fill();
    this.maybeClose();
  }

  // A job that could not start because descriptors ran out (the limit lowered meanwhile, or
  // another process) fails saying so, and the jobs still queued wait for running ones to end:
  // the concurrency drops to what runs now (at least 1), with one warning.
  private startFailure(raw: JobResult): JobResult {
    if ((raw.reason !== 'spawn-failed' && raw.reason !== 'log-write-failed') || raw.message === null) return raw;
    const message = explainStartFailure(raw.message, readFdUsage(), this.options.fdsPerJob);
    if (message === null) return raw;
    const running = Math.max(1, this.active.size + this.starting.size);
    if (running < this.concurrency && this.queue.length > 0) {
      this.options.bus.emit({
        type: 'warning',
        at: this.options.clock.now(),
        job: null,
        message: `concurrency ${this.concurrency} lowered to ${running}: a job could not start, too many open files; raise the open-file limit (ulimit -n)`,
      });
      this.concurrency = running;
    }
    return { ...raw, message };
  }

  private maybeClose(): void {
    if (this.active.size > 0 || this.starting.size > 0 || (this.state.kind === 'running' && this.queue.length > 0)) return;
    const s = this.state;
    switch (s.kind) {
      case 'running':
      case 'interrupting':
        break;
      case 'closing':
      case 'finished':
        return;
      default:
        unreachable(s);
    }
    const interrupted = s.kind === 'interrupting';
    this.state = { kind: 'closing' };
    if (this.budgetTimer !== null) this.options.clock.clearTimeout(this.budgetTimer);
    // A hold that waits out the latest possible reset has nothing left to hold back.
    this.gate.close();
    const results = this.plan.jobs.map((p) => ({ name: p.job.name, result: this.results.get(p.job.name)! }));
    const status = interrupted ? 'interrupted' : results.every((r) => r.result.status === 'succeeded') ? 'succeeded' : 'failed';
    this.options.bus.emit({ type: 'run-finished', at: this.options.clock.now(), status });
    void (async () => {
      // Notifications in flight get a bounded wait: a dead endpoint never holds the run's end.
      await this.options.notifier?.flush(this.options.notifyFlushMs);
      const problem = (await this.options.activeRehearsal?.dispose()) ?? null;
      if (problem !== null) this.options.bus.emit({ type: 'warning', at: this.options.clock.now(), job: null, message: problem });
      return this.outputs.close();
    })().then(({ reportJson, reportFallback, reportWarnings }) => {
      this.state = { kind: 'finished' };
      this.resolveFinished({ runId: this.runId, runDir: this.runDir, status, results, reportJson, reportFallback, reportWarnings });
    });
  }
}

/**
 * Creates the run folder and its outputs, then starts the jobs (up to the concurrency limit).
 * Fails only when the run folder cannot be created; job failures are results.
 */
export async function startRun(plan: RunPlan, options: RunOptions): Promise<Result<RunHandle, string>> {
  // The PTY backend is settled before anything is created: a forced backend that cannot run is a setup error.
  // Every job needs xterm: loaded now, never by a job's start once descriptors may be scarce.
  const unloadable = preloadScreenModel();
  if (unloadable !== null) return err(unloadable);
  let ptyFactory = options.ptyFactory;
  let ptyBackend: PtyBackendKind | null = null;
  if (ptyFactory === undefined) {
    const resolved = resolvePtyBackend({ ...(options.env !== undefined ? { env: options.env } : {}) });
    if (!resolved.ok) return err(resolved.error);
    ptyBackend = resolved.value.kind;
    ptyFactory = await ptyFactoryFor(resolved.value, { spawner: true });
  }
  const redactor = Redactor.forJobs(plan.jobs.map((p) => ({ env: p.env, secrets: p.job.secrets })));
  const removeRedaction = options.bus.addRedaction((event) => redactor.event(event));
  const opened = await openRunOutputs(plan, { ...options, redactor, ...(ptyBackend !== null ? { pty: ptyBackend } : {}) });
  if (!opened.ok) {
    removeRedaction();
    return err(opened.error);
  }
  const outputs = opened.value;
  const started = options.rehearsal === undefined ? null : await options.rehearsal(plan.jobs.map((p) => p.job), { parentDir: outputs.runDir, clock: options.clock });
  const notifyJobs = new Map(plan.jobs.map((p) => [p.job.name, p.job.notify ?? []]));
  // Loaded only when some `notify:` entry exists, so a run without notifications never pays for it.
  const wanted = (plan.manifest.notify ?? []).length > 0 || [...notifyJobs.values()].some((specs) => specs.length > 0);
  const notifier = wanted
    ? new (await import('../notify/notifier.js')).Notifier({ bus: options.bus, clock: options.clock, run: plan.manifest.notify ?? [], jobs: notifyJobs, env: options.env ?? process.env })
    : null;
  // As many jobs at once as the open-file limit allows (src/run/fd-budget.ts), counted with the run's own files open.
  const fds = fitConcurrency(plan.concurrency, readFdUsage(), FDS_PER_JOB[ptyBackend ?? 'injected']);
  const run = new Run(outputs.runId, outputs.runDir, { ...plan, concurrency: fds.effective }, outputs, {
    ...options,
    fdsPerJob: FDS_PER_JOB[ptyBackend ?? 'injected'],
    notifier,
    ptyFactory,
    tree: options.tree ?? procTreeControl,
    activeRehearsal: started?.ok === true ? started.value : null,
    redactor,
  });
  void run.finished.then(removeRedaction);
  options.bus.emit(outputs.runStarted);
  if (fds.warning !== null) options.bus.emit({ type: 'warning', at: options.clock.now(), job: null, message: fds.warning });
  if (started?.ok === false) run.failAll(started.error);
  else {
    if (started?.ok === true) {
      const { missingScriptWarnings } = await import('../rehearsal/rehearse-run.js');
      for (const { job, message } of missingScriptWarnings(plan.jobs.map((p) => p.job))) {
        options.bus.emit({ type: 'warning', at: options.clock.now(), job, message });
      }
    }
    run.begin();
  }
  return ok(run);
}
