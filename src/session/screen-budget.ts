/**
 * The screen budget: how much of a job's output its screen model parses as it comes. The
 * budget runs in the native pump when it writes the job's files (its bounded mode,
 * native/pump/pump.c), else in JobSupervision (job-supervision.ts); both use these figures.
 *
 * Output passes while a byte bucket lasts: a burst (a prompt, a full redraw, an agent's
 * start-up screens pass at once), refilled by `bytesPerTick` each tick of `tickMs`. Past it,
 * output is held back and the screen gets the held output once per tick (whole when it is at
 * most `tailBytes`, else its tail from a line boundary), and once the output goes quiet.
 *
 * The burst is the run's to share ({@link burstShare}): each job's rate is bounded per tick,
 * but the bursts are not, and a batch's jobs start together. Twenty jobs starting at once
 * each let 16 KiB through: for the first second the runner parsed every one of their writes
 * and ran their policies ten times a second each, at 80-100 % of a core, and the slowest
 * answers to a job asking meanwhile took 2-4 times as long as later ones (docs/benchmarks.md,
 * "Answer latency: the run's burst, shared").
 */
export const SCREEN_BUDGET = {
  /** The tick: during a flood, the screen gets the held output this often. */
  tickMs: 100,
  /** The bucket's refill per tick: what a job may stream without being held back. */
  bytesPerTick: 2 * 1024,
  /** One job's bucket when the run has few jobs at once. */
  burstBytes: 16 * 1024,
  /** The most of a flood's held output the screen gets per tick (the rest is skipped). */
  tailBytes: 16 * 1024,
} as const;

/**
 * What all the jobs of a run may let through at once, together: four jobs' full bursts.
 * Past four jobs at once, each job's burst is its share of this.
 */
export const RUN_BURST_BYTES = 4 * SCREEN_BUDGET.burstBytes;

/**
 * One job's burst in a run of `jobsAtOnce` jobs running at the same time (its concurrency,
 * or fewer when it has fewer jobs): an equal share of {@link RUN_BURST_BYTES}, at most one
 * job's full burst, and never under one tick's refill (what a job may stream anyway).
 *
 *   jobs at once   1-4      8       16      21      32+
 *   burst          16 KiB   8 KiB   4 KiB   3,120   2 KiB
 */
export function burstShare(jobsAtOnce: number): number {
  const jobs = Number.isFinite(jobsAtOnce) && jobsAtOnce >= 1 ? Math.floor(jobsAtOnce) : 1;
  return Math.max(SCREEN_BUDGET.bytesPerTick, Math.min(SCREEN_BUDGET.burstBytes, Math.floor(RUN_BURST_BYTES / jobs)));
}
