/**
 * The PTY host: runs one child in a pseudo-terminal through node-pty and hands every byte it
 * writes to the caller, raw, before reporting its exit. This is the only module that imports
 * node-pty (see STYLE.md, "one owner module per dependency").
 *
 * Why this does not use node-pty's `spawn()` wrapper (measured, node-pty 1.2.0-beta.15):
 * - With `spawn()`, 25-30 of 50 jobs that write 4-64 KB and exit at once lose their last
 *   bytes; 29 of 30 truncated logs ended at a multiple of 4095 bytes (one PTY read). Cause:
 *   when the child's exit hangs up the terminal, libuv takes the hang-up after a short read
 *   as end of file (`uv__stream_io`), and PTY reads are always short (at most 4095 bytes),
 *   so whatever the kernel still holds beyond the read in progress is dropped.
 * - The fix is to hold the child's terminal (pts) open ourselves, so no hang-up happens while
 *   output is queued, and let go only once the master has been read empty. `spawn()` reports
 *   the exit only after it has destroyed its reader (up to 200 ms after the exit), so that
 *   moment cannot be found through it, and a job paused for backpressure when its child
 *   exited lost all of its queued output.
 * - It also rewrites the environment (adds PWD; drops TMUX, COLUMNS, ... from process.env).
 * So the host calls node-pty's native `fork` (the same function `spawn()` calls; the version
 * is pinned) and owns the reader, the held pts descriptor and the exit ordering itself.
 *
 * Other facts a caller should know:
 * - Output passes through the terminal's output processing: "\n" arrives as "\r\n" (ONLCR);
 *   every other byte arrives unchanged. Nothing is ever decoded.
 * - A missing binary or a missing cwd does not throw on Linux: the child prints
 *   `execvp(3) failed.: No such file or directory` or `chdir(2) failed.: ...` and exits 1.
 *   The session layer checks both before spawning.
 * - Children of node-pty close every inherited descriptor above 2, so one job's child never
 *   holds another job's master or terminal. The master stays inheritable (no FD_CLOEXEC) by
 *   children started with `node:child_process` while the PTY is open: known upstream issue.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import tty from 'node:tty';
import type { PtyExit, PtyFactory, PtyProcess, PtySpawnOptions } from './pty.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/**
 * Thrown by {@link nodePtyFactory} when no child could be started. Every throw from the
 * factory is one of these, so the session layer can turn it into a `spawn-failed` value.
 * Causes: an option that cannot reach execvp intact (NUL byte, `=` in an env name, bad
 * size), node-pty's native module failing to load, `forkpty(3)` failing (out of processes,
 * ptys or memory), or the runner being out of file descriptors when it opens the terminal.
 */
export class PtySpawnError extends Error {
  readonly reason = 'spawn-failed' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PtySpawnError';
  }
}

/** Tuning for {@link createNodePtyFactory}; the defaults are what {@link nodePtyFactory} uses. */
export interface NodePtyFactoryOptions {
  /** Time source for the drain deadline and write retries. Default: the system clock. */
  clock?: Clock;
  /**
   * After the child exits, how long to wait for the master to drain to EIO before closing it
   * anyway. Only matters when a leftover process (a `setsid`/`nohup` escapee) still holds the
   * terminal open. Never fires while paused: it waits for resume(). Default 200 ms.
   */
  drainTimeoutMs?: number;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 200;
const DEFAULT_TERM = 'xterm-256color';
/** Retry interval when the master's input buffer is full (the child is not reading). */
const WRITE_RETRY_MS = 10;
/** Upper bound for the final synchronous read, in case a leftover process keeps writing. */
const FINAL_DRAIN_MAX_BYTES = 1024 * 1024;

/** What node-pty's native `fork` returns (src/unix/pty.cc, 1.2.0-beta.15). */
interface NativeFork {
  fd: number;
  pid: number;
  pty: string;
}

/** The part of node-pty's native binding this host uses. */
interface NativePty {
  fork(
    file: string,
    args: string[],
    env: string[],
    cwd: string,
    cols: number,
    rows: number,
    uid: number,
    gid: number,
    utf8: boolean,
    helperPath: string,
    onExit: (exitCode: number, signal: number) => void,
  ): NativeFork;
  resize(fd: number, cols: number, rows: number, xPixel: number, yPixel: number): void;
}

let nativePty: NativePty | undefined;

// Loaded on first spawn so that importing this module (e.g. for PtySpawnError) stays cheap.
function loadNativePty(): NativePty {
  if (nativePty !== undefined) return nativePty;
  const require = createRequire(import.meta.url);
  let loaded: unknown;
  try {
    const utils = require('node-pty/lib/utils.js') as { loadNativeModule(name: string): { module: unknown } };
    loaded = utils.loadNativeModule('pty').module;
  } catch (cause) {
    throw new PtySpawnError("Could not load node-pty's native module", { cause });
  }
  if (!isNativePty(loaded)) {
    throw new PtySpawnError("node-pty's native module has an unexpected shape (is node-pty 1.2.0-beta.15 installed?)");
  }
  nativePty = loaded;
  return loaded;
}

function isNativePty(value: unknown): value is NativePty {
  const candidate = value as Partial<Record<keyof NativePty, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.fork === 'function' &&
    typeof candidate.resize === 'function'
  );
}

