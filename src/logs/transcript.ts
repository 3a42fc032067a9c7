/**
 * The readable transcript of one job (`<job>.txt`): its output decoded to plain lines by
 * {@link PlainTextDecoder}, written through a {@link JobLog} so it shares the log's
 * exclusive 0600 file and its errors-as-values handling.
 */
import fs from 'node:fs';
import { ok, type Result } from '../util/result.js';
import { JobLog, type JobLogOptions, type JobLogStats } from './job-log.js';
import { LastLineWindow } from './last-line-window.js';
import { PlainTextDecoder, type PlainTextOptions } from './plain-text.js';

export interface TranscriptOptions extends JobLogOptions, PlainTextOptions {}

// Lines that say nothing to a person: a bare number (codex's token count `42,751`), the
// `tokens used` label, spinners and rules, an empty input prompt or footer (`› •`, `? for
// shortcuts`, `esc to interrupt`). A meaningful line has a word of two or more letters.
const WORD = /\p{L}{2,}/u;
const NOISE = [/^tokens used$/i, /\bfor shortcuts$/, /\besc to interrupt\b/, /^›\s*(?:Ask Codex to do anything)?$/, /^Ask Codex to do anything$/];

/** Whether a (trimmed) line is worth showing as a job's last line. */
export function isMeaningfulLine(line: string): boolean {
  return WORD.test(line) && !NOISE.some((pattern) => pattern.test(line));
}

/** The last meaningful line of a text, trimmed, or null. */
export function lastMeaningfulLine(text: string): string | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (isMeaningfulLine(line)) return line;
  }
  return null;
}

/** Writes decoded lines of a job's raw output to a text file. */
export class Transcript {
  /** Creates the transcript at once; the file opens in the background (see {@link JobLog.create}). */
  static create(file: string, options: TranscriptOptions = {}): Transcript {
    return new Transcript(JobLog.create(file, options), new PlainTextDecoder(options), options);
  }

  /** Creates the transcript and waits for its file to open; an open failure is returned. */
  static async open(file: string, options: TranscriptOptions = {}): Promise<Result<Transcript, string>> {
    const log = await JobLog.open(file, options);
    if (!log.ok) return log;
    return ok(new Transcript(log.value, new PlainTextDecoder(options), options));
  }

  private lastCompleted: string | null = null;
  /**
   * While a PTY backend (the native pump) decodes the output into the file itself: the newest
   * output that reaches Node, decoded for the last line only when asked (last-line-window.ts),
   * and where notes go (ordered with the output).
   */
  private lent: { window: LastLineWindow; onMark: (text: string) => void; fd: number; sizeAtLend: number } | null = null;

  private constructor(
    private readonly log: JobLog,
    private readonly decoder: PlainTextDecoder,
    private readonly options: PlainTextOptions = {},
  ) {}

  /**
   * Lends the file's descriptor to a PTY that decodes the output into it with the same
   * decoder (native/pump/plaintext.c): null unless nothing is queued or half-decoded here and
   * the line length is the default (the pump's). Notes (`mark`) then go to `onMark`.
   */
  lend(onStop: (() => void) | undefined, onMark: (text: string) => void): number | null {
    if (this.lent !== null || this.options.maxLineBytes !== undefined || this.decoder.currentLine() !== '') return null;
    const fd = this.log.lend(onStop);
    if (fd === null) return null;
    let sizeAtLend = 0;
    try {
      sizeAtLend = fs.fstatSync(fd).size;
    } catch {
      // Counted from 0: the stats are only a report figure.
    }
    this.lent = { window: new LastLineWindow(isMeaningfulLine), onMark, fd, sizeAtLend };
    return fd;
  }

  /** Ends a loan; `error` is why the borrower stopped writing, or null. */
  reclaim(error: NodeJS.ErrnoException | null): void {
    const lent = this.lent;
    if (lent === null) return;
    this.lent = null;
    this.lastCompleted = lent.window.lastLine() ?? this.lastCompleted;
    let written: number | undefined;
    try {
      written = fs.fstatSync(lent.fd).size - lent.sizeAtLend;
    } catch {
      written = undefined;
    }
    this.log.reclaim(error, written);
  }

  /** Output skipped before a tail (bounded PTY): the last line ends there. */
  skipped(): void {
    this.lent?.window.restart();
  }

  get file(): string {
    return this.log.file;
  }

  /** Decodes raw bytes and queues the lines they complete; false asks the caller to pause. */
  write(chunk: Buffer): boolean {
    if (this.lent !== null) {
      this.lent.window.push(chunk);
      return true;
    }
    return this.writeLines(this.decoder.push(chunk));
  }

  onceDrain(callback: () => void): void {
    this.log.onceDrain(callback);
  }

  /** Writes the unfinished last line, flushes and closes. Never rejects. */
  async close(): Promise<void> {
    this.writeLines(this.decoder.flush());
    await this.log.close();
  }

  /**
   * Ends the current line and writes `text` as a line of its own between blank lines, e.g.
   * the marker between two attempts of a job. Not counted as the job's last line.
   */
  mark(text: string): boolean {
    if (this.lent !== null) {
      this.lent.window.restart();
      this.lent.onMark(text);
      return true;
    }
    const lines = this.decoder.flush();
    const ready = this.writeLines(lines);
    return this.log.write(Buffer.from(`\n${text}\n\n`, 'utf8')) && ready;
  }

  /** The first write error, as a message, or null. */
  error(): string | null {
    return this.log.error();
  }

  stats(): JobLogStats {
    return this.log.stats();
  }

  /** The last meaningful line (the unfinished one counts), trimmed; null before any. */
  lastLine(): string | null {
    if (this.lent !== null) return this.lent.window.lastLine() ?? this.lastCompleted;
    const current = this.decoder.currentLine().trim();
    return isMeaningfulLine(current) ? current : this.lastCompleted;
  }

  private track(lines: string[]): void {
    for (let i = lines.length - 1; i >= 0; i--) {
      const trimmed = lines[i]!.trim();
      if (isMeaningfulLine(trimmed)) {
        this.lastCompleted = trimmed;
        break;
      }
    }
  }

  private writeLines(lines: string[]): boolean {
    if (lines.length === 0) return true;
    this.track(lines);
    return this.log.write(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  }
}
