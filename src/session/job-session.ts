import { formatDuration } from '../manifest/duration.js';
import { constants as osConstants } from 'node:os';
import type { JobSpec } from '../manifest/model.js';
import type { ExitVerdict, LaunchPlan, LaunchProblem } from '../agents/adapter.js';
import type { Result } from '../util/result.js';
import { precheck } from './precheck.js';
import type { EventBus, FailureReason, JobResult, JobStatus, StopStep } from '../run/events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import type { OutputSink } from './output-sink.js';
import type { PtyExit, PtyFactory, PtyProcess } from './pty.js';
import type { JobContainment, JobMarker, TreeControl } from './tree-control.js';
import { currentBootId, processStartTime } from '../util/process-identity.js';

/** Why codex-run is stopping a job; becomes the job's status and reason. */
export type StopCause =
  | {
      status: Extract<JobStatus, 'timed_out' | 'killed' | 'interrupted' | 'failed'>;
      reason: FailureReason;
      message: string;
    }
  /** The agent's work is done but its process lingers (e.g. codex after its turn): stop it, report success. */
  | { status: 'succeeded'; reason: null; message: string };

/** Something that watches the output besides the log (supervision), with its own backpressure. */
export interface OutputObserver {
  /** False asks the session to pause the PTY until {@link whenCaughtUp} resolves. */
  write(chunk: Buffer): boolean;
  /**
   * A bounded PTY skipped `skipped` bytes (counted, not delivered); the next write is the
   * output's tail, and `oscs` the complete OSC sequences found in what was skipped.
   */
  skipped?(skipped: number, oscs: Buffer): void;
  /** The PTY saw the output after codex-run's input go quiet ({@link PtyProcess.onQuiet}). */
  quiet?(): void;
  /** Whether the observer must see every byte (e.g. a monitor that reads every line): the PTY is then never bounded. */
  needsEveryByte?(): boolean;
  /** The PTY bounds the output itself (the screen budget runs in the pump): no second budget here. */
  setUpstreamBounded?(bounded: boolean): void;
  /** The burst of the screen budget the PTY runs when it bounds the output (screen-budget.ts); absent: one job's full burst. */
  readonly screenBurstBytes?: number;
  whenCaughtUp(): Promise<void>;
  /** The job has exited: stop watching. */
  dispose(): void;
  /** Just before the spawn, with the resolved launch; an error fails the job without starting it. */
  prepare?(launch: LaunchPlan): Result<void, string>;
  /**
   * After the exit (null: the agent never started) and the sweep: last facts, clean-up, and
   * why a failed exit failed when the agent's adapter can tell.
   */
  finish?(exit: PtyExit | null): Promise<ExitVerdict | null>;
}

export interface JobSessionOptions {
  job: JobSpec;
  /** The adapter's plan, or why it could not make one (reported as the job's failure). */
  launch: Result<LaunchPlan, LaunchProblem>;
  /** The child's complete environment. */
  env: Record<string, string>;
  /** Whether the stop ladder starts with Ctrl-C typed into the terminal (adapter's choice). */
  interruptFirst: boolean;
  sink: OutputSink;
  /** Supervision, when the job has any. */
  observer?: OutputObserver;
  bus: EventBus;
  clock: Clock;
  ptyFactory: PtyFactory;
  tree: TreeControl;
  marker: JobMarker;
  /** Time each stop-ladder step gets before the next one. */
  graceMs: number;
  cols: number;
  rows: number;
}

type Ladder = readonly StopStep[];

/** How often processes left behind are checked for while they get their grace period. */
const SWEEP_POLL_MS = 50;
/**
 * SIGKILL rounds after the grace period: each rescans and kills what is left, so a process
 * that forks while it is being killed cannot leave its children behind. Bounded (about 2 s):
 * a process stuck in uninterruptible I/O is reported, not waited for forever.
 */
const MAX_KILL_ROUNDS = 40;

