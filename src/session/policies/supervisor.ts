/**
 * Supervision of one job: composes the policies in order (answer rules → question
 * detector → idle ladder → loop guard → output cap), feeds them screen snapshots, output
 * byte counts and clock ticks, and hands every decision to the job session. It also keeps
 * the supervision state shown live: working, waiting for input, answered <rule>, idle 4m,
 * poked, stopping.
 *
 *   watching ──a stop decision──▶ stopping ──dispose()──▶ disposed
 *      └──────────────────── dispose() ───────────────────▲
 *
 * Once stopping, nothing more is decided. Timers come from the injected clock: after
 * every event the supervisor asks the policies when they next need a tick and keeps one
 * timer for the earliest.
 */

import type { Clock, TimerHandle } from '../../util/clock.js';
import { unreachable } from '../../util/unreachable.js';
import type { ScreenSnapshot } from '../screen.js';
import { AnswerRules } from './answer-rules.js';
import { IdleLadder } from './idle-ladder.js';
import { LoopGuard, loopHistoryLines } from './loop-guard.js';
import { OutputCap } from './output-cap.js';
import { formatMs, type Decision, type Policy, type RuleRef, type ScreenContext, type StopReason } from './policy.js';
import { QuestionDetector } from './question-detector.js';
import { ScreenJudge } from './self-input.js';
import { DEFAULT_SEND_TIMING, type SendTiming } from './send-steps.js';
import type { SendSpec, SupervisionSpec } from './spec.js';

/** Options of a {@link Supervisor}. */
export interface SupervisorOptions {
  spec: SupervisionSpec;
  clock: Clock;
  /** Called for every decision, in order, including those made when a timer fires. */
  onDecision: (decision: Decision) => void;
  /** What deny rules type when they have no `send`: the adapter's declining key. Default: Esc. */
  decline?: SendSpec;
  /** Pauses between keystrokes (see send-steps.ts). */
  timing?: Partial<SendTiming>;
  /** The display says "idle" after this long without progress. Default 30 s. */
  idleDisplayAfterMs?: number;
  /** The agent kind (`codex`, `claude`, ...): the question detector adds its screen knowledge. */
  agent?: string;
}

/** The supervision state shown live next to a job. */
export type SupervisionState =
  | { kind: 'working' }
  | { kind: 'answered'; rule: RuleRef; at: number }
  | { kind: 'idle'; forMs: number }
  | { kind: 'poked'; at: number }
  | { kind: 'waiting-for-input'; since: number }
  | { kind: 'stopping'; reason: StopReason };

/** "answered <rule>" stays on the display this long. */
const ANSWERED_DISPLAY_MS = 5000;

type Phase = { kind: 'watching' } | { kind: 'stopping'; reason: StopReason } | { kind: 'disposed' };

/** Something that delivers screen snapshots, e.g. a ScreenModel. */
export interface SnapshotSource {
  onSnapshot(listener: (snap: ScreenSnapshot) => void): () => void;
}

const DEFAULT_DECLINE: SendSpec = { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] };

/** The supervisor of one job. */
export class Supervisor {
  private readonly clock: Clock;
  private readonly emit: (decision: Decision) => void;
  private readonly policies: Policy[];
  private readonly answers: AnswerRules;
  /** Progress is what the agent changed on screen, not the echo of what codex-run typed (self-input.ts). */
  private readonly judge = new ScreenJudge();
  /** Keystrokes typed while the snapshot being observed is not judged yet (see observeScreen); null outside. */
  private heldInput: Array<{ data: string; at: number }> | null = null;
  private readonly idleDisplayAfterMs: number;
  private phase: Phase = { kind: 'watching' };
  private timer: TimerHandle | null = null;
  private wakeAt: number | null = null;
  private lastProgressAt: number;
  private pokedAt: number | null = null;
  private readonly blockedBy = new Set<string>();
  private blockedSince: number | null = null;
  /** Since when the agent itself says a dialog waits for the user (codex's OSC 7501), or null. */
  private agentBlockedSince: number | null = null;

  /** Scrollback rows the job's ScreenModel should keep (`historyLines`) for this spec. */
  static historyLinesFor(spec: SupervisionSpec): number {
    return spec.loop === null ? 0 : loopHistoryLines(spec.loop);
  }

