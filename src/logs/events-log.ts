/**
 * `events.jsonl`: every run event except the raw output, one JSON object per line, with
 * timestamps as ISO strings. It is the run's audit trail; raw bytes are in the job logs.
 *
 * Decisions (states, answers, warnings, ends) go to the file at once. `job-activity` lines,
 * already at most one per job per second, are gathered for up to {@link ACTIVITY_FLUSH_MS}
 * and written with the next event or when that time is up: 50 jobs each printing a line
 * every 3 s otherwise cost a file write per line (issue 16). The order of the lines is the
 * order of the events either way.
 */
import type { EventBus, RunEvent } from '../run/events.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import { ok, type Result } from '../util/result.js';
import { open, type FileHandle } from 'node:fs/promises';
import { isoTime } from './iso-time.js';
import { JobLog, type JobLogOptions } from './job-log.js';

/** Longest time a `job-activity` line waits to be written with others. */
export const ACTIVITY_FLUSH_MS = 500;

/** Options of {@link EventsLog}: the file's, plus the clock of the activity timer. */
export interface EventsLogOptions extends JobLogOptions {
  clock?: Clock;
}

/** The name of the events file in a run folder. */
export const EVENTS_FILE_NAME = 'events.jsonl';

/** One event as a JSON line (with its '\n'), or null for job-output, which is never serialised. */
export function serialiseEvent(event: RunEvent): string | null {
  switch (event.type) {
    case 'job-output':
      return null;
    case 'job-finished': {
      const { result } = event;
      const startedAt = result.startedAt === null ? null : isoTime(result.startedAt);
      const shown = { ...event, at: isoTime(event.at), result: { ...result, startedAt, finishedAt: isoTime(result.finishedAt) } };
      return `${JSON.stringify(shown)}\n`;
    }
    case 'job-intervention':
      return `${JSON.stringify({ ...event, at: isoTime(event.at), intervention: { ...event.intervention, at: isoTime(event.intervention.at) } })}\n`;
    case 'run-started':
    case 'job-state':
    case 'job-activity':
    case 'job-facts':
    case 'job-changes':
    case 'warning':
    case 'notification':
    case 'run-finished':
      return `${JSON.stringify({ ...event, at: isoTime(event.at) })}\n`;
    default:
      return unreachable(event);
  }
}

/** Appends the events of a bus to a file until closed. */
export class EventsLog {
  /** Starts recording `bus` at once; the file (exclusive, 0600) opens in the background. */
  static create(file: string, bus: EventBus, options: EventsLogOptions = {}): EventsLog {
    const failed = new FailureHook(options);
    return new EventsLog(JobLog.create(file, failed.options), bus, failed, options.clock ?? systemClock);
  }

  /** Creates `file` and waits for it to open before recording `bus`; an open failure is returned. */
  static async open(file: string, bus: EventBus, options: EventsLogOptions = {}): Promise<Result<EventsLog, string>> {
    const failed = new FailureHook(options);
    const log = await JobLog.open(file, failed.options);
    if (!log.ok) return log;
    return ok(new EventsLog(log.value, bus, failed, options.clock ?? systemClock));
  }

  private readonly unsubscribe: () => void;
  /** Activity lines not handed to the file yet, and the timer that will. */
  private gathered = '';
  private gatherTimer: TimerHandle | null = null;
  /** After a write error: the file cut back to its last whole line. */
  private repaired: Promise<void> | null = null;

  private constructor(
    private readonly log: JobLog,
    bus: EventBus,
    failed: FailureHook,
    private readonly clock: Clock,
  ) {
    this.unsubscribe = bus.on((event) => {
      const line = serialiseEvent(event);
      if (line === null) return;
      if (event.type !== 'job-activity') {
        this.write(line);
        return;
      }
      this.gathered += line;
      this.gatherTimer ??= this.clock.setTimeout(() => this.write(''), ACTIVITY_FLUSH_MS);
    });
    failed.then(() => this.repair());
    if (log.error() !== null) this.repair();
  }

  /** Stops recording, flushes and closes the file. Never rejects. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.write('');
    await this.log.close();
    if (this.repaired !== null) await this.repaired;
  }

  /** The first write error, as a message, or null. */
  error(): string | null {
    return this.log.error();
  }

  /** Bytes handed to the file so far (activity lines still gathered are not). */
  bytesWritten(): number {
    return this.log.stats().given;
  }

  // Hands the gathered activity and then `lines` (whole lines, maybe none) to the file. Events
  // are few and small next to the output, so backpressure is not applied here.
  private write(lines: string): void {
    if (this.gatherTimer !== null) this.clock.clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
    const text = this.gathered + lines;
    this.gathered = '';
    if (text !== '') this.log.write(Buffer.from(text, 'utf8'));
  }

  // A write that failed part way (ENOSPC after a short write) leaves half a line: once the
  // file is closed, it is cut back to its last '\n', so every line in it is whole JSON.
  private repair(): void {
    if (this.repaired !== null) return;
    this.repaired = this.log.close().then(() => truncateToLastLine(this.log.file));
  }
}

// Lets the log's error callback reach the EventsLog created after the log.
class FailureHook {
  private listener: (() => void) | null = null;
  private fired = false;
  readonly options: JobLogOptions;

  constructor(options: JobLogOptions) {
    this.options = {
      ...options,
      onError: (message) => {
        options.onError?.(message);
        this.fired = true;
        this.listener?.();
      },
    };
  }

  then(listener: () => void): void {
    this.listener = listener;
    if (this.fired) listener();
  }
}

/** Cuts `file` after its last newline (to nothing if it has none). Never rejects. */
export async function truncateToLastLine(file: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(file, 'r+');
    let end = (await handle.stat()).size;
    const block = Buffer.alloc(64 * 1024);
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline >= 0) {
        keep = start + newline + 1;
        break;
      }
      end = start;
    }
    await handle.truncate(keep);
  } catch {
    // The file is gone or unreadable: nothing to repair.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
