/**
 * The byte-exact log of one job (`<job>.log`): every byte the PTY delivered, in order,
 * nothing added. It sits on the hot path, so `write` only hands the Buffer to an
 * fs.WriteStream (which batches queued chunks into one writev) and reports backpressure.
 *
 * The file opens in the background (queued bytes wait in the stream), so a log can be
 * created synchronously when a job starts and holds no descriptor before. A failing open
 * or disk (EEXIST, ENOSPC, EIO) must not crash the runner or hang the job: the first error
 * is kept as a value, later bytes are dropped but counted, and anyone waiting for 'drain'
 * is released.
 *
 *   lent ◀──lend() (nothing queued)──┐
 *    │                               │
 *    └──reclaim()─────────────────▶ open ──open or write error──▶ failed
 *                                    │                              │
 *                                    └──close()──▶ closing ◀────────┘──'close' event──▶ closed
 *
 * `lent`: a PTY backend that writes the log itself (the native pump) has the descriptor;
 * `write` only counts. Both write at the descriptor's shared offset, one after the other.
 */
import fs from 'node:fs';
import { unreachable } from '../util/unreachable.js';
import { err, ok, type Result } from '../util/result.js';
import type { DiskSpace } from './disk-space.js';
import { describeFsError, isNoSpace } from './fs-error.js';
import { openSecureFile, type FileOpener } from './secure-file.js';

/** Where a {@link JobLog} is in its life (see the diagram in the file comment). */
export type JobLogState = 'open' | 'lent' | 'failed' | 'closing' | 'closed';

export interface JobLogOptions {
  /** How the file is opened; defaults to {@link openSecureFile} (exclusive, 0600). */
  open?: FileOpener;
  /** Bytes queued before `write` returns false. Default 64 KiB. */
  highWaterMark?: number;
  /** Called once, with the first write error. */
  onError?: (message: string) => void;
  /** The run folder's disk space: a full disk met by any writer stops this one too (src/logs/disk-space.ts). */
  space?: DiskSpace;
}

/** Byte counts of a {@link JobLog}. */
export interface JobLogStats {
  /** Bytes passed to `write`, including dropped ones. */
  given: number;
  /** Bytes the kernel accepted into the file. */
  written: number;
  /** Bytes that will never reach the file: lost to an error, or given after close(). */
  dropped: number;
}

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

/**
 * A PTY delivers at most ~4 KB per read. Chunks are held (corked) for up to this long, or
 * until a high-water mark's worth has gathered, so a flood becomes a few large writes instead
 * of one thread-pool round trip per read. Measured: see docs/benchmarks.md (throughput).
 */
const BATCH_MS = 5;

// Carries an opener's message through the stream's 'error' event without re-wording it.
class OpenFailure extends Error {}

// Why a log stopped when another file of the run met a full disk.
class DiskFullStop extends Error {}

/** Appends raw bytes to a file exactly as given; errors are values, never 'error' crashes. */
export class JobLog {
  /** Creates the log at once; the file is opened in the background and an open failure shows in {@link error}. */
  static create(file: string, options: JobLogOptions = {}): JobLog {
    return new JobLog(file, options);
  }

  /** Creates the log and waits for the file to open; an open failure is returned (nothing stays open). */
  static async open(file: string, options: JobLogOptions = {}): Promise<Result<JobLog, string>> {
    const log = new JobLog(file, options);
    const opened = await log.opened;
    if (opened !== null) {
      await log.close();
      return err(opened);
    }
    return ok(log);
  }

