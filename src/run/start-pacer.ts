/**
 * Hands out the turns to start jobs, a few per turn of the event loop. When many jobs may start at
 * once (200 with `concurrency: 200`), their file opens finish together and each start spawns a
 * process on the main thread (~10-20 ms, more as the runner grows): started back to back, the
 * runner read no output and saw no exit for seconds, so every job that had already printed or
 * ended was held in memory until the last one started (200 x 1 MiB floods peaked at ~240 MiB,
 * ~225 MiB paced, see docs/benchmarks.md "Memory of many jobs"). Between two batches of starts
 * the loop now reads the pipes and finishes the jobs that ended. The order of starts is kept.
 */

/**
 * Starts per turn. One per turn saved as much memory but cost +35 % runner CPU and +15 % wall
 * with 200 floods (the exits then come one by one; the shared stray-process scan of
 * process-scan.ts, which coalesces exits that come together, is the likely cost); 20 per turn
 * measured the same CPU and wall as no pacing (docs/benchmarks.md).
 */
export const STARTS_PER_TURN = 20;

export class StartPacer {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** @param perTurn starts let through on each turn of the loop. */
  constructor(private readonly perTurn = STARTS_PER_TURN) {}

  /** Resolves when this start may go ahead (at the earliest on the next turn of the loop). */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a timer: runs right after the loop's I/O, without any delay of its own.
    setImmediate(() => {
      this.scheduled = false;
      for (const start of this.waiting.splice(0, this.perTurn)) start();
      this.schedule();
    });
  }
}
