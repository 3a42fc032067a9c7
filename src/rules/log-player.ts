/**
 * Plays a job's byte-exact log into a ScreenModel at the pace it was recorded, on a virtual
 * clock: every chunk is written at its recorded time and parsed before the clock moves on,
 * so the model's change notifications (and a supervisor attached to them) fire as in the run.
 *
 * The pace comes from the log's timing index (`<job>.timing`, see logs/timing-index.ts).
 * Runs recorded before the index existed have none: then the output is cut at line ends into
 * pieces of about a PTY read and spread evenly over the job's running time, and the caller
 * says the timing is estimated.
 */
import { readFile } from 'node:fs/promises';
import { parseTiming, type Timing } from '../logs/timing-index.js';
import type { ScreenModel } from '../session/screen.js';
import { err, ok, type Result } from '../util/result.js';
import type { VirtualClock } from '../util/virtual-clock.js';
import { describeFsError, errorCode } from '../logs/fs-error.js';

/** A piece of the log and when it arrived (epoch ms). */
export interface Chunk {
  at: number;
  start: number;
  end: number;
}

/** The chunks of a log, and whether their times were recorded or estimated. */
export interface Schedule {
  chunks: Chunk[];
  timed: boolean;
}

/** Size of an estimated piece: about what a PTY read delivers. */
const ESTIMATED_PIECE_BYTES = 4096;

/** Reads a timing index; null when the file does not exist. */
export async function readTiming(file: string): Promise<Result<Timing | null, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    if (errorCode(e) === 'ENOENT') return ok(null);
    return err(`cannot read ${file}: ${describeFsError(e)}`);
  }
  const parsed = parseTiming(text);
  return parsed.ok ? parsed : err(`${file}: ${parsed.error}`);
}

/** The recorded schedule of a log of `length` bytes (bytes past the index arrive with its last entry). */
export function recordedSchedule(length: number, timing: Timing): Schedule {
  const chunks: Chunk[] = [];
  let offset = 0;
  let at = timing.start;
  for (const [t, bytes] of timing.entries) {
    if (offset >= length) break;
    at = timing.start + t;
    const end = Math.min(length, offset + bytes);
    chunks.push({ at, start: offset, end });
    offset = end;
  }
  if (offset < length) chunks.push({ at, start: offset, end: length });
  return { chunks, timed: true };
}

/** An estimated schedule: pieces cut after a line feed where one is near, spread evenly from `from` to `to`. */
export function estimatedSchedule(data: Buffer, from: number, to: number): Schedule {
  const cuts: Array<{ start: number; end: number }> = [];
  let offset = 0;
  while (offset < data.length) {
    let end = Math.min(data.length, offset + ESTIMATED_PIECE_BYTES);
    if (end < data.length) {
      const lf = data.lastIndexOf(0x0a, end - 1);
      if (lf >= offset) end = lf + 1;
    }
    cuts.push({ start: offset, end });
    offset = end;
  }
  const span = Math.max(0, to - from);
  const chunks = cuts.map((c, i) => ({ ...c, at: from + (cuts.length <= 1 ? 0 : Math.round((span * i) / (cuts.length - 1))) }));
  return { chunks, timed: false };
}

/**
 * Writes each chunk at its time, waiting for the parse before moving the clock on; calls
 * `after(i)` once chunk i is parsed and its time's timers have fired.
 */
export async function playLog(data: Buffer, schedule: Schedule, model: ScreenModel, clock: VirtualClock, after?: (index: number) => void): Promise<void> {
  for (const [i, chunk] of schedule.chunks.entries()) {
    clock.advanceTo(chunk.at);
    model.write(data.subarray(chunk.start, chunk.end));
    await model.whenParsed();
    after?.(i);
  }
}