/**
 * One job's life in its PTY.
 *
 *   pending ──start──▶ running ──exit──────────────────▶ sweeping ──▶ finished
 *      │  │               ▲  │ stop(cause)                 ▲  (stray processes of the job:
 *      │  │ background    │  ▼                             │   TERM, grace, KILL rounds
 *      │  └─▶ spawning ───┘ stopping ──exit────────────────┘   that rescan until none is left)
 *      │      (a stop waits  (ctrl-c ─grace─▶ term ─grace─▶ kill)
 *      │       for running)
 *      │ spawn fails (at once, or spawning fails)
 *      └─────────────────────────────────────────────────────────────▶ finished
 *
 * `spawning`: a PTY that starts its child in the background (the native pump: the main thread
 * does not wait for its fork) is awaited before the pid is recorded and output is taken.
 *
 * A session is one attempt: it writes to the job's files but does not close them, and it
 * announces nothing when it ends; the run decides whether the job is finished (or resumed).
 */
type State =
  | { kind: 'pending' }
  | { kind: 'spawning'; pty: PtyProcess; startedAt: number; file: string; pendingStop: { cause: StopCause; immediate: boolean } | null }
  | { kind: 'running'; pty: PtyProcess; startedAt: number; timeout: TimerHandle | null }
  | {
      kind: 'stopping';
      pty: PtyProcess;
      startedAt: number;
      cause: StopCause;
      ladder: Ladder;
      step: number;
      timer: TimerHandle | null;
    }
  | {
      kind: 'sweeping';
      rootPid: number;
      startedAt: number;
      exit: PtyExit;
      cause: StopCause | null;
      stoppedBy: StopStep | null;
      timer: TimerHandle | null;
    }
  | { kind: 'finished'; result: JobResult };

/** What the sweep after the exit needs to carry from one poll to the next. */
interface SweepContext {
  rootPid: number;
  startedAt: number;
  exit: PtyExit;
  cause: StopCause | null;
  stoppedBy: StopStep | null;
}

export class JobSession {
  private state: State = { kind: 'pending' };
  private readonly done: Promise<JobResult>;
  private resolveDone!: (result: JobResult) => void;
  private outputBytes = 0;
  /** Bytes the PTY delivered (less than outputBytes when it skipped some: bounded mode). */
  private deliveredBytes = 0;
  /** Whether the PTY writes both files itself, so Node may get bounded output. */
  private boundable = false;
  /** People watching every byte (`attach`, `watch`): the PTY sends every byte meanwhile. */
  private watchers = 0;
  /** Reasons the PTY is paused (log behind, screen model behind); it resumes when none is left. */
  private holds = 0;
  /** The kernel's grouping of this attempt's processes (a cgroup), set up just before the spawn. */
  private containment: JobContainment | null = null;

  constructor(private readonly o: JobSessionOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get name(): string {
    return this.o.job.name;
  }

  /** The agent's pid while it runs (or is being stopped), else null. */
  get pid(): number | null {
    const s = this.state;
    return s.kind === 'running' || s.kind === 'stopping' ? s.pty.pid : null;
  }

  /** Total raw bytes the job wrote (including those a bounded PTY counted but did not deliver). */
  get bytes(): number {
    return this.outputBytes;
  }

  /** Bytes the PTY handed to this process (the rest it skipped, in bounded mode). */
  get delivered(): number {
    return this.deliveredBytes;
  }

  /**
   * Someone needs every byte from now on (an attach or watch, through 'job-output' events):
   * the PTY sends full output until the returned function is called.
   */
  watchOutput(): () => void {
    this.watchers++;
    this.updateMode();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers--;
      this.updateMode();
    };
  }

  // Bounded output when the PTY writes both files and nobody needs every byte.
  /** Nobody needs every byte: a PTY that writes the files itself may send only the screen's share. */
  private wantsBounded(): boolean {
    return this.watchers === 0 && this.o.observer?.needsEveryByte?.() !== true;
  }

  private updateMode(): void {
    const s = this.state;
    if (!this.boundable || (s.kind !== 'spawning' && s.kind !== 'running' && s.kind !== 'stopping')) return;
    const bounded = this.wantsBounded();
    s.pty.setBounded?.(bounded);
    this.o.observer?.setUpstreamBounded?.(bounded);
  }

  /** Resolves with the attempt's result once the agent and its strays are gone. */
  get finished(): Promise<JobResult> {
    return this.done;
  }