  constructor(options: SupervisorOptions) {
    this.clock = options.clock;
    this.emit = options.onDecision;
    this.idleDisplayAfterMs = options.idleDisplayAfterMs ?? 30_000;
    this.lastProgressAt = this.clock.now();
    const timing: SendTiming = { ...DEFAULT_SEND_TIMING, ...options.timing };
    const { spec } = options;
    this.answers = new AnswerRules(spec.answers, { decline: options.decline ?? DEFAULT_DECLINE, timing });
    this.policies = [this.answers, new QuestionDetector(spec.idle, timing, options.agent), new IdleLadder(spec.idle, timing, this.lastProgressAt)];
    if (spec.loop !== null) this.policies.push(new LoopGuard(spec.loop, (line) => this.judge.isEchoLine(line)));
    if (spec.maxOutputBytes !== null) this.policies.push(new OutputCap(spec.maxOutputBytes));
    this.reschedule();
  }

  /**
   * Feeds a screen snapshot (call in the same tick it was taken: rules anchor to its lines).
   *
   * The answer rules go first, and their answer is typed before the judge has looked at the
   * snapshot, and before the rules take the answered prompt's instance (their `settle`): neither's
   * ~0.1-0.2 ms is spent between a prompt and its answer. The judgement is made
   * when the answer rules ask for it, else right after them, and keystrokes typed before it are
   * noted to the judge only after it. So it judges the snapshot exactly as it would have had
   * it gone first.
   */
  observeScreen(snap: ScreenSnapshot): void {
    if (this.phase.kind !== 'watching') return;
    const now = this.clock.now();
    let progress: boolean | null = null;
    const judged = (): boolean => {
      if (progress !== null) return progress;
      progress = this.judge.judge(snap, now) === 'agent';
      const held = this.heldInput ?? [];
      this.heldInput = null;
      for (const input of held) this.judge.noteInput(input.data, input.at);
      if (progress) {
        this.lastProgressAt = now;
        this.pokedAt = null;
        if (this.phase.kind === 'watching') this.emit({ type: 'progress' });
      }
      return progress;
    };
    const ctx: ScreenContext = {
      now,
      get progress() {
        return judged();
      },
      handled: false,
    };
    this.heldInput = [];
    try {
      for (const policy of this.policies) {
        if (policy !== this.answers) judged();
        if (policy.onScreen === undefined) continue;
        for (const d of policy.onScreen(snap, ctx)) {
          if (d.type === 'send' || d.type === 'blocked' || d.type === 'stop') ctx.handled = true;
          this.handle(policy, d);
        }
        policy.settle?.();
        if (this.phase.kind !== 'watching') return;
      }
    } finally {
      judged();
    }
    this.reschedule();
  }

  /**
   * Records bytes codex-run itself typed into the job's terminal (answers, pokes, keys, replies
   * to terminal queries), when they are written: their echo, and a redraw they cause, are not
   * the agent's progress, for the idle ladder, the question detector and the loop guard alike.
   */
  observeInput(data: string): void {
    if (this.phase.kind === 'disposed') return;
    // Typed while a snapshot waits for its judgement (an answer): noted right after it.
    if (this.heldInput !== null) this.heldInput.push({ data, at: this.clock.now() });
    else this.judge.noteInput(data, this.clock.now());
  }

  /** Counts raw output bytes (for the output cap); call for every PTY chunk. */
  observeOutput(bytes: number): void {
    if (this.phase.kind !== 'watching') return;
    const now = this.clock.now();
    for (const policy of this.policies) {
      for (const d of policy.onOutputBytes?.(bytes, now) ?? []) this.handle(policy, d);
      if (this.phase.kind !== 'watching') return;
    }
  }

  /**
   * What the agent says about itself (machine signals such as codex's OSC 7501): a dialog
   * waits for the user, or no longer. Shown as waiting for input at once, before any screen
   * heuristic; the question detector still decides when the job counts as blocked.
   */
  setAgentBlocked(blocked: boolean): void {
    if (blocked && this.agentBlockedSince === null) this.agentBlockedSince = this.clock.now();
    if (!blocked) this.agentBlockedSince = null;
  }

  /** Subscribes to a screen's snapshots; returns the unsubscribe function. */
  attach(source: SnapshotSource): () => void {
    return source.onSnapshot((snap) => this.observeScreen(snap));
  }