  readonly file: string;
  private state: JobLogState = 'open';
  private firstError: string | null = null;
  private given = 0;
  /** Bytes written after close() without any error (a caller bug, but never a crash). */
  private late = 0;
  private drainWaiters: (() => void)[] = [];
  /** Set while chunks are being gathered (the stream is corked). */
  private batch: NodeJS.Timeout | null = null;
  private readonly batchBytes: number;
  private readonly stream: fs.WriteStream;
  /** Resolves with null once the file is open, or with the error that stopped it. */
  private readonly opened: Promise<string | null>;
  private readonly closed: Promise<void>;
  private readonly onError: ((message: string) => void) | undefined;
  private readonly space: DiskSpace | undefined;
  /** The run's disk is full: the next byte given fails the log instead of taking space. */
  private diskFull = false;
  /** Bytes written to the file by a borrower of the descriptor (see {@link lend}). */
  private writtenElsewhere = 0;
  private lentBytes = 0;
  /** Tells the borrower of the descriptor to stop writing (see {@link lend}). */
  private stopBorrower: (() => void) | null = null;

  private constructor(file: string, options: JobLogOptions) {
    this.file = file;
    this.onError = options.onError;
    this.space = options.space;
    this.batchBytes = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const opener = options.open ?? openSecureFile;
    this.stream = fs.createWriteStream(file, {
      // The stream calls this once, then writes to the descriptor with fs.write / fs.writev.
      fs: {
        open: (path: string, _flags: unknown, _mode: unknown, done: (e: Error | null, fd?: number) => void) => {
          void opener(path).then((r) => (r.ok ? done(null, r.value) : done(new OpenFailure(r.error))));
        },
        write: fs.write,
        writev: fs.writev,
        close: fs.close,
      },
      autoClose: true,
      emitClose: true,
      highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    });
    this.opened = new Promise((resolve) => {
      this.stream.once('ready', () => resolve(null));
      this.stream.once('close', () => resolve(this.firstError ?? `${file} was closed before it opened`));
    });
    this.stream.on('error', (e: unknown) => this.fail(e));
    this.stream.on('drain', () => this.releaseDrainWaiters());
    const offFull = this.space?.onFull(() => this.stopForFullDisk());
    this.closed = new Promise((resolve) => {
      this.stream.once('close', () => {
        offFull?.();
        this.state = 'closed';
        this.releaseDrainWaiters();
        resolve();
      });
    });
  }

  // Another file of the run met a full disk: stop here too (queued bytes are dropped and
  // counted), so the space freed for the final report is not taken by more output. A log
  // with nothing queued fails only if more bytes come: nothing of it is lost yet.
  private stopForFullDisk(): void {
    if (this.state === 'closed' || this.firstError !== null) return;
    this.diskFull = true;
    if (this.state === 'lent') {
      // The borrower (the native pump) writes no more; the next bytes fail the log as below.
      this.stopBorrower?.();
      return;
    }
    if (this.stream.writableLength === 0) return;
    this.fail(new DiskFullStop(`stopped writing ${this.file}: the disk is full`));
    this.stream.destroy();
  }

  /**
   * Queues `chunk` (not copied: do not modify it afterwards). Returns false when the caller
   * should pause its source until {@link onceDrain}; after an error it drops the bytes and
   * returns true so nothing waits on a dead file.
   */
  write(chunk: Buffer): boolean {
    this.given += chunk.length;
    if (this.diskFull && this.state === 'open') {
      this.fail(new DiskFullStop(`stopped writing ${this.file}: the disk is full`));
      this.stream.destroy();
    }
    switch (this.state) {
      case 'open': {
        if (this.batch === null) {
          this.stream.cork();
          this.batch = setTimeout(() => this.flushBatch(), BATCH_MS);
        }
        const ready = this.stream.write(chunk);
        if (this.stream.writableLength >= this.batchBytes) this.flushBatch();
        return ready;
      }
      case 'lent':
        if (this.diskFull) {
          // The borrower was told to stop writing: these bytes are not in the file.
          this.writtenElsewhere += this.lentBytes;
          this.lentBytes = 0;
          this.state = 'open';
          this.fail(new DiskFullStop(`stopped writing ${this.file}: the disk is full`));
          this.stream.destroy();
          return true;
        }
        this.lentBytes += chunk.length;
        return true;
      case 'failed':
        return true;
      case 'closing':
      case 'closed':
        this.late += chunk.length;
        return true;
      default:
        return unreachable(this.state);
    }
  }