  /** Spawns the agent. The returned promise is the same as {@link finished}. */
  start(): Promise<JobResult> {
    const s = this.state;
    switch (s.kind) {
      case 'pending':
        break;
      case 'spawning':
      case 'running':
      case 'stopping':
      case 'sweeping':
      case 'finished':
        throw new Error(`Internal error: job '${this.name}' started twice (state ${s.kind})`);
      default:
        return unreachable(s);
    }
    const { job, clock } = this.o;
    const startedAt = clock.now();
    this.emitPhase('starting', null);
    const checked = precheck(job, this.o.launch, this.o.env);
    if (!checked.ok) {
      this.finishWithoutRunning(startedAt, checked.error.reason, checked.error.message);
      return this.done;
    }
    const launch = checked.value;
    const prepared = this.o.observer?.prepare?.(launch);
    if (prepared !== undefined && !prepared.ok) {
      this.finishWithoutRunning(startedAt, 'spawn-failed', prepared.error);
      return this.done;
    }
    const containment = this.o.tree.contain?.() ?? null;
    this.containment = containment;
    // A PTY that puts its child in the cgroup itself needs no launcher around the argv.
    const joinsCgroup = containment?.cgroup != null && this.o.ptyFactory.joinsCgroup === true ? containment.cgroup : null;
    const argv = joinsCgroup === null ? (containment?.launch(launch.file, launch.args) ?? { file: launch.file, args: launch.args }) : { file: launch.file, args: launch.args };
    let pty: PtyProcess;
    // A PTY that can write the raw log itself (the native pump) gets its descriptor, and is
    // told to stop writing it when another file of the run meets a full disk.
    let borrower: PtyProcess | null = null;
    const logFd = this.o.sink.lendLog?.(() => borrower?.stopLog?.()) ?? null;
    // And the transcript, decoded there too; codex-run's notes meanwhile go through it.
    const transcriptFd =
      logFd === null
        ? null
        : (this.o.sink.lendTranscript?.(
            () => borrower?.stopLog?.(),
            (text) => borrower?.mark?.(text),
          ) ?? null);
    try {
      pty = this.o.ptyFactory({
        file: argv.file,
        args: argv.args,
        cwd: job.workdir,
        env: this.o.env,
        cols: this.o.cols,
        rows: this.o.rows,
        ...(logFd !== null ? { logFd } : {}),
        ...(transcriptFd !== null ? { transcriptFd } : {}),
        // What updateMode() decides for a PTY that writes both files, from the first byte on.
        ...(logFd !== null && transcriptFd !== null && this.wantsBounded() ? { bounded: true } : {}),
        ...(this.o.observer?.screenBurstBytes !== undefined ? { burstBytes: this.o.observer.screenBurstBytes } : {}),
        ...(joinsCgroup !== null ? { cgroup: joinsCgroup } : {}),
      });
      if (logFd !== null && pty.writesLog !== true) this.o.sink.reclaimLog?.(null);
      if (transcriptFd !== null && pty.writesTranscript !== true) this.o.sink.reclaimTranscript?.(null);
      borrower = pty;
    } catch (error) {
      if (logFd !== null) this.o.sink.reclaimLog?.(null);
      if (transcriptFd !== null) this.o.sink.reclaimTranscript?.(null);
      const message = error instanceof Error ? error.message : String(error);
      this.finishWithoutRunning(startedAt, 'spawn-failed', `could not start ${launch.file}: ${message}`);
      return this.done;
    }
    if (pty.started !== undefined) {
      this.state = { kind: 'spawning', pty, startedAt, file: launch.file, pendingStop: null };
      // The mode goes to the PTY now, before its child runs: a job that prints at once (a
      // 1 MiB `cat`) would otherwise send every byte to Node until the pid is known, and 200
      // such jobs held ~1 MiB each of it in the runner (pipe reads, the screen's queue).
      this.boundable = isBoundable(pty);
      this.updateMode();
      void pty.started.then((problem) => this.onStarted(pty, problem));
      return this.done;
    }
    this.run(pty, startedAt);
    return this.done;
  }

  // A PTY started in the background reported its child (or that there is none).
  private onStarted(pty: PtyProcess, problem: string | null): void {
    const s = this.state;
    if (s.kind !== 'spawning' || s.pty !== pty) return;
    if (problem !== null) {
      if (pty.writesLog === true) this.o.sink.reclaimLog?.(null);
      if (pty.writesTranscript === true) this.o.sink.reclaimTranscript?.(null);
      this.finishWithoutRunning(s.startedAt, 'spawn-failed', `could not start ${s.file}: Cannot spawn ${JSON.stringify(s.file)}: the PTY pump failed (${problem})`);
      return;
    }
    this.run(pty, s.startedAt);
    if (s.pendingStop !== null) this.stop(s.pendingStop.cause, { immediate: s.pendingStop.immediate });
  }

