/**
 * Keeps `report.json` current while a run goes: every event updates the run record, and
 * the file is replaced atomically, so a runner that dies at any point leaves a complete,
 * valid report. Bursts are coalesced: at most one write in flight, at most one owed, and
 * writes start at least `minIntervalMs` apart (flush() skips the wait). When the only change
 * since the last write is jobs' activity lines (`job-activity`, one per output line of a quiet
 * job), the write waits `activityIntervalMs` instead: 50 jobs printing a line every few seconds
 * no longer rewrite (and fsync) the whole report several times a second (issue 16). Any other
 * change (a state, an exit, a decision) brings an owed write forward to `minIntervalMs`.
 * Both intervals stretch with the report's size, so that rewriting it never takes more than
 * {@link REWRITE_CHARS_PER_SECOND} a second (at most {@link MAX_SIZE_INTERVAL_MS} between writes):
 * a 1,000-job report is ~1.5 MB, and rewriting (and fsyncing) it five times a second while jobs
 * end was 4 % of the runner's main thread, rendering alone (issue 16: 1,000 fast exits).
 *
 *   idle ──change, interval passed──▶ writing ──done──▶ idle (and if the record changed
 *    │                                  ▲          meanwhile, on as for a change)
 *    │ change, too soon after the last write
 *    ▼                                  │
 *   waiting ──timer fires, or flush()───┘
 *    │ ▲
 *    └─┘ a state change while an activity-only write is owed: the timer is moved sooner
 *
 *   flush() from idle with changes starts a write at once; close() flushes, then ──▶ closed.
 */
import type { EventBus, RunEvent } from '../run/events.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import type { Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { isNoSpace } from '../logs/fs-error.js';
import { writeFileAtomic } from './atomic-write.js';
import { renderJsonReport } from './json-report.js';
import { reduceRunRecord, type RunRecord } from './run-record.js';

/** Where a {@link ReportWriter} is (see the diagram in the file comment). */
export type ReportWriterState =
  | { tag: 'idle' }
  | { tag: 'waiting'; timer: TimerHandle; due: number }
  | { tag: 'writing'; done: Promise<void> }
  | { tag: 'closed' };

export interface ReportWriterOptions {
  clock?: Clock;
  /** Least time between the starts of two writes. Default 200 ms. */
  minIntervalMs?: number;
  /** Least time between writes when only activity lines changed. Default 1000 ms (never below minIntervalMs). */
  activityIntervalMs?: number;
  /** Called when a write fails with an error different from the previous write's. */
  onError?: (message: string) => void;
  /** Frees room for a write that failed for lack of space (the run folder's reserve); false: nothing left to free. */
  makeRoom?: () => Promise<boolean>;
}

/** Counters for tests and diagnostics. */
export interface ReportWriterStats {
  /** Writes finished (successful or not). */
  writes: number;
  failures: number;
  /** Events that arrived before run-started and could not be placed in a record. */
  ignoredEvents: number;
}

const DEFAULT_MIN_INTERVAL_MS = 200;
const DEFAULT_ACTIVITY_INTERVAL_MS = 1000;
/** The most report text rewritten per second, by stretching the intervals (see the file comment). */
export const REWRITE_CHARS_PER_SECOND = 1_000_000;
/** The intervals never stretch beyond this. */
export const MAX_SIZE_INTERVAL_MS = 2000;

/** Subscribes to a run's events and keeps a report file up to date. */
export class ReportWriter {
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly activityIntervalMs: number;
  private readonly onError: ((message: string) => void) | undefined;
  private readonly makeRoom: (() => Promise<boolean>) | undefined;
  private readonly unsubscribe: () => void;
  private state: ReportWriterState = { tag: 'idle' };
  private current: RunRecord | null = null;
  /** The record changed since the last write started. */
  private dirty = false;
  /** ...by more than activity lines (see the file comment). */
  private urgent = false;
  private lastWriteStartedAt: number | null = null;
  /** Characters of the last report written: the longer, the longer the intervals. */
  private lastWrittenChars = 0;
  private startedWrites = 0;
  private completedWrites = 0;
  private failures = 0;
  private ignoredEvents = 0;
  private lastError: string | null = null;

  constructor(
    readonly file: string,
    bus: EventBus,
    options: ReportWriterOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.activityIntervalMs = Math.max(this.minIntervalMs, options.activityIntervalMs ?? DEFAULT_ACTIVITY_INTERVAL_MS);
    this.onError = options.onError;
    this.makeRoom = options.makeRoom;
    this.unsubscribe = bus.on((event) => this.onEvent(event));
  }

