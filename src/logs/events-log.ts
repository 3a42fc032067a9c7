/**
 * `events.jsonl`: every run event except the raw output, one JSON object per line, with
 * timestamps as ISO strings. It is the run's audit trail; raw bytes are in the job logs.
 */
import type { EventBus, RunEvent } from '../run/events.js';
import { unreachable } from '../util/unreachable.js';
import { ok, type Result } from '../util/result.js';
import { isoTime } from './iso-time.js';
import { JobLog, type JobLogOptions } from './job-log.js';

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
    case 'warning':
    case 'run-finished':
      return `${JSON.stringify({ ...event, at: isoTime(event.at) })}\n`;
    default:
      return unreachable(event);
  }
}

/** Appends the events of a bus to a file until closed. */
export class EventsLog {
  /** Starts recording `bus` at once; the file (exclusive, 0600) opens in the background. */
  static create(file: string, bus: EventBus, options: JobLogOptions = {}): EventsLog {
    return new EventsLog(JobLog.create(file, options), bus);
  }

  /** Creates `file` and waits for it to open before recording `bus`; an open failure is returned. */
  static async open(file: string, bus: EventBus, options: JobLogOptions = {}): Promise<Result<EventsLog, string>> {
    const log = await JobLog.open(file, options);
    if (!log.ok) return log;
    return ok(new EventsLog(log.value, bus));
  }

  private readonly unsubscribe: () => void;

  private constructor(
    private readonly log: JobLog,
    bus: EventBus,
  ) {
    this.unsubscribe = bus.on((event) => {
      const line = serialiseEvent(event);
      // Events are few and small next to the output, so backpressure is not applied here.
      if (line !== null) this.log.write(Buffer.from(line, 'utf8'));
    });
  }

  /** Stops recording, flushes and closes the file. Never rejects. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.log.close();
  }

  /** The first write error, as a message, or null. */
  error(): string | null {
    return this.log.error();
  }
}
