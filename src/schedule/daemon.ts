/**
 * The scheduler behind `codex-run schedule jobs.yaml`: keeps every scheduled job's next fire
 * time on the injected clock, hands due jobs to the injected runner, and keeps going.
 *
 * ```
 *   idle ──start() / runOnce()──► loading ──manifests and state read──► running
 *                                    │                                   │
 *                                    │ a manifest does not load          │ stop() (SIGINT/SIGTERM), or with
 *                                    ▼                                   ▼ runOnce(): nothing left to run
 *                                 stopped ◄──runs settled, state saved── stopping
 * ```
 * stop() while loading is remembered and honoured as soon as loading ends.
 *
 * Per job, a fire time goes through `PendingFire` (see there): it may wait out its jitter,
 * then either starts a run (taking the workdir lock), is skipped, or waits for the previous
 * run / the workdir, as the job's `overlap` says. Rules a user relies on:
 * - A job never runs at start-up merely because the daemon started. A fire time missed while
 *   the daemon was down runs once at start-up with `catchUp: true` (never one run per missed
 *   time); otherwise it is logged as skipped and the job waits for its next time.
 * - `runOnce()` (`--once`, for system cron or CI) runs each job whose latest fire time is
 *   later than the last one recorded in the state file, once, then stops. A job the state
 *   file has never seen is recorded as seen now and is not due, so the first `--once` of a
 *   new job runs nothing. Each `--once` catches up the time since the previous check, so
 *   `catchUp` does not apply to it, and jitter is not applied either.
 * - `overlap` governs a fire that finds the job's previous run still going or its workdir in
 *   use: `skip` drops it, `queue` waits (one waiting fire per job), `replace` aborts the job's
 *   own previous run and starts when that run has stopped. A workdir held by another job or
 *   another process is never taken away: `replace` waits for it like `queue`.
 * - A reload never stops a running job: removing a job cancels only its waiting fire.
 */
import type { Interruptible } from '../run/signals.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { latestFireAtOrBefore, nextFireTimes } from './cron.js';
import type { DaemonEvent, DaemonEventListener, FireTrigger, JobRef, SkipReason, WaitReason } from './daemon-events.js';
import { watchManifests, type ManifestWatcher, type WatchManifests, type WatcherEvent } from './manifest-watcher.js';
import type { ScheduleSpec } from './schedule-spec.js';
import { ScheduleStateStore, readScheduleState, stateFilePath } from './state-file.js';
import { WorkdirLocks, type LockHolder, type WorkdirLock } from './workdir-lock.js';
import { ensurePrivateDir } from '../logs/private-dir.js';

/** One job with a schedule, as the manifest loader hands it to the scheduler. */
export interface ScheduledJob {
  /** Absolute manifest path (with `job`, the job's identity in the state file). */
  manifest: string;
  job: string;
  /** The unit of the workdir lock: the absolute working directory (a worktree job's is its own, src/workspace/lock-unit.ts). */
  workdir: string;
  spec: ScheduleSpec;
}

/** Loads the scheduled jobs of one manifest; the error is printable diagnostics text. */
export type LoadSchedules = (file: string) => Promise<Result<ScheduledJob[], string>>;

/** What the scheduler asks the runner to do: a normal run of these jobs of this manifest. */
export interface RunRequest {
  manifest: string;
  jobs: string[];
  /** The cron time that caused this run (ms since the epoch). */
  firedAt: number;
  /** Aborted when the run must stop (daemon stopping, or `overlap: replace`). */
  signal: AbortSignal;
}

/** What the runner reports when a run has finished. */
export interface RunOutcome {
  runDir: string;
  status: string;
}

export type RunJobs = (request: RunRequest) => Promise<RunOutcome>;

