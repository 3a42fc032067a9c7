/**
 * The readable transcript of one job (`<job>.txt`): its output decoded to plain lines by
 * {@link PlainTextDecoder}, written through a {@link JobLog} so it shares the log's
 * exclusive 0600 file and its errors-as-values handling.
 */
import { ok, type Result } from '../util/result.js';
import { JobLog, type JobLogOptions, type JobLogStats } from './job-log.js';
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
    return new Transcript(JobLog.create(file, options), new PlainTextDecoder(options));
  }

  /** Creates the transcript and waits for its file to open; an open failure is returned. */
  static async open(file: string, options: TranscriptOptions = {}): Promise<Result<Transcript, string>> {
    const log = await JobLog.open(file, options);
    if (!log.ok) return log;
    return ok(new Transcript(log.value, new PlainTextDecoder(options)));
  }

  private lastCompleted: string | null = null;

  private constructor(
    private readonly log: JobLog,
    private readonly decoder: PlainTextDecoder,
  ) {}

  get file(): string {
    return this.log.file;
  }

  /** Decodes raw bytes and queues the lines they complete; false asks the caller to pause. */
  write(chunk: Buffer): boolean {
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
    const current = this.decoder.currentLine().trim();
    return isMeaningfulLine(current) ? current : this.lastCompleted;
  }

  private writeLines(lines: string[]): boolean {
    if (lines.length === 0) return true;
    for (let i = lines.length - 1; i >= 0; i--) {
      const trimmed = lines[i]!.trim();
      if (isMeaningfulLine(trimmed)) {
        this.lastCompleted = trimmed;
        break;
      }
    }
    return this.log.write(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  }
}
