/**
 * Everything written for one job, behind the session's output-sink shape: the raw bytes go
 * to `<job>.log` and, decoded, to `<job>.txt`. Backpressure from either file pauses the PTY.
 */
import { err, ok, type Result } from '../util/result.js';
import { JobLog, type JobLogStats } from './job-log.js';
import { resolveInside } from './safe-name.js';
import type { DiskSpace } from './disk-space.js';
import type { Redactor, StreamRedactor } from './redactor.js';
import type { FileOpener } from './secure-file.js';
import { lastMeaningfulLine, Transcript } from './transcript.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { TimingIndex, timingFileFor } from './timing-index.js';
import type { Clock } from '../util/clock.js';

/** A job's file names, relative to the run folder (as in `JobPlanInfo`). */
export interface JobFileNames {
  logFile: string;
  transcriptFile: string;
}

/** The file names for a base name from `assignFileNames`. */
export function jobFileNames(base: string): JobFileNames {
  return { logFile: `${base}.log`, transcriptFile: `${base}.txt` };
}

export interface JobFilesOptions {
  /** How files are opened; defaults to exclusive 0600 creation. */
  open?: FileOpener;
  /** Called once per file, with its first write error. */
  onError?: (message: string) => void;
  /** With a clock, `<job>.timing` records when the output arrived (for `codex-run replay`). */
  clock?: Clock;
  /** Secrets to take out of the transcript (and of the raw log with `redactRawLog`). */
  redactor?: Redactor;
  /** Also redact the raw `<job>.log` (otherwise it stays byte-exact). */
  redactRawLog?: boolean;
  /** The run folder's disk space (both files stop when the disk is full). */
  space?: DiskSpace;
}

/** The raw log and the transcript of one job, written together. */
export class JobFiles {
  /**
   * Creates both writers at once; the files open in the background, so a job holds no
   * descriptors before it starts and an open failure shows in {@link error}.
   */
  static create(runDir: string, names: JobFileNames, options: JobFilesOptions = {}): JobFiles {
    return new JobFiles(
      JobLog.create(resolveInside(runDir, names.logFile), options),
      Transcript.create(resolveInside(runDir, names.transcriptFile), options),
      null,
      options,
    );
  }

  /** Creates both files inside `runDir` and waits for them to open; on failure nothing is left open. */
  static async open(runDir: string, names: JobFileNames, options: JobFilesOptions = {}): Promise<Result<JobFiles, string>> {
    const log = await JobLog.open(resolveInside(runDir, names.logFile), options);
    if (!log.ok) return log;
    const transcript = await Transcript.open(resolveInside(runDir, names.transcriptFile), options);
    if (!transcript.ok) {
      await log.value.close();
      return err(transcript.error);
    }
    // The timing index is a help for replay, never a reason to fail the job: without it, no index.
    let timing: TimingIndex | null = null;
    if (options.clock !== undefined) {
      const opened = await TimingIndex.open(resolveInside(runDir, timingFileFor(names.logFile)), options.clock, options);
      if (opened.ok) timing = opened.value;
      else options.onError?.(opened.error);
    }
    return ok(new JobFiles(log.value, transcript.value, timing, options));
  }

  /** Null when there is no secret to redact. */
  private readonly redacting: StreamRedactor | null;
  private readonly redactRawLog: boolean;
  private readonly redactor: Redactor | undefined;
  private readonly onError: ((message: string) => void) | undefined;
  /** The last line of a replaced transcript, which wins over the decoded one. */
  private replacedLastLine: string | null = null;
  /** While a full-screen agent runs: its line from the screen, which reads better than decoded redraws. */
  private liveLine: (() => string | null) | null = null;

  private constructor(
    private readonly log: JobLog,
    private readonly transcript: Transcript,
    private readonly timing: TimingIndex | null,
    options: JobFilesOptions,
  ) {
    this.redacting = options.redactor?.active === true ? options.redactor.stream() : null;
    this.redactRawLog = options.redactRawLog === true;
    this.redactor = options.redactor;
    this.onError = options.onError;
  }

