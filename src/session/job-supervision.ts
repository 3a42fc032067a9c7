import type { AgentMonitor, BuiltinRule, ExitVerdict, LaunchPlan } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';
import { PlainTextDecoder } from '../logs/plain-text.js';
import type { JobSpec } from '../manifest/model.js';
import type { EventBus, JobStatus } from '../run/events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import type { StopCause } from './job-session.js';
import type { Decision, Intervention, StopReason } from './policies/policy.js';
import { runSendSteps, type SendRun } from './policies/send-steps.js';
import type { SendSpec } from './policies/spec.js';
import { describeState, Supervisor } from './policies/supervisor.js';
import type { PtyExit } from './pty.js';
import { ReplyGate } from './reply-gate.js';
import { ScreenModel, type ScreenSnapshot } from './screen.js';
import { SCREEN_BUDGET } from './screen-budget.js';
import type { ScreenWorkQueue } from './screen-work.js';
import { classifySnapshot } from './classify/classify-snapshot.js';
import type { ScreenVerdict } from './classify/types.js';
import { excerptTail } from './policies/policy.js';
import { DEFAULT_SEND_TIMING, stepsFor, visibleSteps } from './policies/send-steps.js';
import type { SendStep } from './policies/policy.js';

/** What supervision may do to its job: type into the terminal, and stop it. */
export interface SupervisedTarget {
  write(data: string): void;
  stop(cause: StopCause, options: { immediate?: boolean }): void;
}

export interface JobSupervisionOptions {
  job: JobSpec;
  cols: number;
  rows: number;
  clock: Clock;
  bus: EventBus;
  target: SupervisedTarget;
  /** The adapter's declining answer for deny rules without `send`. */
  decline: SendSpec;
  /** The adapter's rules for the agent's own screens, as the plan computed them; absent: asked from the adapter here. */
  builtinRules?: readonly BuiltinRule[];
  /** The run's screen work queue, shared by its jobs (screen-work.ts); absent: this screen's work runs at once. */
  screenWork?: ScreenWorkQueue;
  /**
   * This job's screen burst: its share of the run's (screen-budget.ts, burstShare); absent: one
   * job's full burst. The native pump runs the same budget when it bounds the output.
   */
  screenBurstBytes?: number;
}

/**
 * How often the live state ("idle 4m") is re-checked for the display: on this grid from the
 * job's start, but only at the grid points where time alone can change it (see planRefresh).
 */
const STATE_REFRESH_MS = 5000;
/** When only an event can change the state, the refresh still looks again this often. */
const IDLE_RECHECK_MS = 30_000;

/**
 * The screen model's work is bounded by design, whatever the output volume (screen-budget.ts).
 * Output goes to it as it comes while a byte budget lasts: a bucket of the job's burst (its
 * share of the run's, `screenBurstBytes`) refilled by SCREEN_BYTES_PER_TICK per tick of
 * FLOOD_REPLAY_EVERY_MS. Past the budget, output is held back; once per tick the held output is
 * replayed: whole when it is at most FLOOD_TAIL_BYTES (a big TUI frame: the screen stays
 * exact, a tick late), else only its tail from a line boundary, after a parser reset. So a
 * flooding job costs its screen at most (SCREEN_BYTES_PER_TICK + FLOOD_TAIL_BYTES) of parsing
 * per tick (after one burst) and about FLOOD_TAIL_BYTES of memory; while output is held back the screen takes
 * at most one snapshot a second for the policies (ScreenModel.setFlooding). The log keeps
 * every byte; once the output goes quiet the last tail brings the screen fully up to date.
 * With the native pump in bounded mode, the pump runs this budget and Node gets what it lets through.
 */
const SCREEN_BYTES_PER_TICK = SCREEN_BUDGET.bytesPerTick;
/** Also held back while xterm is this far behind (it parses asynchronously). */
const FLOOD_PENDING_BYTES = 32 * 1024;
/** The tick: during a flood, the screen is brought up to date with the output's tail this often... */
const FLOOD_REPLAY_EVERY_MS = SCREEN_BUDGET.tickMs;
/** ...from this much of the latest output (starting at a line boundary). */
const FLOOD_TAIL_BYTES = SCREEN_BUDGET.tailBytes;
/** A flood is over when no output came this long after a tail was replayed. */
const FLOOD_QUIET_MS = 50;
/**
 * With a bounded PTY, which says when a flood went quiet (the pump's 'q' after its last tail):
 * the flood is over then; this is the fallback, longer than the pump's tick, so that the gap
 * between two of its tails is not taken for the end of the flood (each would cost a snapshot).
 */
