/**
 * The runner's own output streams (stdout, stderr), made safe to lose. The owner of every write
 * the CLI makes to them: the live display (listr2, plain lines), the summary, the schedule
 * daemon's log and error messages all go through an {@link OutputStream}.
 *
 * A reader can go away at any time: `codex-run jobs.yaml | head -2`, a CI log shipper that
 * restarts, an ssh connection that drops. Node then reports EPIPE, ECONNRESET or EIO as an
 * `error` event on the stream, and an unhandled `error` event kills the process, leaving jobs
 * running and the report unfinished. Here a failed stream is marked lost and every later write
 * is dropped: the run goes on, writes its files, finishes its report and exits with its own code.
 *
 *   live ──'error' event (EPIPE, EIO, ECONNRESET, ...)──▶ lost (writes dropped)
 */
import fs from 'node:fs';
import tty from 'node:tty';

/** The state of one output stream. */
export type OutputState = { kind: 'live' } | { kind: 'lost'; code: string };

/** A write-only view of a process stream that never throws or emits for a reader that went away. */
export class OutputStream {
  private state: OutputState = { kind: 'live' };
  private readonly lostListeners: Array<(code: string) => void> = [];

  constructor(private readonly target: NodeJS.WriteStream) {
    // Any error on an output stream means Node has destroyed it; nothing can be written anymore,
    // whatever the code, so every error ends it the same way.
    target.on('error', (error: unknown) => this.lose(errorCode(error)));
    // listr2 and log-update copy a stream's own properties (Object.assign), so these are own getters.
    for (const key of ['isTTY', 'columns', 'rows'] as const) {
      Object.defineProperty(this, key, { enumerable: true, get: () => target[key] });
    }
  }

  /** Whether a reader still takes what is written. */
  get lost(): boolean {
    return this.state.kind === 'lost';
  }

  /** Why the stream was lost (an errno code such as EPIPE), or null while it is live. */
  get lostCode(): string | null {
    return this.state.kind === 'lost' ? this.state.code : null;
  }

  /** Calls `listener` once when the stream is lost (at once if it already is). */
  onLost(listener: (code: string) => void): void {
    if (this.state.kind === 'lost') listener(this.state.code);
    else this.lostListeners.push(listener);
  }

  /**
   * Writes `chunk`, or drops it once the stream is lost. `callback` always runs (on a later tick
   * when dropped), so a caller waiting for a flush never waits forever. Returns false only
   * for backpressure, like a stream's write().
   */
  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (this.state.kind === 'lost' || this.target.destroyed) {
      if (done !== undefined) process.nextTick(done);
      return true;
    }
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined;
    try {
      return encoding === undefined ? this.target.write(chunk, () => done?.()) : this.target.write(chunk, encoding, () => done?.());
    } catch (error) {
      // A synchronous failure (a stream closed under us) is a loss like any other.
      this.lose(errorCode(error));
      if (done !== undefined) process.nextTick(done);
      return true;
    }
  }

  private lose(code: string): void {
    if (this.state.kind === 'lost') return;
    this.state = { kind: 'lost', code };
    // Later, never from inside the write() that failed: a listener may emit run events.
    const listeners = this.lostListeners.splice(0);
    process.nextTick(() => {
      for (const listener of listeners) listener(code);
    });
  }
}

export interface OutputStream {
  /** The target's isTTY, columns and rows, read live (own enumerable getters; see the constructor). */
  readonly isTTY: boolean | undefined;
  readonly columns: number | undefined;
  readonly rows: number | undefined;
}

let streams: { stdout: OutputStream; stderr: OutputStream } | null = null;

/** The process's stdout and stderr as {@link OutputStream}s; the first call installs their error handlers. */
export function processOutput(): { stdout: OutputStream; stderr: OutputStream } {
  streams ??= { stdout: new OutputStream(process.stdout), stderr: new OutputStream(process.stderr) };
  return streams;
}

// Which of fds 0-2 were terminals when codex-run started (Node records the same at its start).
const STDIO_WAS_TERMINAL = [0, 1, 2].map((fd) => tty.isatty(fd));

/**
 * Call just before exiting. When the terminal codex-run started on has been closed (an ssh
 * drop), Node 20's exit path restores the terminal's settings on each stdio fd it recorded as a
 * terminal and aborts (SIGABRT, core dump, no exit code) when that fails with EIO. A hung-up
 * terminal no longer answers as one (isatty fails with EIO), so each such fd is pointed at
 * /dev/null instead, which Node recognises as "the program reopened it" and leaves alone.
 * Terminals that are still there are untouched.
 */
export function releaseHungUpTerminal(): void {
  for (const fd of [0, 1, 2]) {
    if (STDIO_WAS_TERMINAL[fd] !== true || tty.isatty(fd)) continue;
    try {
      fs.closeSync(fd);
      // open() takes the lowest free descriptor: normally `fd` itself. If not, `fd` stays closed,
      // which Node's exit path skips just the same.
      const opened = fs.openSync('/dev/null', fd === 0 ? 'r' : 'w');
      if (opened !== fd) fs.closeSync(opened);
    } catch {
      // Nothing more to do for a terminal that is gone.
    }
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown-error';
}