  /** The record as of the last event. */
  record(): RunRecord | null {
    return this.current;
  }

  /** Writes the current state now (waiting for a write in flight first). Never rejects. */
  async flush(): Promise<void> {
    if (this.current === null) return;
    const target = this.dirty ? this.startedWrites + 1 : this.startedWrites;
    while (this.completedWrites < target) {
      const state = this.state;
      switch (state.tag) {
        case 'waiting':
          this.clock.clearTimeout(state.timer);
          this.startWrite();
          break;
        case 'idle':
          this.startWrite();
          break;
        case 'writing':
          await state.done;
          break;
        case 'closed':
          return;
        default:
          unreachable(state);
      }
    }
  }

  /** Stops listening and writes the final state. Never rejects. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.flush();
    this.state = { tag: 'closed' };
  }

  /** The error of the latest write, or null if it succeeded (or none happened yet). */
  error(): string | null {
    return this.lastError;
  }

  /** Where the writer is (see the diagram in the file comment). */
  stateTag(): ReportWriterState['tag'] {
    return this.state.tag;
  }

  stats(): ReportWriterStats {
    return { writes: this.completedWrites, failures: this.failures, ignoredEvents: this.ignoredEvents };
  }

  // Runs inside EventBus.emit: cheap unless the record changed, and never throws for I/O.
  private onEvent(event: RunEvent): void {
    if (this.state.tag === 'closed') return;
    if (this.current === null && event.type !== 'run-started') {
      this.ignoredEvents++;
      return;
    }
    const next = reduceRunRecord(this.current, event);
    if (next === this.current) return;
    this.current = next;
    this.dirty = true;
    if (event.type !== 'job-activity') this.urgent = true;
    this.schedule();
  }

  private schedule(): void {
    const state = this.state;
    switch (state.tag) {
      case 'idle': {
        const interval = this.stretched(this.urgent ? this.minIntervalMs : this.activityIntervalMs);
        const due = this.lastWriteStartedAt === null ? this.clock.now() : this.lastWriteStartedAt + interval;
        if (due <= this.clock.now()) {
          this.startWrite();
          return;
        }
        this.wait(due);
        return;
      }
      case 'waiting': {
        if (!this.urgent || this.lastWriteStartedAt === null) return;
        const due = this.lastWriteStartedAt + this.stretched(this.minIntervalMs);
        if (due >= state.due) return;
        this.clock.clearTimeout(state.timer);
        this.state = { tag: 'idle' };
        this.schedule();
        return;
      }
      case 'writing':
      case 'closed':
        return;
      default:
        unreachable(state);
    }
  }

  // An interval, lengthened for a big report (see the file comment).
  private stretched(interval: number): number {
    const bySize = Math.min(MAX_SIZE_INTERVAL_MS, (this.lastWrittenChars * 1000) / REWRITE_CHARS_PER_SECOND);
    return Math.max(interval, bySize);
  }

  private wait(due: number): void {
    const timer = this.clock.setTimeout(() => {
      if (this.state.tag === 'waiting' && this.state.timer === timer) this.startWrite();
    }, due - this.clock.now());
    this.state = { tag: 'waiting', timer, due };
  }

  private startWrite(): void {
    const record = this.current;
    if (record === null) throw new Error('Internal error: report write started without a record');
    this.dirty = false;
    this.urgent = false;
    this.startedWrites++;
    this.lastWriteStartedAt = this.clock.now();
    const text = renderJsonReport(record);
    this.lastWrittenChars = text.length;
    const done = this.write(text).then((result) => this.finishWrite(result));
    this.state = { tag: 'writing', done };
  }

  // A full disk: free the reserve and try once more (the logs have stopped; the report matters most).
  private async write(text: string): Promise<Result<void, string>> {
    const first = await writeFileAtomic(this.file, text);
    if (first.ok || this.makeRoom === undefined || !isNoSpace(first.error)) return first;
    if (!(await this.makeRoom())) return first;
    return writeFileAtomic(this.file, text);
  }

  private finishWrite(result: Result<void, string>): void {
    this.completedWrites++;
    if (result.ok) {
      this.lastError = null;
    } else {
      this.failures++;
      if (result.error !== this.lastError) this.onError?.(result.error);
      this.lastError = result.error;
    }
    this.state = { tag: 'idle' };
    if (this.dirty) this.schedule();
  }
}