const UPSTREAM_FLOOD_QUIET_MS = 2.5 * FLOOD_REPLAY_EVERY_MS;
/**
 * Written before a replayed tail: CAN ends any escape sequence, control or OSC string the
 * skipped output left the parser in, so the tail is parsed from the ground state.
 */
const PARSER_RESET = Buffer.from([0x18]);

/**
 * Watches one job's terminal like a person would: keeps its screen model, runs the job's
 * policies (answer rules, question detector, idle ladder, loop guard, output cap) and acts
 * on their decisions, recording every intervention on the event bus.
 *
 * The agent's adapter adds its part: built-in rules for the agent's own screens (after the
 * job's rules), a pause before the first key of an answer, and a monitor for the launch
 * (OSC state, facts from completed lines and snapshots, the meaning of the exit).
 */
export class JobSupervision {
  private readonly screen: ScreenModel;
  private supervisor: Supervisor;
  /** While someone is attached (`codex-run attach`), supervision makes no decisions; null when not. */
  private detachSupervisor: (() => void) | null = null;
  private paused = false;
  private readonly makeSupervisor: () => Supervisor;
  private readonly replies: ReplyGate;
  private readonly sends = new Set<SendRun>();
  private readonly unsubscribe: Array<() => void> = [];
  private shownState = 'working';
  private refresh: TimerHandle | null = null;
  /** When the refresh timer fires, and where its grid starts (see planRefresh). */
  private refreshAt: number | null = null;
  private readonly refreshOrigin: number;
  private disposed = false;
  /** Output held back from the screen model during a flood (only its tail is kept). */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Whether output was dropped from the held tail (else it is replayed whole: the screen stays exact). */
  private tailTrimmed = false;
  private replay: TimerHandle | null = null;
  private floodCheck: TimerHandle | null = null;
  private lastReplayAt = Number.NEGATIVE_INFINITY;
  /** The screen's byte budget: what is left in the bucket, as of when. */
  private budget: number;
  /** The bucket's size (see screenBurstBytes). */
  readonly screenBurstBytes: number;
  private budgetAt: number | null = null;
  private outputBytes = 0;
  /** The PTY runs the screen budget itself (the native pump's bounded mode): output goes to the screen as it comes. */
  private upstreamBounded = false;
  /** Bytes the bounded PTY skipped, the tails it sent after them, and all the held-back tails it sent. */
  private skippedBytes = 0;
  private gaps = 0;
  private tails = 0;
  private monitor: AgentMonitor | null = null;
  /** Completed plain-text lines for the monitor (a second decoder: the transcript has its own). */
  private lines: PlainTextDecoder | null = null;
  /** The newest screen snapshot, for live activity lines of full-screen agents. */
  private latest: ScreenSnapshot | null = null;

  constructor(private readonly o: JobSupervisionOptions) {
    this.refreshOrigin = o.clock.now();
    this.screenBurstBytes = o.screenBurstBytes ?? SCREEN_BUDGET.burstBytes;
    this.budget = this.screenBurstBytes;
    const adapter = adapterFor(o.job.agent);
    const builtin = o.builtinRules ?? adapter.builtinRules?.(o.job, o.job.supervision.answers.length) ?? [];
    const spec = { ...o.job.supervision, answers: [...o.job.supervision.answers, ...builtin.map((b) => b.rule)] };
    this.screen = new ScreenModel({
      cols: o.cols,
      rows: o.rows,
      clock: o.clock,
      historyLines: Supervisor.historyLinesFor(spec),
      work: o.screenWork,
    });
    this.makeSupervisor = () =>
      new Supervisor({
        spec,
        clock: o.clock,
        decline: o.decline,
        onDecision: (decision) => this.act(decision),
        agent: o.job.agent,
        timing: { enterDelayMs: o.job.enterDelayMs, answerDelayMs: adapter.answerDelayMs ?? 0 },
      });
    this.supervisor = this.makeSupervisor();
    this.detachSupervisor = this.supervisor.attach(this.screen);
    this.unsubscribe.push(this.screen.onSnapshot((snap) => (this.latest = snap)));
    // Answer the terminal queries a real terminal would (cursor position, device attributes),
    // but only when the job looks like a terminal program asking (src/session/reply-gate.ts).
    this.replies = new ReplyGate({ clock: o.clock, send: (reply) => this.type(reply) });
    this.unsubscribe.push(this.screen.onReply((reply) => this.replies.offer(reply)));
    this.planRefresh();
  }