  /**
   * Hands the descriptor to someone who writes the same bytes to it (the native PTY pump):
   * null unless the file is open with nothing queued (so nothing can land out of order) and
   * the disk is not full. Until {@link reclaim}, `write` only counts. `onStop` is called when
 * another file of the run meets a full disk: the borrower must stop writing, and the next bytes
 * given fail the log (as for a log written here).
   */
  /** Bytes the borrower wrote that never came through `write` (a bounded PTY skipped them): counted as given. */
  countLent(bytes: number): void {
    if (this.state !== 'lent') return;
    this.given += bytes;
    this.lentBytes += bytes;
  }

  /** The open descriptor, or null (for a borrower's byte count: see Transcript). */
  descriptor(): number | null {
    const fd = (this.stream as unknown as { fd: unknown }).fd;
    return typeof fd === 'number' ? fd : null;
  }

  lend(onStop?: () => void): number | null {
    // fs.WriteStream sets `fd` once the file is open (not in @types/node's declaration).
    const fd = (this.stream as unknown as { fd: unknown }).fd;
    if (this.state !== 'open' || this.diskFull || typeof fd !== 'number' || this.batch !== null || this.stream.writableLength > 0) return null;
    this.state = 'lent';
    this.lentBytes = 0;
    this.stopBorrower = onStop ?? null;
    return fd;
  }

  /**
   * Ends a loan: the bytes counted meanwhile are in the file unless `error` says why not.
   * `written`: how many bytes the borrower wrote, when they are not the bytes given (a transcript decoded elsewhere).
   */
  reclaim(error: NodeJS.ErrnoException | null, written?: number): void {
    if (this.state !== 'lent') return;
    this.state = 'open';
    if (written !== undefined) {
      this.given += written - this.lentBytes;
      this.lentBytes = written;
    }
    if (error === null) {
      this.writtenElsewhere += this.lentBytes;
    } else {
      this.fail(error);
      this.stream.destroy();
    }
  }

  // Ends the gathering: the corked chunks go to the file as one writev.
  private flushBatch(): void {
    if (this.batch === null) return;
    clearTimeout(this.batch);
    this.batch = null;
    this.stream.uncork();
  }

  /** Calls `callback` once the queue has drained (at once if it is not full or the log is dead). */
  onceDrain(callback: () => void): void {
    if (this.state === 'open' && this.stream.writableNeedDrain) {
      this.drainWaiters.push(callback);
    } else {
      queueMicrotask(callback);
    }
  }

  /** Flushes every queued byte and closes the file. Never rejects; check {@link error} after. */
  close(): Promise<void> {
    switch (this.state) {
      case 'lent':
      case 'open':
        this.state = 'closing';
        this.flushBatch();
        this.stream.end();
        break;
      case 'failed':
        // The failed stream is already being destroyed; its 'close' event ends the wait.
        this.state = 'closing';
        break;
      case 'closing':
      case 'closed':
        break;
      default:
        unreachable(this.state);
    }
    return this.closed;
  }

  /** The first write or close error, as a message, or null. */
  error(): string | null {
    return this.firstError;
  }

  stats(): JobLogStats {
    const written = this.stream.bytesWritten + this.writtenElsewhere;
    const dropped = this.firstError === null ? this.late : this.given - written;
    return { given: this.given, written, dropped };
  }

  private fail(e: unknown): void {
    if (this.firstError !== null) return;
    this.firstError = e instanceof OpenFailure || e instanceof DiskFullStop ? e.message : `cannot write ${this.file}: ${describeFsError(e)}`;
    if (this.state === 'open') this.state = 'failed';
    if (this.batch !== null) clearTimeout(this.batch);
    this.batch = null;
    this.releaseDrainWaiters();
    this.onError?.(this.firstError);
    if (!(e instanceof DiskFullStop) && isNoSpace(e)) this.space?.markFull();
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