export interface DaemonOptions {
  /** Manifest files to schedule and (in daemon mode) watch. */
  manifests: string[];
  /** Holds schedule-state.json and locks/ (created 0700 when missing). */
  runsRoot: string;
  clock: Clock;
  loadSchedules: LoadSchedules;
  runJobs: RunJobs;
  onEvent: DaemonEventListener;
  /** Random numbers in [0, 1) for jitter; default Math.random. */
  random?: () => number;
  /** Watcher factory; default chokidar. null: do not watch (no reloads). */
  watch?: WatchManifests | null;
  /** Quiet time after the last write to a manifest before it is reloaded. Default 300 ms. */
  debounceMs?: number;
  /** How often a fire waiting for a workdir held by another process checks again. Default 5 s. */
  lockPollMs?: number;
  /** Pid written into workdir locks; default process.pid. */
  pid?: number;
}

/** What `runOnce()` ran. `outcome` is null when the runner failed (reported as an `error` event). */
export interface OnceResult {
  runs: Array<JobRef & { firedAt: number; outcome: RunOutcome | null }>;
}

export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_LOCK_POLL_MS = 5_000;

/** Timers are re-armed at least this often, so a wall-clock jump (suspend, NTP) is noticed within a minute. */
const MAX_TIMER_MS = 60_000;

/** A fire noticed later than this (machine asleep, clock jumped) counts as missed, like downtime. */
const LATE_TOLERANCE_MS = 60_000;

type Mode = 'daemon' | 'once';

type DaemonState =
  | { kind: 'idle' }
  | { kind: 'loading'; mode: Mode; stopRequested: boolean }
  | { kind: 'running'; mode: Mode }
  | { kind: 'stopping' }
  | { kind: 'stopped' };

/**
 * A fire time of one job that has not started a run yet:
 * ```
 *   none ──fire, jitter > 0──► jitter ──delay over──┐
 *     ▲  ──fire, no jitter────────────────────────┐ │
 *     │                                           ▼ ▼
 *     ├──────────────── run started / skipped ── (try to start) ──busy, overlap queue|replace──► waiting
 *     │                                                                                           │
 *     └──────────── run started, or skipped (overlap changed to skip by a reload) ◄── retried ────┘
 * ```
 * A job has at most one pending fire; another fire meanwhile is skipped as `already-pending`.
 */
type PendingFire =
  | { kind: 'none' }
  | { kind: 'jitter'; firedAt: number; trigger: FireTrigger; timer: TimerHandle }
  | { kind: 'waiting'; firedAt: number; trigger: FireTrigger };

interface ActiveRun {
  firedAt: number;
  controller: AbortController;
  settled: Promise<void>;
}

interface Entry {
  readonly key: string;
  /** The manifest file this job was loaded from (what a reload of that file replaces). */
  readonly source: string;
  job: ScheduledJob;
  /** The next cron time to act on, or null when the expression never fires again. */
  nextFire: number | null;
  timer: TimerHandle | null;
  pending: PendingFire;
  run: ActiveRun | null;
}

export class ScheduleDaemon implements Interruptible {
  private state: DaemonState = { kind: 'idle' };
  private readonly entries = new Map<string, Entry>();
  private readonly runs = new Set<ActiveRun>();
  private readonly locks: WorkdirLocks;
  private store: ScheduleStateStore | null = null;
  private watcher: ManifestWatcher | null = null;
  private pollTimer: TimerHandle | null = null;
  /** Per manifest being reloaded: whether another change arrived during the load. */
  private readonly reloading = new Map<string, boolean>();
  private readonly onceRuns: OnceResult['runs'] = [];
  private resolveStopped: () => void = () => {};
  private readonly stopped: Promise<void>;

