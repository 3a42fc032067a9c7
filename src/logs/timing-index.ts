/**
 * The timing index of a job's log (`<job>.timing`): when the output arrived, so `replay` can
 * feed a past job's bytes through a fresh supervisor at the recorded pace. The byte-exact
 * log has no room for times, and events.jsonl records decisions, not output.
 *
 *   codex-run timing 1 start=1767225600000
 *   0 1532          <- ms after start, bytes: entry 1 is the log's first 1532 bytes
 *   5 4096          <- ... the next 4096 bytes, and so on, in log order
 *
 * Compact and bounded: chunks arriving within {@link FINE_WINDOW_MS} of an entry's first
 * chunk join it (the log itself gathers writes for 5 ms), and after {@link FINE_ENTRIES}
 * entries the window widens to {@link COARSE_WINDOW_MS}, so a flood or a night-long spinner
 * costs a few bytes per second at most. The file is 0600 like the log; a failure to write it
 * never touches the job (the log is what matters).
 *
 * Finished entries are written in batches ({@link BATCH_ENTRIES}, or once the oldest waiting is
 * {@link BATCH_MS} old, and at close): a job printing a line every few seconds otherwise costs
 * a file write per line (issue 16: 50 idle jobs). A runner killed mid-run loses at most the
 * last batch's times; replay plays bytes past the index with its last entry (log-player.ts).
 */
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { JobLog, type JobLogOptions } from './job-log.js';

/** Chunks this close to an entry's first chunk are one entry... */
export const FINE_WINDOW_MS = 5;
/** ...for this many entries; after that, chunks within {@link COARSE_WINDOW_MS}. */
export const FINE_ENTRIES = 100_000;
export const COARSE_WINDOW_MS = 1000;
/** Finished entries written together once this many wait... */
export const BATCH_ENTRIES = 64;
/** ...or once the oldest waiting entry started this long ago. */
export const BATCH_MS = 10_000;

const HEADER = /^codex-run timing 1 start=(\d+)$/;

/** The timing file that goes with a log file name: `build.log` -> `build.timing`. */
export function timingFileFor(logFile: string): string {
  return logFile.endsWith('.log') ? `${logFile.slice(0, -'.log'.length)}.timing` : `${logFile}.timing`;
}

/** Writes a job's timing index as its output arrives. */
export class TimingIndex {
  /** Creates the file (exclusive, 0600) and waits for it to open. */
  static async open(file: string, clock: Clock, options: JobLogOptions = {}): Promise<Result<TimingIndex, string>> {
    const log = await JobLog.open(file, options);
    if (!log.ok) return log;
    return ok(new TimingIndex(log.value, clock));
  }

  private readonly start: number;
  private entries = 0;
  private current: { t: number; bytes: number } | null = null;
  /** Finished entries not written yet, and the time of the first of them. */
  private batch = '';
  private batched = 0;
  private batchFrom = 0;

  private constructor(
    private readonly log: JobLog,
    private readonly clock: Clock,
  ) {
    this.start = clock.now();
    this.log.write(Buffer.from(`codex-run timing 1 start=${this.start}\n`, 'utf8'));
  }

  /** Notes that `bytes` more bytes of output arrived now. */
  record(bytes: number): void {
    if (bytes <= 0) return;
    const t = Math.max(0, this.clock.now() - this.start);
    const window = this.entries < FINE_ENTRIES ? FINE_WINDOW_MS : COARSE_WINDOW_MS;
    if (this.current !== null && t - this.current.t < window) {
      this.current.bytes += bytes;
      return;
    }
    this.finishEntry();
    if (this.batched >= BATCH_ENTRIES || (this.batched > 0 && t - this.batchFrom >= BATCH_MS)) this.writeBatch();
    this.current = { t, bytes };
  }

  /** Writes the last entries and closes the file. Never rejects. */
  async close(): Promise<void> {
    this.finishEntry();
    this.writeBatch();
    await this.log.close();
  }

  error(): string | null {
    return this.log.error();
  }

  private finishEntry(): void {
    if (this.current === null) return;
    this.entries++;
    if (this.batched === 0) this.batchFrom = this.current.t;
    this.batch += `${this.current.t} ${this.current.bytes}\n`;
    this.batched++;
    this.current = null;
  }

  private writeBatch(): void {
    if (this.batched === 0) return;
    this.log.write(Buffer.from(this.batch, 'utf8'));
    this.batch = '';
    this.batched = 0;
  }
}

/** A parsed timing index. */
export interface Timing {
  /** Clock time (epoch ms) the offsets count from. */
  start: number;
  /** `[ms after start, bytes]`, in log order. */
  entries: Array<[number, number]>;
}

/** Parses a timing file; a problem names its line. */
export function parseTiming(text: string): Result<Timing, string> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = HEADER.exec(lines[0] ?? '');
  if (header === null) return err(`line 1: expected "codex-run timing 1 start=<ms>", found ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
  const entries: Array<[number, number]> = [];
  let previous = 0;
  for (let i = 1; i < lines.length; i++) {
    const m = /^(\d+) (\d+)$/.exec(lines[i]!);
    if (m === null) return err(`line ${i + 1}: expected "<ms> <bytes>", found ${JSON.stringify(lines[i]!.slice(0, 60))}`);
    const t = Number(m[1]);
    if (t < previous) return err(`line ${i + 1}: time ${t} goes back before ${previous}`);
    previous = t;
    entries.push([t, Number(m[2])]);
  }
  return ok({ start: Number(header[1]), entries });
}
