/**
 * Lets waiters through `perTurn` at a time, one batch per event-loop turn, in order. Starting a job is synchronous work
 * on the main thread once its files are open (screen model, cgroup, the fork of its PTY
 * helper: 5-10 ms); 50 jobs whose files opened together would otherwise all start in one
 * turn and stall the loop for 0.3-0.5 s, holding up every other job's output and answers
 * (issue 16). Between two releases the loop polls for I/O and runs due timers. One start per
 * turn measured ~4 ms more runner CPU per job for 300 fast-exit jobs (the just-started jobs'
 * output is then read in more, smaller pieces); 10 per turn costs nothing measurable and keeps
 * the longest stall near 0.1 s.
 *
 *   idle ──next()──▶ scheduled ──setImmediate: release the oldest perTurn──▶ scheduled (more waiting)
 *                                                                     └──▶ idle (none left)
 */
export class TurnGate {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn = 1) {}

  /** Waiters currently held. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves in a later turn of the event loop, after the waiters before it (`perTurn` per turn). */
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
    for (let i = 0; i < this.perTurn && this.waiting.length > 0; i++) this.waiting.shift()?.();
    if (this.waiting.length > 0) this.schedule();
  }
}