  constructor(private readonly options: DaemonOptions) {
    this.locks = new WorkdirLocks(options.runsRoot, options.pid === undefined ? {} : { pid: options.pid });
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Where the daemon is in its life (see the diagram above). */
  get phase(): DaemonState['kind'] {
    return this.state.kind;
  }

  /** The jobs currently scheduled and their next cron times, for status displays. */
  scheduled(): Array<ScheduledJob & { nextFire: number | null }> {
    return [...this.entries.values()].map((e) => ({ ...e.job, nextFire: e.nextFire }));
  }

  /** Resolves once the daemon has fully stopped (runs settled, state saved). */
  whenStopped(): Promise<void> {
    return this.stopped;
  }

  /** Loads the manifests, catches up missed fires, arms timers and starts watching. */
  async start(): Promise<Result<void, string>> {
    const loaded = await this.load('daemon');
    if (!loaded.ok) return loaded;
    const now = this.options.clock.now();
    const missed: Array<{ entry: Entry; firedAt: number }> = [];
    for (const entry of this.entries.values()) {
      const firedAt = this.overdueFire(entry, now);
      if (firedAt !== null) missed.push({ entry, firedAt });
      entry.nextFire = nextFireTimes(entry.job.spec, now, 1)[0] ?? null;
    }
    if (this.options.watch !== null) {
      const watch = this.options.watch ?? watchManifests;
      this.watcher = watch(this.options.manifests, {
        clock: this.options.clock,
        debounceMs: this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        onEvent: (event) => this.onWatcherEvent(event),
      });
      await this.watcher.ready;
    }
    if (this.stopRequestedWhileLoading()) {
      await this.beginStop();
      return err('stopped while starting');
    }
    this.state = { kind: 'running', mode: 'daemon' };
    // Armed only now: a timer that ran out while loading would find the daemon not running and
    // be dropped for good. A fire time that passed meanwhile fires at once (within LATE_TOLERANCE_MS).
    for (const entry of this.entries.values()) this.arm(entry);
    this.emitStarted('daemon');
    for (const { entry, firedAt } of missed) {
      if (entry.job.spec.catchUp) this.handleFire(entry, firedAt, 'catch-up');
      else this.skip(entry, firedAt, 'missed', `passed while the scheduler was not running (catchUp is false)`);
    }
    this.persist();
    return ok(undefined);
  }

  /** `--once`: runs what is due now (see the file comment), waits for those runs, stops. */
  async runOnce(): Promise<Result<OnceResult, string>> {
    const loaded = await this.load('once');
    if (!loaded.ok) return loaded;
    if (this.stopRequestedWhileLoading()) {
      await this.beginStop();
      return err('stopped while starting');
    }
    const now = this.options.clock.now();
    this.state = { kind: 'running', mode: 'once' };
    this.emitStarted('once');
    for (const entry of this.entries.values()) {
      const firedAt = this.overdueFire(entry, now);
      if (firedAt !== null) this.handleFire(entry, firedAt, 'once');
    }
    this.persist();
    this.finishOnceIfIdle();
    await this.stopped;
    return ok({ runs: [...this.onceRuns] });
  }

  /** Stops like a run does on SIGINT: waiting fires are dropped, runs aborted and awaited, state saved. */
  stop(): Promise<void> {
    const state = this.state;
    switch (state.kind) {
      case 'idle':
        this.state = { kind: 'stopped' };
        this.resolveStopped();
        return this.stopped;
      case 'loading':
        state.stopRequested = true;
        return this.stopped;
      case 'running':
        return this.beginStop();
      case 'stopping':
      case 'stopped':
        return this.stopped;
      default:
        return unreachable(state);
    }
  }

  /** Signal entry point (see run/signals.ts): every signal means "stop"; runs get their abort once. */
  interrupt(): void {
    void this.stop();
  }

  private async load(mode: Mode): Promise<Result<void, string>> {
    if (this.state.kind !== 'idle') throw new Error(`Internal error: ScheduleDaemon started twice (state ${this.state.kind})`);
    this.state = { kind: 'loading', mode, stopRequested: false };
    const fail = (message: string): Result<void, string> => {
      this.state = { kind: 'stopped' };
      this.resolveStopped();
      return err(message);
    };
    const root = await ensurePrivateDir(this.options.runsRoot);
    if (!root.ok) return fail(root.error);
    const results = await Promise.all(this.options.manifests.map((file) => this.loadSafely(file)));
    const problems = results.flatMap((r) => (r.ok ? [] : [r.error]));
    if (problems.length > 0) return fail(problems.join('\n'));
    const file = stateFilePath(this.options.runsRoot);
    const state = await readScheduleState(file);
    if (!state.ok) this.emit({ type: 'error', at: this.now(), message: `${state.error}; starting with an empty schedule state`, job: null });
    this.store = new ScheduleStateStore(file, state.ok ? state.value : { version: 1, jobs: [] });
    this.options.manifests.forEach((source, i) => {
      const result = results[i];
      if (result?.ok !== true) return;
      for (const job of result.value) this.entries.set(keyOf(job), newEntry(job, source));
    });
    return ok(undefined);
  }

  private async loadSafely(file: string): Promise<Result<ScheduledJob[], string>> {
    try {
      return await this.options.loadSchedules(file);
    } catch (cause) {
      return err(`${file}: cannot load: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  // The latest fire time at or before `now` that the state file does not show as handled,
  // or null. A job seen for the first time is recorded as seen `now`, so nothing is owed.
  private overdueFire(entry: Entry, now: number): number | null {
    const { manifest, job, spec } = entry.job;
    const record = this.requireStore().ensure(manifest, job, now);
    const latest = latestFireAtOrBefore(spec, now);
    return latest !== null && latest > (record.lastFire ?? record.firstSeen) ? latest : null;
  }

  private stopRequestedWhileLoading(): boolean {
    return this.state.kind === 'loading' && this.state.stopRequested;
  }

  private emitStarted(mode: Mode): void {
    const jobs = [...this.entries.values()].map((e) => ({ ...refOf(e.job), nextFire: e.nextFire }));
    this.emit({ type: 'started', at: this.now(), mode, jobs });
  }

  // Timers wait at most MAX_TIMER_MS and then re-check the clock (see onTimer).
  private arm(entry: Entry): void {
    if (entry.timer !== null) this.options.clock.clearTimeout(entry.timer);
    entry.timer = null;
    if (entry.nextFire === null) return;
    const delay = Math.min(Math.max(0, entry.nextFire - this.now()), MAX_TIMER_MS);
    entry.timer = this.options.clock.setTimeout(() => this.onTimer(entry), delay);
  }

  private onTimer(entry: Entry): void {
    entry.timer = null;
    if (this.state.kind !== 'running' || entry.nextFire === null) return;
    const now = this.now();
    const due = entry.nextFire;
    const { spec } = entry.job;
    if (now < due) {
      this.arm(entry);
      return;
    }
    if (now - due <= LATE_TOLERANCE_MS) {
      entry.nextFire = nextFireTimes(spec, due, 1)[0] ?? null;
      this.arm(entry);
      this.handleFire(entry, due, 'schedule');
      return;
    }
    // The clock jumped past the fire time (suspend, clock change): one decision for all of it.
    const latest = latestFireAtOrBefore(spec, now) ?? due;
    entry.nextFire = nextFireTimes(spec, now, 1)[0] ?? null;
    this.arm(entry);
    if (spec.catchUp) this.handleFire(entry, latest, 'catch-up');
    else this.skip(entry, latest, 'missed', `noticed ${Math.round((now - latest) / 1000)}s late (machine asleep or clock changed; catchUp is false)`);
  }

  private handleFire(entry: Entry, firedAt: number, trigger: FireTrigger): void {
    if (entry.pending.kind !== 'none') {
      this.skip(entry, firedAt, 'already-pending', `the fire of ${iso(entry.pending.firedAt)} is still ${entry.pending.kind === 'jitter' ? 'in its jitter delay' : 'waiting'}`);
      return;
    }
    const mode = this.state.kind === 'running' ? this.state.mode : 'daemon';
    const jitterMs = mode === 'daemon' ? entry.job.spec.jitterMs : 0;
    const delay = jitterMs > 0 ? Math.floor((this.options.random ?? Math.random)() * jitterMs) : 0;
    if (delay > 0) {
      const timer = this.options.clock.setTimeout(() => this.onJitterOver(entry), delay);
      entry.pending = { kind: 'jitter', firedAt, trigger, timer };
      return;
    }
    this.tryStart(entry, firedAt, trigger);
  }

  private onJitterOver(entry: Entry): void {
    const pending = entry.pending;
    if (pending.kind !== 'jitter' || this.state.kind !== 'running') return;
    entry.pending = { kind: 'none' };
    this.tryStart(entry, pending.firedAt, pending.trigger);
  }

  // Starts the run if the job's previous run is over and its workdir is free; otherwise
  // skips or waits according to `overlap`.
  private tryStart(entry: Entry, firedAt: number, trigger: FireTrigger): void {
    const { overlap } = entry.job.spec;
    const wasWaiting = entry.pending.kind === 'waiting';
    entry.pending = { kind: 'none' };
    if (entry.run !== null) {
      switch (overlap) {
        case 'skip':
          this.skip(entry, firedAt, 'previous-run-active', `the run fired at ${iso(entry.run.firedAt)} is still going`);
          return;
        case 'queue':
          this.wait(entry, firedAt, trigger, wasWaiting, 'previous-run-active', `starts when the run fired at ${iso(entry.run.firedAt)} ends`);
          return;
        case 'replace':
          entry.run.controller.abort();
          this.wait(entry, firedAt, trigger, wasWaiting, 'replacing', `stopping the run fired at ${iso(entry.run.firedAt)}`);
          return;
        default:
          unreachable(overlap);
      }
    }
    const attempt = this.locks.tryAcquire(entry.job.workdir, `${entry.job.manifest}#${entry.job.job}`, this.now());
    switch (attempt.kind) {
      case 'acquired':
        if (attempt.recovered !== null) {
          this.emit({ type: 'lock-recovered', at: this.now(), workdir: attempt.lock.workdir, stalePid: attempt.recovered.pid });
        }
        this.startRun(entry, firedAt, trigger, attempt.lock);
        return;
      case 'busy':
        if (!attempt.inProcess) this.ensurePoll();
        if (overlap === 'skip') this.skip(entry, firedAt, 'workdir-busy', describeHolder(entry.job.workdir, attempt.holder));
        else this.wait(entry, firedAt, trigger, wasWaiting, 'workdir-busy', describeHolder(entry.job.workdir, attempt.holder));
        return;
      case 'failed':
        this.skip(entry, firedAt, 'lock-failed', attempt.message);
        return;
      default:
        unreachable(attempt);
    }
  }

  // `wasWaiting`: this is a retry of a fire that already waits, so it was reported already.
  private wait(entry: Entry, firedAt: number, trigger: FireTrigger, wasWaiting: boolean, reason: WaitReason, detail: string): void {
    entry.pending = { kind: 'waiting', firedAt, trigger };
    if (!wasWaiting) this.emit({ type: 'queued', at: this.now(), ...refOf(entry.job), firedAt, reason, detail });
  }

  private startRun(entry: Entry, firedAt: number, trigger: FireTrigger, lock: WorkdirLock): void {
    const ref = refOf(entry.job);
    this.requireStore().recordFire(ref.manifest, ref.job, firedAt);
    this.persist();
    this.emit({ type: 'fire', at: this.now(), ...ref, firedAt, trigger, workdir: entry.job.workdir });
    const controller = new AbortController();
    const run: ActiveRun = { firedAt, controller, settled: Promise.resolve() };
    const request: RunRequest = { manifest: ref.manifest, jobs: [ref.job], firedAt, signal: controller.signal };
    run.settled = Promise.resolve()
      .then(() => this.options.runJobs(request))
      .then(
        (outcome) => {
          this.onceRuns.push({ ...ref, firedAt, outcome });
          this.emit({ type: 'run-finished', at: this.now(), ...ref, firedAt, runDir: outcome.runDir, status: outcome.status });
        },
        (cause: unknown) => {
          this.onceRuns.push({ ...ref, firedAt, outcome: null });
          this.emit({ type: 'error', at: this.now(), message: `run failed to complete: ${cause instanceof Error ? cause.message : String(cause)}`, job: ref });
        },
      )
      .finally(() => {
        this.releaseLock(lock, ref);
        this.runs.delete(run);
        if (entry.run === run) entry.run = null;
        this.wakeWaiters();
        this.finishOnceIfIdle();
      });
    entry.run = run;
    this.runs.add(run);
  }

  private releaseLock(lock: WorkdirLock, ref: JobRef): void {
    try {
      lock.release();
    } catch (cause) {
      this.emit({ type: 'error', at: this.now(), message: `cannot remove workdir lock ${lock.file}: ${(cause as Error).message}`, job: ref });
    }
  }

  // Gives every waiting fire another chance, oldest first: after a run ends, or on the poll
  // timer when a workdir is held by another process (whose end we cannot observe).
  private wakeWaiters(): void {
    if (this.state.kind !== 'running') return;
    const waiting = [...this.entries.values()].filter((e) => e.pending.kind === 'waiting');
    waiting.sort((a, b) => pendingTime(a) - pendingTime(b));
    for (const entry of waiting) {
      const pending = entry.pending;
      if (pending.kind === 'waiting') this.tryStart(entry, pending.firedAt, pending.trigger);
    }
  }

  private ensurePoll(): void {
    if (this.pollTimer !== null) return;
    this.pollTimer = this.options.clock.setTimeout(() => {
      this.pollTimer = null;
      this.wakeWaiters();
    }, this.options.lockPollMs ?? DEFAULT_LOCK_POLL_MS);
  }

  // Drops a fire. Deliberate decisions are recorded as handled in the state file; fires lost
  // to removal, shutdown or a lock error are not, so a restart with catchUp can still run them.
  private skip(entry: Entry, firedAt: number, reason: SkipReason, detail: string): void {
    const ref = refOf(entry.job);
    if (reason !== 'job-removed' && reason !== 'stopping' && reason !== 'lock-failed') {
      this.requireStore().recordFire(ref.manifest, ref.job, firedAt);
      this.persist();
    }
    this.emit({ type: 'skip', at: this.now(), ...ref, firedAt, reason, detail });
    this.finishOnceIfIdle();
  }

  private dropPending(entry: Entry, reason: 'job-removed' | 'stopping'): void {
    const pending = entry.pending;
    entry.pending = { kind: 'none' };
    switch (pending.kind) {
      case 'none':
        return;
      case 'jitter':
        this.options.clock.clearTimeout(pending.timer);
        this.skip(entry, pending.firedAt, reason, 'it had not started yet');
        return;
      case 'waiting':
        this.skip(entry, pending.firedAt, reason, 'it had not started yet');
        return;
      default:
        unreachable(pending);
    }
  }

  private finishOnceIfIdle(): void {
    if (this.state.kind !== 'running' || this.state.mode !== 'once' || this.runs.size > 0) return;
    for (const entry of this.entries.values()) if (entry.pending.kind !== 'none') return;
    void this.beginStop();
  }

  private onWatcherEvent(event: WatcherEvent): void {
    switch (event.type) {
      case 'seen':
        return;
      case 'changed':
        void this.reload(event.file);
        return;
      case 'error':
        this.emit({ type: 'error', at: this.now(), message: event.message, job: null });
        return;
      default:
        unreachable(event);
    }
  }

  // One load per manifest at a time; an edit during a load makes that load's result stale,
  // so the file is loaded again before anything is applied.
  private async reload(file: string): Promise<void> {
    if (this.reloading.has(file)) {
      this.reloading.set(file, true);
      return;
    }
    this.reloading.set(file, false);
    try {
      for (;;) {
        const result = await this.loadSafely(file);
        if (this.state.kind !== 'running') return;
        if (this.reloading.get(file) === true) {
          this.reloading.set(file, false);
          continue;
        }
        this.applyReload(file, result);
        return;
      }
    } finally {
      this.reloading.delete(file);
    }
  }

  private applyReload(file: string, result: Result<ScheduledJob[], string>): void {
    if (!result.ok) {
      this.emit({ type: 'reload-failed', at: this.now(), file, diagnostics: result.error });
      return;
    }
    const now = this.now();
    const incoming = new Map(result.value.map((job) => [keyOf(job), job] as const));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    for (const entry of [...this.entries.values()]) {
      if (entry.source !== file) continue;
      const job = incoming.get(entry.key);
      if (job === undefined) {
        this.dropPending(entry, 'job-removed');
        if (entry.timer !== null) this.options.clock.clearTimeout(entry.timer);
        entry.timer = null;
        this.entries.delete(entry.key);
        removed.push(entry.job.job);
      } else if (!sameJob(entry.job, job)) {
        entry.job = job;
        entry.nextFire = nextFireTimes(job.spec, now, 1)[0] ?? null;
        this.arm(entry);
        changed.push(job.job);
      }
    }
    for (const [key, job] of incoming) {
      if (this.entries.has(key)) continue;
      const entry = newEntry(job, file);
      this.requireStore().ensure(job.manifest, job.job, now);
      entry.nextFire = nextFireTimes(job.spec, now, 1)[0] ?? null;
      this.entries.set(key, entry);
      this.arm(entry);
      added.push(job.job);
    }
    this.persist();
    this.emit({ type: 'reload-ok', at: now, file, added, removed, changed });
  }

  private async beginStop(): Promise<void> {
    this.state = { kind: 'stopping' };
    if (this.pollTimer !== null) this.options.clock.clearTimeout(this.pollTimer);
    this.pollTimer = null;
    for (const entry of this.entries.values()) {
      if (entry.timer !== null) this.options.clock.clearTimeout(entry.timer);
      entry.timer = null;
      this.dropPending(entry, 'stopping');
    }
    const runs = [...this.runs];
    for (const run of runs) run.controller.abort();
    const watcher = this.watcher;
    this.watcher = null;
    await Promise.all([watcher?.close(), ...runs.map((run) => run.settled)]);
    if (this.store !== null) {
      const saved = await this.store.save();
      if (!saved.ok) this.emit({ type: 'error', at: this.now(), message: saved.error, job: null });
    }
    this.state = { kind: 'stopped' };
    this.emit({ type: 'stopped', at: this.now() });
    this.resolveStopped();
  }

  private persist(): void {
    void this.requireStore()
      .save()
      .then((saved) => {
        if (!saved.ok) this.emit({ type: 'error', at: this.now(), message: saved.error, job: null });
      });
  }

  private requireStore(): ScheduleStateStore {
    if (this.store === null) throw new Error('Internal error: schedule state used before it was loaded');
    return this.store;
  }

  private emit(event: DaemonEvent): void {
    this.options.onEvent(event);
  }

  private now(): number {
    return this.options.clock.now();
  }
}

function newEntry(job: ScheduledJob, source: string): Entry {
  return { key: keyOf(job), source, job, nextFire: null, timer: null, pending: { kind: 'none' }, run: null };
}

function keyOf(job: JobRef): string {
  return `${job.manifest}\u0000${job.job}`;
}

function refOf(job: ScheduledJob): JobRef {
  return { manifest: job.manifest, job: job.job };
}

function pendingTime(entry: Entry): number {
  return entry.pending.kind === 'none' ? Number.POSITIVE_INFINITY : entry.pending.firedAt;
}

function sameJob(a: ScheduledJob, b: ScheduledJob): boolean {
  return (
    a.manifest === b.manifest &&
    a.job === b.job &&
    a.workdir === b.workdir &&
    a.spec.cron === b.spec.cron &&
    a.spec.timezone === b.spec.timezone &&
    a.spec.overlap === b.spec.overlap &&
    a.spec.catchUp === b.spec.catchUp &&
    a.spec.jitterMs === b.spec.jitterMs
  );
}

function describeHolder(workdir: string, holder: LockHolder): string {
  return `${workdir} is in use by ${holder.owner} (pid ${holder.pid}) since ${iso(holder.since)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