  /** The newest screen snapshot (kept after the job ends), or null before the first. */
  lastSnapshot(): ScreenSnapshot | null {
    return this.latest;
  }

  /** Starts the launch's monitor, if its adapter has one (called by the session just before the spawn). */
  prepare(launch: LaunchPlan): Result<void, string> {
    if (launch.monitor === undefined || this.disposed) return ok(undefined);
    const monitor = launch.monitor({
      clock: this.o.clock,
      target: {
        facts: (facts) => this.o.bus.emit({ type: 'job-facts', at: this.o.clock.now(), job: this.o.job.name, facts }),
        blocked: (blocked) => {
          this.supervisor.setAgentBlocked(blocked);
          this.showState();
        },
        stop: (cause, options) => {
          if (options?.intervention !== undefined) this.record(options.intervention);
          for (const send of this.sends) send.cancel();
          this.o.target.stop(cause, { immediate: options?.immediate === true });
        },
        answerTerminal: (bytes) => {
          if (!this.disposed) this.type(bytes);
        },
      },
    });
    this.monitor = monitor;
    for (const ident of monitor.oscIdents) this.unsubscribe.push(this.screen.onOsc(ident, (payload) => monitor.onOsc(ident, payload)));
    this.unsubscribe.push(this.screen.onSnapshot((snap) => monitor.onScreen(snap)));
    if (monitor.onTitle !== undefined) this.unsubscribe.push(this.screen.onTitle((title) => monitor.onTitle?.(title)));
    if (monitor.wantsLines) this.lines = new PlainTextDecoder();
    return monitor.prepare();
  }

  /** Whether every byte must reach here: a monitor that reads every completed line. */
  needsEveryByte(): boolean {
    return this.lines !== null;
  }

  /**
   * The PTY bounds what it sends (the budget below runs in the native pump): output goes to
   * the screen as it comes, and each tail is announced by {@link skipped}. False: the budget
   * runs here again (e.g. while someone is attached and every byte comes).
   */
  setUpstreamBounded(bounded: boolean): void {
    this.upstreamBounded = bounded;
  }

  /**
   * The bounded PTY held output back (the screen takes at most one snapshot a second for the
   * policies until the flood is over) and skipped `skipped` of it (0: none, the next write is
   * whole); the next write is the output's tail. Counted as
   * output (progress, output cap); the OSC sequences found in the skipped part (titles, agent
   * state) reach the screen first, after a parser reset (the skip may have cut a sequence).
   */
  skipped(skipped: number, oscs: Buffer): void {
    if (this.disposed) return;
    this.tails++;
    // 0: the output that follows was held back (the budget ran out) but is whole.
    this.screen.setFlooding(true);
    if (skipped > 0) {
      this.outputBytes += skipped;
      this.skippedBytes += skipped;
      this.gaps++;
      this.supervisor.observeOutput(skipped);
      this.screen.write(PARSER_RESET);
      if (oscs.length > 0) this.screen.write(oscs);
    }
    // The PTY says when the flood went quiet (quiet()); else, nothing more held for a while.
    if (this.floodCheck !== null) this.o.clock.clearTimeout(this.floodCheck);
    this.floodCheck = this.o.clock.setTimeout(() => this.floodOver(), UPSTREAM_FLOOD_QUIET_MS);
  }

  // The flood is over: the screen notifies as usual again.
  private floodOver(): void {
    if (this.floodCheck !== null) this.o.clock.clearTimeout(this.floodCheck);
    this.floodCheck = null;
    this.screen.setFlooding(false);
  }

