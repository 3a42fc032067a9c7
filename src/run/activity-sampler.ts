/**
 * The `job-activity` events of a run: each running job's last meaningful output line,
 * sampled, capped and rate-limited. Activity lines are for people (the live display, the
 * report's `lastLine`, events.jsonl), never a second copy of the output: a job printing 70 KB
 * lines as fast as it can still yields at most one line of at most {@link ACTIVITY_LINE_MAX_CHARS}
 * characters per job per {@link ACTIVITY_MIN_GAP_MS} (plus its final line when it finishes).
 *
 *   (job opened) ──tick, line changed, gap passed──▶ emit ──▶ (wait for the next tick)
 *                ──tick, too soon or unchanged──▶ nothing (the latest line wins at the next tick)
 *   finish(job) ──▶ emit the final line if it changed (once), forget the job
 *
 * The run calls {@link ActivitySampler.finish} just before it emits `job-finished`, so the final
 * line is in events.jsonl before the job's end (events stay in time order), never after it.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { EventBus } from './events.js';

/** Longest activity line, in UTF-16 code units; longer lines are cut and end with `…`. */
export const ACTIVITY_LINE_MAX_CHARS = 300;
/** Least time between two activity lines of one job. */
export const ACTIVITY_MIN_GAP_MS = 1000;
/** How often running jobs are looked at (a changed line shows within this, once the gap allows). */
const SAMPLE_EVERY_MS = 250;

/** Cuts `line` to {@link ACTIVITY_LINE_MAX_CHARS}, never inside a surrogate pair. */
export function capActivityLine(line: string): string {
  if (line.length <= ACTIVITY_LINE_MAX_CHARS) return line;
  let end = ACTIVITY_LINE_MAX_CHARS - 1;
  const last = line.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${line.slice(0, end)}…`;
}

/** Where a job's line comes from (its transcript). */
export interface ActivitySource {
  lastLine(): string | null;
}

interface Sampled {
  name: string;
  source: ActivitySource;
  shown: string | null;
  shownAt: number;
}

/** Samples every open job on a timer and emits `job-activity` on the bus. */
export class ActivitySampler {
  private readonly jobs = new Map<string, Sampled>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {
    this.tick();
  }

  /** The job is about to be announced finished: emit its final line (if it changed) and forget it. */
  finish(name: string): void {
    const job = this.jobs.get(name);
    if (job === undefined) return;
    this.jobs.delete(name);
    this.sample(job, true);
  }

  /** Starts sampling a job that has just opened its files. */
  add(name: string, source: ActivitySource): void {
    this.jobs.set(name, { name, source, shown: null, shownAt: Number.NEGATIVE_INFINITY });
  }

  /** Stops the timer. */
  close(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    for (const job of this.jobs.values()) this.sample(job, false);
    this.timer = this.clock.setTimeout(() => this.tick(), SAMPLE_EVERY_MS);
  }

  private sample(job: Sampled, final: boolean): void {
    const now = this.clock.now();
    // The gap first: a job shown less than a gap ago is not read at all (50 jobs, 4 ticks a second).
    if (!final && now - job.shownAt < ACTIVITY_MIN_GAP_MS) return;
    const raw = job.source.lastLine();
    if (raw === null) return;
    const line = capActivityLine(raw);
    if (line === job.shown) return;
    job.shown = line;
    job.shownAt = now;
    this.bus.emit({ type: 'job-activity', at: now, job: job.name, line });
  }
}