  /** The state to show now. */
  state(): SupervisionState {
    const phase = this.phase;
    switch (phase.kind) {
      case 'stopping':
        return { kind: 'stopping', reason: phase.reason };
      case 'disposed':
      case 'watching':
        break;
      default:
        return unreachable(phase);
    }
    const now = this.clock.now();
    if (this.blockedSince !== null) return { kind: 'waiting-for-input', since: this.blockedSince };
    if (this.agentBlockedSince !== null) return { kind: 'waiting-for-input', since: this.agentBlockedSince };
    if (this.pokedAt !== null) return { kind: 'poked', at: this.pokedAt };
    const answered = this.answers.lastAnswered;
    if (answered !== null && now - answered.at < ANSWERED_DISPLAY_MS) return { kind: 'answered', rule: answered.rule, at: answered.at };
    const idleFor = now - this.lastProgressAt;
    if (idleFor >= this.idleDisplayAfterMs) return { kind: 'idle', forMs: idleFor };
    return { kind: 'working' };
  }

  /**
   * The earliest time {@link state} can change with nothing happening but time passing (an
   * "answered" label expiring, "idle" appearing or counting up), as of now; null when only an
   * event can change it. Events (decisions, progress) are shown by whoever acts on them.
   */
  nextStateChangeAt(): number | null {
    const state = this.state();
    switch (state.kind) {
      case 'stopping':
      case 'waiting-for-input':
      case 'poked':
        return null;
      case 'answered':
        return state.at + ANSWERED_DISPLAY_MS;
      case 'idle':
        return this.clock.now();
      case 'working':
        return this.phase.kind === 'disposed' ? null : this.lastProgressAt + this.idleDisplayAfterMs;
      default:
        return unreachable(state);
    }
  }

  /** Stops the timers and releases what the policies hold. */
  dispose(): void {
    this.phase = { kind: 'disposed' };
    this.clearTimer();
    for (const policy of this.policies) policy.dispose?.();
  }

  private handle(policy: Policy, d: Decision): void {
    if (this.phase.kind !== 'watching') return;
    switch (d.type) {
      case 'progress':
      case 'send':
        break;
      case 'blocked':
        if (this.blockedBy.size === 0) this.blockedSince = d.intervention.at;
        this.blockedBy.add(policy.name);
        break;
      case 'unblocked':
        if (!this.blockedBy.delete(policy.name) || this.blockedBy.size > 0) return;
        this.blockedSince = null;
        break;
      case 'stop':
        this.phase = { kind: 'stopping', reason: d.reason };
        this.clearTimer();
        break;
      default:
        return unreachable(d);
    }
    if (d.type === 'send' && d.intervention.kind === 'poke') this.pokedAt = d.intervention.at;
    this.emit(d);
  }

  private tick(): void {
    this.timer = null;
    this.wakeAt = null;
    if (this.phase.kind !== 'watching') return;
    const now = this.clock.now();
    for (const policy of this.policies) {
      for (const d of policy.onTick?.(now) ?? []) this.handle(policy, d);
      if (this.phase.kind !== 'watching') return;
    }
    this.reschedule();
  }

  // One timer, for the earliest moment any policy needs a tick.
  private reschedule(): void {
    let next: number | null = null;
    for (const policy of this.policies) {
      const at = policy.nextWakeAt?.() ?? null;
      if (at !== null && (next === null || at < next)) next = at;
    }
    if (next === this.wakeAt) return;
    this.clearTimer();
    if (next === null) return;
    this.wakeAt = next;
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, next - this.clock.now()));
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.wakeAt = null;
  }
}

/** The state as the live display shows it: working, waiting for input, answered "…", idle 4m, poked, stopping. */
export function describeState(state: SupervisionState): string {
  switch (state.kind) {
    case 'working':
      return 'working';
    case 'answered': {
      const m = state.rule.match;
      return `answered ${JSON.stringify(m.length > 30 ? `${m.slice(0, 29)}…` : m)}`;
    }
    case 'idle': {
      const minutes = Math.floor(state.forMs / 60_000);
      return `idle ${minutes >= 1 && minutes < 60 ? `${minutes}m` : formatMs(state.forMs)}`;
    }
    case 'poked':
      return 'poked';
    case 'waiting-for-input':
      return 'waiting for input';
    case 'stopping':
      return `stopping (${state.reason})`;
    default:
      return unreachable(state);
  }
}