  /** Queues raw PTY bytes for both files (do not modify `chunk` afterwards); false = pause the PTY. */
  write(chunk: Buffer): boolean {
    this.timing?.record(chunk.length);
    if (this.redacting === null) return this.writeBoth(chunk, chunk);
    const redacted = this.redacting.push(chunk);
    return this.writeBoth(this.redactRawLog ? redacted : chunk, redacted);
  }

  private writeBoth(raw: Buffer, text: Buffer): boolean {
    const logReady = raw.length === 0 || this.log.write(raw);
    const transcriptReady = text.length === 0 || this.transcript.write(text);
    return logReady && transcriptReady;
  }

  /**
   * Lends the raw log's descriptor to a PTY that writes the log itself (see OutputSink): only
   * when the raw log is written verbatim (no secret is redacted from it).
   */
  lendLog(onStop?: () => void): number | null {
    if (this.redacting !== null && this.redactRawLog) return null;
    return this.log.lend(onStop);
  }

  reclaimLog(error: NodeJS.ErrnoException | null): void {
    this.log.reclaim(error);
  }

  /**
   * Lends the transcript's descriptor to a PTY that decodes the output into it itself (the
   * native pump): only when no secret is redacted (the transcript would need the redactor).
   * `onMark` gets codex-run's notes meanwhile, to write them in order with the output.
   */
  lendTranscript(onStop?: () => void, onMark?: (text: string) => void): number | null {
    if (this.redacting !== null || onMark === undefined) return null;
    return this.transcript.lend(onStop, onMark);
  }

  reclaimTranscript(error: NodeJS.ErrnoException | null): void {
    this.transcript.reclaim(error);
  }

  /** Output a bounded PTY skipped (it is in both files already): counted for the timing index. */
  skipped(bytes: number): void {
    if (bytes === 0) return;
    this.timing?.record(bytes);
    this.log.countLent(bytes);
    this.transcript.skipped();
  }

  /** A line of codex-run's own in the transcript (never in the byte-exact log), e.g. between attempts. */
  mark(text: string): void {
    this.transcript.mark(this.redactor?.text(text) ?? text);
  }

  /**
   * After close(): replaces the transcript with `text` (redacted like the rest), e.g. the
   * conversation of a full-screen agent; the raw log is untouched. A failure is a warning.
   */
  async replaceTranscript(text: string): Promise<void> {
    const redacted = this.redactor?.text(text) ?? text;
    const written = await writeFileAtomic(this.transcript.file, redacted);
    if (!written.ok) {
      this.onError?.(`could not write the readable transcript: ${written.error}`);
      return;
    }
    // The job's last line is its own, not codex-run's notes in the transcript.
    this.replacedLastLine = lastMeaningfulLine(redacted.split('\n').filter((l) => !l.startsWith('[codex-run] ') && !l.startsWith('──── ')).join('\n'));
  }

  /** Calls `callback` once both files have drained. */
  onceDrain(callback: () => void): void {
    let waiting = 2;
    const done = (): void => {
      waiting--;
      if (waiting === 0) callback();
    };
    this.log.onceDrain(done);
    this.transcript.onceDrain(done);
  }

  /** Flushes and closes both files. Never rejects. */
  async close(): Promise<void> {
    const rest = this.redacting?.flush();
    if (rest !== undefined && rest.length > 0) this.writeBoth(this.redactRawLog ? rest : Buffer.alloc(0), rest);
    await Promise.all([this.log.close(), this.transcript.close(), this.timing?.close()]);
  }

  /** The first write error of the raw log, else of the transcript, or null. */
  error(): string | null {
    return this.log.error() ?? this.transcript.error();
  }

  stats(): { log: JobLogStats; transcript: JobLogStats } {
    return { log: this.log.stats(), transcript: this.transcript.stats() };
  }

  /** The job's last line that shows something, for the live display and the report. */
  lastLine(): string | null {
    return this.replacedLastLine ?? this.liveLine?.() ?? this.transcript.lastLine();
  }

  /** Where the live last line comes from while a full-screen agent runs; null: the transcript. */
  setLiveLine(source: (() => string | null) | null): void {
    this.liveLine = source;
  }
}