  // The child runs: take its output, record its pid, arm the timeout.
  private run(pty: PtyProcess, startedAt: number): void {
    const { job, clock } = this.o;
    const containment = this.containment;
    this.boundable = isBoundable(pty);
    pty.onGap?.((skipped, oscs) => this.onGap(skipped, oscs));
    pty.onQuiet?.(() => this.o.observer?.quiet?.());
    pty.onData((chunk) => this.onData(pty, chunk));
    pty.onExit((exit) => this.onExit(exit));
    // Recorded so that a later codex-run can stop what is left if this runner dies
    // (src/run/crashed-runs.ts). Only with a real tree control: a fake PTY's pid is nobody's.
    if (containment !== null) {
      this.o.bus.emit({
        type: 'job-facts',
        at: clock.now(),
        job: this.name,
        facts: {
          process: {
            pid: pty.pid,
            startTime: processStartTime(pty.pid),
            bootId: currentBootId(),
            containment: containment.kind,
            cgroup: containment.cgroup,
          },
        },
      });
    }
    const timeout =
      job.timeoutMs === null
        ? null
        : clock.setTimeout(
            () =>
              this.stop({
                status: 'timed_out',
                reason: 'timeout',
                message: `exceeded its timeout of ${formatDuration(job.timeoutMs ?? 0)}`,
              }),
            job.timeoutMs,
          );
    this.state = { kind: 'running', pty, startedAt, timeout };
    this.updateMode();
    this.emitPhase('running', null);
  }

  /**
   * Stops the job through the stop ladder. A second call with `immediate` skips the grace
   * periods and goes straight to KILL (the user's second Ctrl-C).
   */
  stop(cause: StopCause, options: { immediate?: boolean } = {}): void {
    const s = this.state;
    switch (s.kind) {
      case 'spawning':
        // Stopped as soon as it runs; a second (immediate) stop keeps the first cause.
        this.state = { ...s, pendingStop: { cause: s.pendingStop?.cause ?? cause, immediate: options.immediate === true || s.pendingStop?.immediate === true } };
        return;
      case 'pending':
        this.finish({
          status: cause.status,
          reason: cause.reason,
          message: cause.message,
          exitCode: null,
          signal: null,
          stoppedBy: null,
          startedAt: null,
          finishedAt: this.o.clock.now(),
        });
        return;
      case 'running': {
        if (s.timeout !== null) this.o.clock.clearTimeout(s.timeout);
        const ladder: Ladder = options.immediate
          ? ['kill']
          : this.o.interruptFirst
            ? ['ctrl-c', 'term', 'kill']
            : ['term', 'kill'];
        this.state = { kind: 'stopping', pty: s.pty, startedAt: s.startedAt, cause, ladder, step: -1, timer: null };
        this.nextStopStep();
        return;
      }
      case 'stopping':
        if (options.immediate && s.ladder[s.step] !== 'kill') {
          if (s.timer !== null) this.o.clock.clearTimeout(s.timer);
          this.state = { ...s, ladder: ['kill'], step: -1, timer: null };
          this.nextStopStep();
        }
        return;
      case 'sweeping':
      case 'finished':
        return;
      default:
        unreachable(s);
    }
  }

  /** Resizes the agent's terminal (the program gets SIGWINCH). Ignored unless it runs. */
  resize(cols: number, rows: number): void {
    const s = this.state;
    if (s.kind !== 'spawning' && s.kind !== 'running' && s.kind !== 'stopping') return;
    try {
      s.pty.resize(cols, rows);
    } catch {
      // The terminal closed under us: the exit handler reports the end.
    }
  }

  /** The terminal size the job was started with. */
  get size(): { cols: number; rows: number } {
    return { cols: this.o.cols, rows: this.o.rows };
  }

  /** Sends bytes to the agent's terminal (answers, pokes). Ignored once the job has exited. */
  write(data: string | Buffer): void {
    const s = this.state;
    switch (s.kind) {
      case 'spawning':
      case 'running':
      case 'stopping':
        s.pty.write(data);
        return;
      case 'pending':
      case 'sweeping':
      case 'finished':
        return;
      default:
        unreachable(s);
    }
  }

