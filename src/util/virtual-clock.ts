import type { Clock, TimerHandle } from './clock.js';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to, for running supervision over recorded output
 * (`rules test`, `replay`) at the recorded times instead of the wall clock's.
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  private pending: Pending[] = [];

  constructor(start: number) {
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
  pendingCount(): number {
    return this.pending.length;
  }

  /** When the next timer is due, or null when none is pending. */
  nextDue(): number | null {
    let next: number | null = null;
    for (const p of this.pending) if (next === null || p.due < next) next = p.due;
    return next;
  }

  /** Moves to `ms` (never backwards), firing due timers in order, including timers they set. */
  advanceTo(ms: number): void {
    const target = Math.max(ms, this.current);
    for (;;) {
      this.pending.sort((a, b) => a.due - b.due || a.id - b.id);
      const next = this.pending[0];
      if (next === undefined || next.due > target) break;
      this.pending.shift();
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }
}
