import type { JobSpec } from '../manifest/model.js';
import type { EventBus, JobStatus } from '../run/events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import type { StopCause } from './job-session.js';
import type { Decision, Intervention, StopReason } from './policies/policy.js';
import { runSendSteps, type SendRun } from './policies/send-steps.js';
import type { SendSpec } from './policies/spec.js';
import { describeState, Supervisor } from './policies/supervisor.js';
import { ScreenModel } from './screen.js';

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
}

/** How often the live state ("idle 4m") is re-checked for the display. */
const STATE_REFRESH_MS = 5000;

/**
 * Watches one job's terminal like a person would: keeps its screen model, runs the job's
 * policies (answer rules, question detector, idle ladder, loop guard, output cap) and acts
 * on their decisions, recording every intervention on the event bus.
 */
export class JobSupervision {
  private readonly screen: ScreenModel;
  private readonly supervisor: Supervisor;
  private readonly sends = new Set<SendRun>();
  private readonly unsubscribe: Array<() => void> = [];
  private shownState = 'working';
  private refresh: TimerHandle | null = null;
  private disposed = false;

  constructor(private readonly o: JobSupervisionOptions) {
    const { spec } = { spec: o.job.supervision };
    this.screen = new ScreenModel({
      cols: o.cols,
      rows: o.rows,
      clock: o.clock,
      historyLines: Supervisor.historyLinesFor(spec),
    });
    this.supervisor = new Supervisor({
      spec,
      clock: o.clock,
      decline: o.decline,
      onDecision: (decision) => this.act(decision),
      timing: { enterDelayMs: o.job.enterDelayMs },
    });
    this.unsubscribe.push(this.supervisor.attach(this.screen));
    // Answer the terminal queries a real terminal would (cursor position, device attributes).
    this.unsubscribe.push(this.screen.onReply((reply) => o.target.write(reply)));
    this.scheduleRefresh();
  }

  /** Feeds raw PTY bytes; false asks the session to pause the PTY until {@link whenCaughtUp}. */
  write(chunk: Buffer): boolean {
    if (this.disposed) return true;
    this.supervisor.observeOutput(chunk.length);
    return this.screen.write(chunk);
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
    for (const send of this.sends) send.cancel();
    for (const off of this.unsubscribe) off();
    this.supervisor.dispose();
    this.screen.dispose();
  }

  private act(decision: Decision): void {
    if (this.disposed) return;
    switch (decision.type) {
      case 'send': {
        this.record(decision.intervention);
        const run = runSendSteps(decision.steps, (data) => this.o.target.write(data), this.o.clock);
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

  private record(intervention: Intervention): void {
    this.o.bus.emit({ type: 'job-intervention', at: intervention.at, job: this.o.job.name, intervention });
  }

  // Tells the display what supervision sees, when that changed.
  private showState(): void {
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