  // Hot path: every PTY chunk. Log first, then supervision, then the listeners; either of the
  // first two being behind pauses the PTY (the child blocks) so memory stays flat.
  private onData(pty: PtyProcess, chunk: Buffer): void {
    this.outputBytes += chunk.length;
    this.deliveredBytes += chunk.length;
    if (!this.o.sink.write(chunk)) {
      this.holdUntil(pty, new Promise((resolve) => this.o.sink.onceDrain(resolve)));
    }
    const observer = this.o.observer;
    if (observer !== undefined && !observer.write(chunk)) this.holdUntil(pty, observer.whenCaughtUp());
    this.o.bus.emit({ type: 'job-output', at: this.o.clock.now(), job: this.name, data: chunk });
  }

  // Bounded mode: the PTY skipped bytes (already in both files); counted everywhere, then the tail comes.
  private onGap(skipped: number, oscs: Buffer): void {
    this.outputBytes += skipped;
    this.o.sink.skipped?.(skipped);
    this.o.observer?.skipped?.(skipped, oscs);
  }

  private holdUntil(pty: PtyProcess, ready: Promise<void>): void {
    if (this.holds++ === 0) pty.pause();
    void ready.then(() => {
      if (--this.holds === 0) pty.resume();
    });
  }

  private onExit(exit: PtyExit): void {
    const s = this.state;
    // Every byte is in the log by now (the pump writes it before handing it over).
    if ((s.kind === 'running' || s.kind === 'stopping') && s.pty.writesLog === true) this.o.sink.reclaimLog?.(s.pty.logError?.() ?? null);
    if ((s.kind === 'running' || s.kind === 'stopping') && s.pty.writesTranscript === true) {
      this.o.sink.reclaimTranscript?.(s.pty.transcriptError?.() ?? null);
    }
    switch (s.kind) {
      case 'running':
        if (s.timeout !== null) this.o.clock.clearTimeout(s.timeout);
        this.sweep(s.pty.pid, s.startedAt, exit, null, null);
        return;
      case 'stopping':
        if (s.timer !== null) this.o.clock.clearTimeout(s.timer);
        this.sweep(s.pty.pid, s.startedAt, exit, s.cause, s.ladder[s.step] ?? null);
        return;
      case 'pending':
      case 'spawning':
      case 'sweeping':
      case 'finished':
        throw new Error(`Internal error: job '${this.name}' saw an exit in state ${s.kind}`);
      default:
        unreachable(s);
    }
  }

  private nextStopStep(): void {
    const s = this.state;
    if (s.kind !== 'stopping') return;
    const step = s.step + 1;
    const name = s.ladder[step];
    if (name === undefined) {
      // KILL was sent and the grace ran out: keep waiting for the exit, which KILL guarantees.
      this.state = { ...s, timer: null };
      return;
    }
    this.emitPhase('stopping', `${s.cause.reason ?? 'done'}: ${stepLabel(name)}`);
    switch (name) {
      case 'ctrl-c':
        s.pty.write('\x03');
        break;
      case 'term':
        this.signalTree(s.pty.pid, 'SIGTERM');
        break;
      case 'kill':
        this.signalTree(s.pty.pid, 'SIGKILL');
        break;
      default:
        unreachable(name);
    }
    const timer = this.o.clock.setTimeout(() => this.nextStopStep(), this.o.graceMs);
    this.state = { ...s, step, timer };
  }

  // The agent gets the signal at once; the rest of its tree as soon as the shared scan
  // (src/session/process-scan.ts) has found it, so stopping many jobs costs one scan.
  private signalTree(rootPid: number, signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') this.containment?.killAll();
    this.o.tree.signal([rootPid], signal);
    void this.jobProcesses(rootPid).then((pids) => {
      const rest = pids.filter((pid) => pid !== rootPid);
      if (rest.length > 0) this.o.tree.signal(rest, signal);
    });
  }

  // The session and marker scan, plus every member of the job's cgroup (read after the scan).
  private async jobProcesses(rootPid: number): Promise<number[]> {
    const found = new Set(await this.o.tree.find(rootPid, this.o.marker));
    for (const pid of this.containment?.members() ?? []) found.add(pid);
    return [...found].sort((a, b) => a - b);
  }