/** Throws {@link PtySpawnError} for options that cannot reach execvp intact (both PTY backends check them). */
export function validatePtySpawnOptions(options: PtySpawnOptions): void {
  const fail = (what: string): never => {
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: ${what}`);
  };
  if (options.file.length === 0) fail('the file name is empty');
  const hasNul = (s: string): boolean => s.includes('\0');
  if (hasNul(options.file)) fail('the file name contains a NUL byte');
  if (hasNul(options.cwd)) fail('the cwd contains a NUL byte');
  options.args.forEach((arg, i) => {
    if (hasNul(arg)) fail(`argument ${i} contains a NUL byte`);
  });
  for (const [name, value] of Object.entries(options.env)) {
    if (name.length === 0 || name.includes('=') || hasNul(name)) fail(`invalid environment variable name ${JSON.stringify(name)}`);
    if (hasNul(value)) fail(`environment variable ${name} contains a NUL byte`);
  }
  const validSize = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= 0xffff;
  if (!validSize(options.cols) || !validSize(options.rows)) fail(`invalid terminal size ${options.cols}x${options.rows}`);
}

// The child gets exactly the given environment, plus TERM when it has none.
function environmentPairs(env: Record<string, string>): string[] {
  const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  if (env['TERM'] === undefined) pairs.push(`TERM=${DEFAULT_TERM}`);
  return pairs;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Lifecycle of one PTY child, as seen by the host:
 *
 *   running ──child exited──▶ draining ──master read empty, not paused──▶ released ──master EIO──▶ closed
 *     │                         │        (close the held pts)              │
 *     │                         └──────────── drain deadline, not paused ──┴──▶ closed
 *     │                                       (read what is left, close the master)
 *     └──master ended first──▶ output-ended ──child exited──▶ closed
 *
 * The held pts is closed only once the master has been read empty: libuv treats a hang-up
 * after any short read as end of file (`uv__stream_io`), and PTY reads are always short
 * (at most 4095 bytes), so hanging up with more queued would drop the rest.
 * `closed` is entered exactly once and is where onExit listeners run: by then every byte the
 * master produced has been handed to onData.
 */
type HostState =
  | { kind: 'running' }
  | { kind: 'draining'; exit: PtyExit; deadline: TimerHandle }
  | { kind: 'released'; exit: PtyExit; deadline: TimerHandle }
  | { kind: 'output-ended' }
  | { kind: 'closed'; exit: PtyExit };

/** One child in a PTY; see {@link HostState} for the order of events. */
class NodePtyProcess implements PtyProcess {
  readonly pid: number;
  private state: HostState = { kind: 'running' };
  private readonly masterFd: number;
  /** Our own descriptor on the child's terminal, or -1 once closed. */
  private heldPtsFd: number;
  private readonly reader: tty.ReadStream;
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly exitListeners: Array<(exit: PtyExit) => void> = [];
  /** Chunks read before the first onData listener was attached. */
  private readonly early: Buffer[] = [];
  private readonly writeQueue: Buffer[] = [];
  private writeRetry: TimerHandle | undefined;
  private paused = false;

  constructor(
    private readonly native: NativePty,
    forked: NativeFork,
    heldPtsFd: number,
    private readonly clock: Clock,
    private readonly drainTimeoutMs: number,
  ) {
    this.pid = forked.pid;
    this.masterFd = forked.fd;
    this.heldPtsFd = heldPtsFd;
    this.reader = new tty.ReadStream(forked.fd);
    this.reader.on('data', (chunk: Buffer) => {
      this.emit(chunk);
      this.releaseIfDrained();
    });
    // EIO is how a drained master reports that no process holds the terminal any more.
    this.reader.on('error', () => undefined);
    this.reader.on('end', () => this.onMasterEnded());
    this.reader.on('close', () => this.onMasterEnded());
  }

  /** Entry point for node-pty's exit callback (called once, on the main thread). */
  childExited(exitCode: number, signal: number): void {
    const exit: PtyExit = { exitCode, signal: signal === 0 ? null : signal };
    const state = this.state;
    switch (state.kind) {
      case 'running':
        this.state = { kind: 'draining', exit, deadline: this.armDrainDeadline() };
        this.releaseIfDrained();
        return;
      case 'output-ended':
        this.close(exit);
        return;
      case 'draining':
      case 'released':
      case 'closed':
        throw new Error(`Internal error: pty child ${this.pid} reported its exit twice`);
      default:
        unreachable(state);
    }
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
    if (this.dataListeners.length === 1) {
      for (const chunk of this.early.splice(0)) listener(chunk);
    }
  }

  onExit(listener: (exit: PtyExit) => void): void {
    const state = this.state;
    if (state.kind === 'closed') {
      queueMicrotask(() => listener(state.exit));
      return;
    }
    this.exitListeners.push(listener);
  }

  write(data: string | Buffer): void {
    if (this.reader.destroyed) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (bytes.length === 0) return;
    this.writeQueue.push(bytes);
    if (this.writeRetry === undefined) this.flushWrites();
  }

  resize(cols: number, rows: number): void {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0) {
      throw new Error(`Internal error: invalid terminal size ${cols}x${rows}`);
    }
    if (this.reader.destroyed) return;
    this.native.resize(this.masterFd, cols, rows, 0, 0);
  }

  pause(): void {
    this.paused = true;
    this.reader.pause();
  }

  resume(): void {
    this.paused = false;
    this.reader.resume();
    // After the stream has handed over what it buffered while paused (it does so on nextTick).
    if (this.state.kind === 'draining') setImmediate(() => this.releaseIfDrained());
  }

  kill(signal: NodeJS.Signals): void {
    // Once reaped, the pid may already belong to an unrelated process.
    if (this.state.kind !== 'running' && this.state.kind !== 'output-ended') return;
    try {
      process.kill(this.pid, signal);
    } catch (error) {
      if (errorCode(error) !== 'ESRCH') throw error;
    }
  }

  private emit(chunk: Buffer): void {
    if (this.dataListeners.length === 0) {
      this.early.push(chunk);
      return;
    }
    for (const listener of this.dataListeners) listener(chunk);
  }

  // After the child's exit: once nothing is queued anywhere, let go of the terminal so the
  // master reports EIO. Not while paused: the caller is not ready for the rest yet.
  private releaseIfDrained(): void {
    const state = this.state;
    if (state.kind !== 'draining' || this.paused || this.reader.readableLength > 0) return;
    if (!this.readRemainingSync()) return;
    this.closeHeldPts();
    this.state = { kind: 'released', exit: state.exit, deadline: state.deadline };
  }

  private onMasterEnded(): void {
    const state = this.state;
    switch (state.kind) {
      case 'running':
        this.closeHeldPts();
        this.state = { kind: 'output-ended' };
        return;
      case 'draining':
      case 'released':
        this.clock.clearTimeout(state.deadline);
        this.close(state.exit);
        return;
      case 'output-ended':
      case 'closed':
        return;
      default:
        unreachable(state);
    }
  }

  private armDrainDeadline(): TimerHandle {
    return this.clock.setTimeout(() => this.onDrainDeadline(), this.drainTimeoutMs);
  }

  // EIO has not come: a leftover process (an escapee) still holds the terminal. Take what the
  // kernel holds right now and close the master; the leftover's later writes fail with EIO.
  private onDrainDeadline(): void {
    const state = this.state;
    switch (state.kind) {
      case 'draining':
      case 'released':
        if (this.paused || this.reader.readableLength > 0 || !this.readRemainingSync()) {
          this.state = { ...state, deadline: this.armDrainDeadline() };
          return;
        }
        this.close(state.exit);
        return;
      case 'running':
      case 'output-ended':
      case 'closed':
        return;
      default:
        unreachable(state);
    }
  }

  // Reads the master without blocking until it is empty; false if the caller paused meanwhile.
  // Runs on the main thread, so it cannot interleave with the stream's own reads.
  private readRemainingSync(): boolean {
    if (this.reader.destroyed) return true;
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let total = 0;
    while (total < FINAL_DRAIN_MAX_BYTES) {
      if (this.paused) return false;
      let n: number;
      try {
        n = fs.readSync(this.masterFd, buffer, 0, buffer.length, null);
      } catch {
        return true; // EAGAIN: empty for now; EIO: nobody holds the terminal any more.
      }
      if (n === 0) return true;
      total += n;
      this.emit(Buffer.from(buffer.subarray(0, n)));
    }
    return true;
  }

  private close(exit: PtyExit): void {
    this.state = { kind: 'closed', exit };
    this.closeHeldPts();
    if (this.writeRetry !== undefined) this.clock.clearTimeout(this.writeRetry);
    this.writeRetry = undefined;
    this.writeQueue.length = 0;
    this.reader.destroy();
    for (const listener of this.exitListeners.splice(0)) listener(exit);
  }

  private closeHeldPts(): void {
    if (this.heldPtsFd < 0) return;
    fs.closeSync(this.heldPtsFd);
    this.heldPtsFd = -1;
  }

  // Synchronous non-blocking writes: the master fd is closed on the main thread when the
  // reader ends, so an asynchronous write could land on a reused descriptor number.
  private flushWrites(): void {
    this.writeRetry = undefined;
    while (this.writeQueue.length > 0) {
      if (this.reader.destroyed) {
        this.writeQueue.length = 0;
        return;
      }
      const head = this.writeQueue[0]!;
      let written: number;
      try {
        written = fs.writeSync(this.masterFd, head);
      } catch (error) {
        if (errorCode(error) === 'EAGAIN') {
          this.writeRetry = this.clock.setTimeout(() => this.flushWrites(), WRITE_RETRY_MS);
        } else {
          this.writeQueue.length = 0; // EIO: the terminal is gone; nobody will read it.
        }
        return;
      }
      if (written >= head.length) this.writeQueue.shift();
      else this.writeQueue[0] = head.subarray(written);
    }
  }
}

/**
 * Builds a {@link PtyFactory} backed by node-pty. Throws {@link PtySpawnError} (and nothing
 * else) when the child cannot be started; see the module comment for what does not throw.
 */
export function createNodePtyFactory(options: NodePtyFactoryOptions = {}): PtyFactory {
  const clock = options.clock ?? systemClock;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  return (spawnOptions) => spawnInPty(spawnOptions, clock, drainTimeoutMs);
}

/** The real PTY factory: node-pty with the system clock and default drain deadline. */
export const nodePtyFactory: PtyFactory = createNodePtyFactory();

function spawnInPty(options: PtySpawnOptions, clock: Clock, drainTimeoutMs: number): PtyProcess {
  validatePtySpawnOptions(options);
  const native = loadNativePty();
  // node-pty calls this once the child has been reaped; the process object exists by then
  // because the callback arrives on the main thread in a later turn.
  let host: NodePtyProcess | undefined;
  let forked: NativeFork;
  try {
    forked = native.fork(
      options.file,
      options.args,
      environmentPairs(options.env),
      options.cwd,
      options.cols,
      options.rows,
      -1,
      -1,
      true, // IUTF8: line editing of typed input treats UTF-8 characters as one unit.
      '', // spawn-helper path: used on macOS only.
      (exitCode, signal) => host?.childExited(exitCode, signal),
    );
  } catch (cause) {
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: forkpty failed`, { cause });
  }
  let heldPtsFd = -1;
  try {
    // Holding the terminal open keeps the master from reporting a hang-up before it is drained.
    heldPtsFd = fs.openSync(forked.pty, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    host = new NodePtyProcess(native, forked, heldPtsFd, clock, drainTimeoutMs);
  } catch (cause) {
    abandon(forked, heldPtsFd);
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: could not attach to its terminal ${forked.pty}`, { cause });
  }
  return host;
}

// Undoes a fork that cannot be supervised (the runner is out of descriptors): no child may
// run unwatched. Its exit callback still arrives later and finds no host.
function abandon(forked: NativeFork, heldPtsFd: number): void {
  try {
    process.kill(forked.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  if (heldPtsFd >= 0) fs.closeSync(heldPtsFd);
  fs.closeSync(forked.fd);
}
