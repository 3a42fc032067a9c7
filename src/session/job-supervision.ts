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
}

/** How often the live state ("idle 4m") is re-checked for the display. */
const STATE_REFRESH_MS = 5000;

/**
 * Under a flood the screen model (xterm's parser, ~70 MB/s) would halve the job's throughput.
 * Past this many unparsed bytes, output skips the screen model; the log keeps every byte.
 */
const FLOOD_PENDING_BYTES = 32 * 1024;
/** During a flood, the screen is brought up to date with the output's tail this often... */
const FLOOD_REPLAY_EVERY_MS = 100;
/** ...from this much of the latest output (starting at a line boundary). */
const FLOOD_TAIL_BYTES = 16 * 1024;

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
  private disposed = false;
  /** Output held back from the screen model during a flood (only its tail is kept). */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private replay: TimerHandle | null = null;
  private lastReplayAt = Number.NEGATIVE_INFINITY;
  private monitor: AgentMonitor | null = null;
  /** Completed plain-text lines for the monitor (a second decoder: the transcript has its own). */
  private lines: PlainTextDecoder | null = null;
  /** The newest screen snapshot, for live activity lines of full-screen agents. */
  private latest: ScreenSnapshot | null = null;

  constructor(private readonly o: JobSupervisionOptions) {
    const adapter = adapterFor(o.job.agent);
    const builtin = o.builtinRules ?? adapter.builtinRules?.(o.job, o.job.supervision.answers.length) ?? [];
    const spec = { ...o.job.supervision, answers: [...o.job.supervision.answers, ...builtin.map((b) => b.rule)] };
    this.screen = new ScreenModel({
      cols: o.cols,
      rows: o.rows,
      clock: o.clock,
      historyLines: Supervisor.historyLinesFor(spec),
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
    this.scheduleRefresh();
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

  /** Feeds raw PTY bytes; false asks the session to pause the PTY until {@link whenCaughtUp}. */
  write(chunk: Buffer): boolean {
    if (this.disposed) return true;
    this.replies.observe(chunk);
    this.supervisor.observeOutput(chunk.length);
    if (this.lines !== null && this.monitor !== null) for (const line of this.lines.push(chunk)) this.monitor.onLine(line);
    // During a flood the screen sees the output's tail every FLOOD_REPLAY_EVERY_MS instead of
    // every byte (all a person watching would see too), so it never slows the job down.
    if (this.tailBytes > 0 || this.screen.pendingBytes + chunk.length > FLOOD_PENDING_BYTES) {
      this.holdBack(chunk);
      return true;
    }
    this.screen.write(chunk);
    return true;
  }

  private holdBack(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= FLOOD_TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
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
    this.tail = [];
    this.tailBytes = 0;
    this.lastReplayAt = this.o.clock.now();
    const newline = held.indexOf(0x0a);
    this.screen.write(newline >= 0 && newline < held.length - 1 ? held.subarray(newline + 1) : held);
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
        this.record(decision.intervention);
        const run = runSendSteps(decision.steps, (data) => this.type(data), this.o.clock);
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
  private type(data: string): void {
    this.supervisor.observeInput(data);
    this.o.target.write(data);
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
  }

  private scheduleRefresh(): void {
    this.refresh = this.o.clock.setTimeout(() => {
      this.refresh = null;
      if (this.disposed) return;
      this.showState();
      this.scheduleRefresh();
    }, STATE_REFRESH_MS);
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
