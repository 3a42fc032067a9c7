import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/**
 * Per-job state of the throttle:
 *
 *   open ──offer──▶ (emit now) cooling{pending: null}
 *   cooling ──offer──▶ cooling{pending: newest line}      (older pending line dropped)
 *   cooling{pending: null} ──window ends──▶ open
 *   cooling{pending: line} ──window ends──▶ (emit line) cooling{pending: null}
 *   any ──cancel──▶ open                                   (pending line dropped, timer cleared)
 */
type JobThrottle = { kind: 'open' } | { kind: 'cooling'; timer: TimerHandle; pending: string | null };

/**
 * Lets through at most one activity line per job per window, so a CI log shows what each job
 * is doing without being flooded. The first line goes out at once; the newest line offered
 * during a window goes out when the window ends, so the last thing a quiet (or hung) job said
 * is not lost.
 */
export class ActivityThrottle {
  private readonly jobs = new Map<string, JobThrottle>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly emit: (job: string, line: string) => void,
  ) {}

  offer(job: string, line: string): void {
    const state = this.jobs.get(job) ?? { kind: 'open' };
    switch (state.kind) {
      case 'open':
        this.emit(job, line);
        this.jobs.set(job, this.cooling(job));
        return;
      case 'cooling':
        state.pending = line;
        return;
      default:
        unreachable(state);
    }
  }

  /** Drops the job's pending line and timer (the job finished: its last line is no longer news). */
  cancel(job: string): void {
    const state = this.jobs.get(job);
    if (state === undefined) return;
    switch (state.kind) {
      case 'open':
        break;
      case 'cooling':
        this.clock.clearTimeout(state.timer);
        break;
      default:
        unreachable(state);
    }
    this.jobs.delete(job);
  }

  /** Cancels every job, leaving no timer behind. */
  cancelAll(): void {
    for (const job of [...this.jobs.keys()]) this.cancel(job);
  }

  private cooling(job: string): JobThrottle {
    const timer = this.clock.setTimeout(() => this.windowEnded(job), this.windowMs);
    return { kind: 'cooling', timer, pending: null };
  }

  private windowEnded(job: string): void {
    const state = this.jobs.get(job);
    if (state === undefined) return;
    switch (state.kind) {
      case 'open':
        return;
      case 'cooling':
        if (state.pending === null) {
          this.jobs.delete(job);
          return;
        }
        this.emit(job, state.pending);
        this.jobs.set(job, this.cooling(job));
        return;
      default:
        unreachable(state);
    }
  }
}