  /**
   * The PTY saw the output go quiet: the reply to codex-run's input, which the screen shows now
   * (screen.ts, the quiet edge), or a flood, which is over once its last tail is parsed.
   */
  quiet(): void {
    if (this.disposed) return;
    if (this.upstreamBounded && this.floodCheck !== null) this.floodOver();
    this.screen.outputQuiet();
  }

  /** Feeds raw PTY bytes; false asks the session to pause the PTY until {@link whenCaughtUp}. */
  write(chunk: Buffer): boolean {
    if (this.disposed) return true;
    this.outputBytes += chunk.length;
    this.replies.observe(chunk);
    this.supervisor.observeOutput(chunk.length);
    if (this.lines !== null && this.monitor !== null) for (const line of this.lines.push(chunk)) this.monitor.onLine(line);
    if (this.upstreamBounded && this.tailBytes === 0) {
      this.screen.write(chunk);
      return true;
    }
    // Past the tick's budget the screen sees the output's tail once per tick instead of every
    // byte (all a person watching would see too), so it never slows the job down.
    if (this.tailBytes > 0) {
      this.holdBack(chunk);
      return true;
    }
    this.refillBudget();
    if (chunk.length > this.budget || this.screen.pendingBytes + chunk.length > FLOOD_PENDING_BYTES) {
      this.holdBack(chunk);
      return true;
    }
    this.budget -= chunk.length;
    this.screen.write(chunk);
    return true;
  }

  private refillBudget(): void {
    const now = this.o.clock.now();
    const elapsed = this.budgetAt === null ? 0 : now - this.budgetAt;
    this.budgetAt = now;
    this.budget = Math.min(this.screenBurstBytes, this.budget + (elapsed * SCREEN_BYTES_PER_TICK) / FLOOD_REPLAY_EVERY_MS);
  }

  /**
   * Bytes the screen model was given, bytes held for the next tail, all output seen, snapshots
   * the policies read; from a bounded PTY, bytes skipped, tails after a skip, and all tails.
   */
  screenWork(): { fed: number; held: number; outputBytes: number; snapshots: number; skipped: number; gaps: number; tails: number } {
    return {
      fed: this.screen.bytesWritten,
      held: this.tailBytes,
      outputBytes: this.outputBytes,
      snapshots: this.screen.notified,
      skipped: this.skippedBytes,
      gaps: this.gaps,
      tails: this.tails,
    };
  }