  // After the agent's exit its pid may already belong to someone else: never a stray.
  // In a cgroup, the group holds every process the job started (none leaves it without a
  // privileged write to another group's cgroup.procs): its member list is the answer, read at
  // once, and no /proc scan runs for the exit (a batch of 1,000 short jobs kept the scanner's
  // thread busy on the second core, issue 16).
  private async strays(rootPid: number): Promise<number[]> {
    const containment = this.containment;
    const pids = containment?.kind === 'cgroup' ? containment.members() : await this.jobProcesses(rootPid);
    return pids.filter((pid) => pid !== rootPid);
  }

  // After the agent exits, its stray processes (background jobs, setsid escapees) must not outlive it.
  private sweep(rootPid: number, startedAt: number, exit: PtyExit, cause: StopCause | null, stoppedBy: StopStep | null): void {
    this.o.observer?.dispose();
    const context: SweepContext = { rootPid, startedAt, exit, cause, stoppedBy };
    this.state = { kind: 'sweeping', ...context, timer: null };
    void this.strays(rootPid).then((strays) => this.sweepFound(context, strays));
  }

  private sweepFound(context: SweepContext, strays: number[]): void {
    const { rootPid, startedAt, exit, cause, stoppedBy } = context;
    if (strays.length === 0) {
      this.end(startedAt, exit, cause, stoppedBy);
      return;
    }
    // Worth a warning when the agent exited by itself and left them; when codex-run was stopping
    // the job, they are the rest of that stop (the agent is signalled before its tree is found).
    if (cause === null) {
      this.o.bus.emit({
        type: 'warning',
        at: this.o.clock.now(),
        job: this.name,
        message: `stopping ${strays.length} process(es) the job left running after it exited`,
      });
    }
    // Once the ladder reached KILL (or the user asked to skip the grace), strays get no grace either.
    if (stoppedBy === 'kill') {
      this.killRound(context, 0, strays);
      return;
    }
    this.o.tree.signal(strays, 'SIGTERM');
    // Ends as soon as they are gone; whatever is left when the grace runs out gets KILL.
    const deadline = this.o.clock.now() + this.o.graceMs;
    const check = (): void => {
      this.state = { kind: 'sweeping', ...context, timer: null };
      void this.strays(rootPid).then((left) => {
        const now = this.o.clock.now();
        if (left.length === 0) {
          this.end(startedAt, exit, cause, stoppedBy);
        } else if (now < deadline) {
          const timer = this.o.clock.setTimeout(check, Math.min(SWEEP_POLL_MS, deadline - now));
          this.state = { kind: 'sweeping', ...context, timer };
        } else {
          this.killRound(context, 0, left);
        }
      });
    };
    const timer = this.o.clock.setTimeout(check, Math.min(SWEEP_POLL_MS, this.o.graceMs));
    this.state = { kind: 'sweeping', ...context, timer };
  }

  // One round of the final kill: SIGKILL what the last scan found (the whole cgroup at once
  // when there is one), rescan shortly; ends when nothing is left or the rounds run out.
  private killRound(context: SweepContext, round: number, left: number[]): void {
    if (left.length === 0 || round >= MAX_KILL_ROUNDS) {
      if (left.length > 0) {
        this.o.bus.emit({
          type: 'warning',
          at: this.o.clock.now(),
          job: this.name,
          message: `${left.length} process(es) of the job survived SIGKILL (pid ${left.join(', ')}), e.g. stuck in uninterruptible I/O`,
        });
      }
      this.end(context.startedAt, context.exit, context.cause, context.stoppedBy);
      return;
    }
    this.containment?.killAll();
    this.o.tree.signal(left, 'SIGKILL');
    const timer = this.o.clock.setTimeout(() => {
      this.state = { kind: 'sweeping', ...context, timer: null };
      void this.strays(context.rootPid).then((next) => this.killRound(context, round + 1, next));
    }, SWEEP_POLL_MS);
    this.state = { kind: 'sweeping', ...context, timer };
  }

  // Waits for the observer's verdict in the sweeping state, where stop() and write() do nothing.
  private end(startedAt: number, exit: PtyExit, cause: StopCause | null, stoppedBy: StopStep | null): void {
    const s = this.state;
    const rootPid = s.kind === 'running' || s.kind === 'stopping' ? s.pty.pid : s.kind === 'sweeping' ? s.rootPid : -1;
    this.state = { kind: 'sweeping', rootPid, startedAt, exit, cause, stoppedBy, timer: null };
    const released = this.releaseContainment();
    const verdict = this.o.observer?.finish?.(exit) ?? Promise.resolve(null);
    void Promise.all([verdict, released]).then(([v]) => this.finish(resultOf(exit, cause, stoppedBy, startedAt, this.o.clock.now(), v)));
  }

