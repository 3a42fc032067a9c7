import type { Clock } from '../util/clock.js';
import type { RunEvent } from '../run/events.js';

/** Every run event except the raw `job-output` bytes, which the UI never looks at. */
export type ShownEvent = Exclude<RunEvent, { type: 'job-output' }>;

/**
 * Where a display writes: only write() is used (and the terminal's columns when it has them).
 * The CLI passes an OutputStream (output-stream.ts), which drops writes once the reader is gone.
 */
export type DisplayStream = Pick<NodeJS.WritableStream, 'write'>;

/** What every display mode's renderer gets. */
export interface RendererOptions {
  stream: DisplayStream;
  clock: Clock;
  color: boolean;
}

/** One display mode's way of showing events; driven by `live-display.ts`, which owns the order. */
export interface EventRenderer {
  /** Shows one event. Called in bus order, run-started first and run-finished last. */
  handle(event: ShownEvent): void;
  /** Stops rendering: flushes what is left, clears every timer and releases the stream. */
  close(): Promise<void>;
}
