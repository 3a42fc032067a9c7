import type { Clock, TimerHandle } from '../../src/util/clock.js';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

/** A manual clock for unit tests: time moves only when the test calls `advance`. */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry: Pending = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.pending.push(entry);
    return { id: entry.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.pending = this.pending.filter((p) => p.id !== id);
  }

  /** Number of timers not yet fired. */
  get timerCount(): number {
    return this.pending.length;
  }

  /** Moves time forward, firing due timers in order (timers scheduled by timers fire too). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.pending.sort((a, b) => a.due - b.due || a.id - b.id);
      const next = this.pending[0];
      if (next === undefined || next.due > target) break;
      this.pending.shift();
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }

  /** Jumps to an absolute time, firing what falls due on the way. */
  setTime(ms: number): void {
    this.advance(Math.max(0, ms - this.current));
  }
}