  private holdBack(chunk: Buffer): void {
    if (this.floodCheck !== null) {
      this.o.clock.clearTimeout(this.floodCheck);
      this.floodCheck = null;
    }
    this.screen.setFlooding(true);
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= FLOOD_TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
      this.tailTrimmed = true;
    }
    if (this.replay !== null) return;
    const wait = Math.max(0, this.lastReplayAt + FLOOD_REPLAY_EVERY_MS - this.o.clock.now());
    this.replay = this.o.clock.setTimeout(() => void this.screen.whenParsed().then(() => this.replayTail()), wait);
  }

  // Brings the screen up to date with the held-back tail, from its first line boundary on.
  private replayTail(): void {
    this.replay = null;
    if (this.disposed || this.tailBytes === 0) return;
    const held = Buffer.concat(this.tail);
    const trimmed = this.tailTrimmed || held.length > FLOOD_TAIL_BYTES;
    this.tail = [];
    this.tailBytes = 0;
    this.tailTrimmed = false;
    this.lastReplayAt = this.o.clock.now();
    let tail = held;
    if (trimmed) {
      // Output was skipped: start at a line boundary of the latest part, from the parser's ground state.
      const recent = held.subarray(Math.max(0, held.length - FLOOD_TAIL_BYTES));
      const newline = recent.indexOf(0x0a);
      tail = newline >= 0 && newline < recent.length - 1 ? recent.subarray(newline + 1) : recent;
      this.screen.write(PARSER_RESET);
    }
    this.screen.write(tail);
    // The tail is paid from the budget (into debt if need be: the next output is held back).
    this.refillBudget();
    this.budget -= tail.length;
    // Nothing more held back shortly after: the flood is over, the screen notifies as usual again.
    if (this.floodCheck !== null) this.o.clock.clearTimeout(this.floodCheck);
    this.floodCheck = this.o.clock.setTimeout(() => {
      this.floodCheck = null;
      if (this.tailBytes === 0 && this.replay === null) this.screen.setFlooding(false);
    }, FLOOD_QUIET_MS);
  }

  /** After the exit: the monitor reads the last lines and says why a failed exit failed. */
  async finish(exit: PtyExit | null): Promise<ExitVerdict | null> {
    const monitor = this.monitor;
    if (monitor === null) return null;
    if (this.lines !== null) for (const line of this.lines.flush()) monitor.onLine(line);
    return monitor.finish(exit);
  }

  /**
   * What a person looking from outside (`codex-run screen`, `ps`) sees: the screen as the
   * supervisor has it, the classifier's verdict on it, and the supervision state label.
   */
  inspect(): { snapshot: ScreenSnapshot; verdict: ScreenVerdict; state: string } {
    const snapshot = this.screen.snapshot();
    const verdict = classifySnapshot(snapshot, { agent: this.o.job.agent });
    return { snapshot, verdict, state: describeState(this.supervisor.state()) };
  }

  /**
   * Types keystrokes someone sent from outside (`codex-run send`), through the same path as
   * supervision's own answers (so their echo is not progress), recorded as an `input`
   * intervention with who sent it. False when the job is no longer watched.
   */
  typeFromOutside(steps: readonly SendStep[], by: string): boolean {
    if (this.disposed) return false;
    const excerpt = excerptTail(this.screen.snapshot());
    this.o.bus.emit({
      type: 'job-intervention',
      at: this.o.clock.now(),
      job: this.o.job.name,
      intervention: { at: this.o.clock.now(), kind: 'input', rule: null, excerpt, sent: visibleSteps(steps), by },
    });
    const run = runSendSteps(steps, (data) => this.type(data), this.o.clock);
    this.sends.add(run);
    void run.done.then(() => this.sends.delete(run));
    return true;
  }

  /**
   * `codex-run attach`: someone types into the terminal themselves, so supervision stops
   * deciding (no answers, pokes, idle or loop stops) until {@link resumeSupervision}. Pending
   * keystrokes of an answer are dropped.
   */
  pauseSupervision(): void {
    if (this.disposed || this.paused) return;
    this.paused = true;
    for (const send of this.sends) send.cancel();
    this.detachSupervisor?.();
    this.detachSupervisor = null;
    this.supervisor.dispose();
    this.o.bus.emit({ type: 'job-state', at: this.o.clock.now(), job: this.o.job.name, phase: 'running', detail: 'attached (supervision paused)' });
    this.shownState = 'attached (supervision paused)';
  }

  /** Supervision starts afresh (new idle timers and rule counts) on the screen as it is now. */
  resumeSupervision(): void {
    if (this.disposed || !this.paused) return;
    this.paused = false;
    this.supervisor = this.makeSupervisor();
    this.detachSupervisor = this.supervisor.attach(this.screen);
    this.supervisor.observeScreen(this.screen.snapshot());
    this.showState();
  }

  /** The job's terminal was resized: the screen model follows, so rules read what the agent draws at its new size. */
  resize(cols: number, rows: number): void {
    if (!this.disposed) this.screen.resize(cols, rows);
  }

  /** Raw keystrokes of an attached person, through the same path as supervision's own (recorded as input, not progress). */
  typeAttached(data: string): void {
    if (!this.disposed) this.type(data);
  }

  /** The timed keystrokes for a send value, with this job's Enter timing. */
  stepsFor(spec: SendSpec): SendStep[] {
    return stepsFor(spec, { ...DEFAULT_SEND_TIMING, enterDelayMs: this.o.job.enterDelayMs });
  }

  /** Resolves when the screen model has parsed what it was given. */
  whenCaughtUp(): Promise<void> {
    return this.screen.whenParsed();
  }

  /** Stops watching: cancels pending keystrokes and timers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.refresh !== null) this.o.clock.clearTimeout(this.refresh);
    if (this.replay !== null) this.o.clock.clearTimeout(this.replay);
    if (this.floodCheck !== null) this.o.clock.clearTimeout(this.floodCheck);
    for (const send of this.sends) send.cancel();
    this.replies.cancel();
    for (const off of this.unsubscribe) off();
    this.detachSupervisor?.();
    this.detachSupervisor = null;
    this.monitor?.dispose();
    this.supervisor.dispose();
    this.screen.dispose();
  }

  private act(decision: Decision): void {
    if (this.disposed) return;
    switch (decision.type) {
      case 'send': {
        // One answer at a time: while our own keystrokes are still redrawing the screen (a menu
        // cursor moving before its Enter), a rule may think it sees a new prompt. Only a
        // denial interrupts an answer in progress.
        if (this.sends.size > 0) {
          if (decision.intervention.kind !== 'deny') break;
          for (const send of this.sends) send.cancel();
          this.sends.clear();
        }
        // The first keys go out before the intervention is recorded (the event consumers, the
        // events log and the report, are not between a prompt and its answer); the event is
        // the same, stamped with the decision's time, and nothing is emitted in between.
        const run = runSendSteps(decision.steps, (data) => this.type(data), this.o.clock);
        this.record(decision.intervention);
        this.sends.add(run);
        void run.done.then(() => this.sends.delete(run));
        break;
      }
      case 'stop':
        this.record(decision.intervention);
        for (const send of this.sends) send.cancel();
        this.o.target.stop(causeOf(decision.reason, decision.message), { immediate: decision.reason === 'rule-killed' });
        break;
      case 'blocked':
        this.record(decision.intervention);
        break;
      case 'unblocked':
      case 'progress':
        break;
      default:
        unreachable(decision);
    }
    this.showState();
  }

  // Everything codex-run types goes through here, so supervision knows its echo is not progress.
  // The keys go out first: nothing else runs before their echo can be read (a later turn).
  private type(data: string): void {
    this.o.target.write(data);
    this.supervisor.observeInput(data);
    // Its reply is noticed as soon as it pauses (screen.ts: the quiet edge after our input).
    this.screen.inputSent();
  }

  private record(intervention: Intervention): void {
    this.o.bus.emit({ type: 'job-intervention', at: intervention.at, job: this.o.job.name, intervention });
  }

  // Tells the display what supervision sees, when that changed.
  private showState(): void {
    if (this.paused) return;
    const state = this.supervisor.state();
    if (state.kind === 'stopping') return;
    const label = describeState(state);
    if (label === this.shownState) return;
    this.shownState = label;
    this.o.bus.emit({ type: 'job-state', at: this.o.clock.now(), job: this.o.job.name, phase: 'running', detail: label });
    if (this.refresh !== null) this.planRefresh();
  }

  // The refresh timer wakes on the STATE_REFRESH_MS grid from the start (as a 5 s poll would:
  // the same labels at the same moments), but only at the first grid point where time alone can
  // change the state: a job that keeps making progress is looked at about every 30 s, not
  // every 5 s (issue 16: 50 idle jobs); while "idle" counts up, at every grid point. Called
  // again after every change shown, so a sooner change (an "answered" label that expires) is
  // never missed; a later one lets the planned wake-up come and plan again.
  private planRefresh(): void {
    if (this.disposed) return;
    const now = this.o.clock.now();
    const changeAt = this.supervisor.nextStateChangeAt() ?? now + IDLE_RECHECK_MS;
    const steps = Math.max(1, Math.ceil((Math.max(changeAt, now + 1) - this.refreshOrigin) / STATE_REFRESH_MS));
    const at = this.refreshOrigin + steps * STATE_REFRESH_MS;
    if (this.refreshAt !== null && this.refreshAt <= at) return;
    if (this.refresh !== null) this.o.clock.clearTimeout(this.refresh);
    this.refreshAt = at;
    this.refresh = this.o.clock.setTimeout(() => {
      this.refresh = null;
      this.refreshAt = null;
      if (this.disposed) return;
      this.showState();
      this.planRefresh();
    }, at - now);
  }
}

/** The job's status and reason when a policy stops it. */
export function causeOf(reason: StopReason, message: string): StopCause {
  const status: Extract<JobStatus, 'killed' | 'failed'> = ((): 'killed' | 'failed' => {
    switch (reason) {
      case 'idle-killed':
      case 'looping':
      case 'output-limit':
      case 'rule-killed':
        return 'killed';
      case 'rule-failed':
      case 'denied':
      case 'waiting-for-input':
        return 'failed';
      default:
        return unreachable(reason);
    }
  })();
  return { status, reason, message };
}
