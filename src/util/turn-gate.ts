/**
 * Lets waiters through one per event-loop turn, in order. Starting a job is synchronous work
 * on the main thread once its files are open (screen model, cgroup, the fork of its PTY
 * helper: 5-10 ms); 50 jobs whose files opened together would otherwise all start in one
 * turn and stall the loop for 0.3-0.5 s, holding up every other job's output and answers
 * (issue 16). Between two releases the loop polls for I/O and runs due timers.
 *
 *   idle ──next()──▶ scheduled ──setImmediate: release the oldest waiter──▶ scheduled (more waiting)
 *                                                                     └──▶ idle (none left)
 */
export class TurnGate {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Waiters currently held. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves in a later turn of the event loop, after the waiters before it (one per turn). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // An immediate scheduled while immediates run fires in the next turn, after the I/O poll.
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    this.waiting.shift()?.();
    if (this.waiting.length > 0) this.schedule();
  }
}
