import { VirtualClock } from '../../src/util/virtual-clock.js';

/**
 * A manual clock for unit tests: time moves only when the test calls `advance`. The same
 * clock `rules test` and `replay` drive (src/util/virtual-clock.ts), with a fixed start and
 * the helpers tests use.
 */
export class FakeClock extends VirtualClock {
  constructor(start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    super(start);
  }

  /** Number of timers not yet fired. */
  get timerCount(): number {
    return this.pendingCount();
  }

  /** Moves time forward, firing due timers in order (timers scheduled by timers fire too). */
  advance(ms: number): void {
    // The clock's own time, not an override's (a subclass may shift what now() reports).
    this.advanceTo(super.now() + ms);
  }

  /** Jumps to an absolute time, firing what falls due on the way. */
  setTime(ms: number): void {
    this.advance(Math.max(0, ms - super.now()));
  }
}