  private finishWithoutRunning(startedAt: number, reason: FailureReason, message: string): void {
    void this.releaseContainment();
    this.o.observer?.dispose();
    void this.o.observer?.finish?.(null);
    this.finish({
      status: 'failed',
      reason,
      message,
      exitCode: null,
      signal: null,
      stoppedBy: null,
      startedAt,
      finishedAt: this.o.clock.now(),
    });
  }

  // The job's cgroup goes once its processes are gone; one that cannot be removed is reported.
  private releaseContainment(): Promise<void> {
    const containment = this.containment;
    this.containment = null;
    if (containment === null) return Promise.resolve();
    return Promise.resolve(containment.release()).then((problem) => {
      if (problem !== null) this.o.bus.emit({ type: 'warning', at: this.o.clock.now(), job: this.name, message: problem });
    });
  }

  private finish(result: JobResult): void {
    this.state = { kind: 'finished', result };
    this.resolveDone(result);
  }

  private emitPhase(phase: 'starting' | 'running' | 'stopping', detail: string | null): void {
    this.o.bus.emit({ type: 'job-state', at: this.o.clock.now(), job: this.name, phase, detail });
  }
}

function stepLabel(step: StopStep): string {
  switch (step) {
    case 'ctrl-c':
      return 'sent Ctrl-C';
    case 'term':
      return 'sent SIGTERM to the process tree';
    case 'kill':
      return 'sent SIGKILL to the process tree';
    default:
      return unreachable(step);
  }
}

const signalNames = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name]),
);

/**
 * Maps how the agent exited (and why codex-run stopped it, if it did) to the job's result;
 * `verdict` is the adapter's explanation of a non-zero exit, or why a clean exit (code 0) is
 * still a failure (e.g. a headless agent that printed no result).
 */
export function resultOf(
  exit: PtyExit,
  cause: StopCause | null,
  stoppedBy: StopStep | null,
  startedAt: number,
  finishedAt: number,
  verdict: ExitVerdict | null = null,
): JobResult {
  const signal = exit.signal !== null && exit.signal !== 0 ? (signalNames.get(exit.signal) ?? `signal ${exit.signal}`) : null;
  const exitCode = signal === null ? exit.exitCode : null;
  const base = { exitCode, signal, startedAt, finishedAt, stoppedBy: cause === null ? null : stoppedBy };
  if (cause !== null) {
    const message = verdict?.restatesStop === true && verdict.reason === cause.reason ? verdict.message : cause.message;
    return { ...base, status: cause.status, reason: cause.reason, message };
  }
  if (exit.hostLost !== undefined) return { ...base, status: 'killed', reason: 'killed-by-signal', message: exit.hostLost };
  if (signal !== null) return { ...base, status: 'killed', reason: 'killed-by-signal', message: `the agent was killed by ${signal}` };
  if (exit.exitCode !== 0) {
    if (verdict !== null) return { ...base, status: 'failed', reason: verdict.reason, message: verdict.message };
    return { ...base, status: 'failed', reason: 'exit-non-zero', message: `the agent exited with code ${exit.exitCode}` };
  }
  if (verdict !== null) return { ...base, status: 'failed', reason: verdict.reason, message: verdict.message };
  return { ...base, status: 'succeeded', reason: null, message: null };
}

/** A job's result once its log turned out incomplete: a success becomes `log-write-failed`. */
export function withLogError(result: JobResult, logError: string | null): JobResult {
  if (logError === null) return result;
  const message = `the log could not be written completely: ${logError}`;
  return result.status === 'succeeded'
    ? { ...result, status: 'failed', reason: 'log-write-failed', message }
    : { ...result, message: `${result.message ?? ''}; ${message}` };
}

// Whether Node may get bounded output from this PTY: it writes both files itself and can be told the mode.
function isBoundable(pty: PtyProcess): boolean {
  return pty.writesLog === true && pty.writesTranscript === true && pty.setBounded !== undefined;
}
