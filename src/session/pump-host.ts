/**
 * The native PTY backend: each job's terminal is owned by a small C helper,
 * `codex-run-pump` (native/pump/pump.c), instead of node-pty inside this process. The pump
 * reads the master in a tight loop and hands Node the output through a pipe, so Node reads
 * up to 64 KiB at a time instead of running JavaScript for every ~4 KiB terminal read; it
 * keeps the exit ordering of pty-host.ts (hold the terminal until the master is read empty:
 * zero bytes lost) in C. Why a helper process and not an addon: docs/benchmarks.md,
 * "Native pump".
 *
 * Descriptors of the pump (protocol 3, in pump.c): 0 control frames from here (write, resize,
 * signal, mode, transcript note), 1 output frames ('d' bytes; in bounded mode also 's' n bytes
 * skipped and 'o' the OSC sequences seen in them, before the tail), 3 event lines ("pid",
 * "error", "logerror", "txterror", "exit" last, after 1 closes), 4 the job's log and 5 its
 * transcript when the caller lends them (`logFd`, `transcriptFd`): the pump then writes every
 * byte to the log and decodes it into the transcript before handing it over, so neither
 * costs the runner anything. In bounded mode (`setBounded`) Node gets only what the screen
 * budget lets through and the tails of floods (see pump.c).
 * The pump runs in a session of its own (so a Ctrl-C at the runner's terminal does not reach
 * it) and hangs up the job's terminal when this process goes away (its control pipe ends).
 *
 * The pid is needed synchronously (the session records it at once), so spawning waits for the
 * pump's first event line: the fork takes well under a millisecond after the exec.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { PtySpawnError, validatePtySpawnOptions } from './pty-host.js';
import type { PtyExit, PtyFactory, PtyProcess, PtySpawnOptions } from './pty.js';
import { unreachable } from '../util/unreachable.js';

export interface PumpFactoryOptions {
  /** The pump binary (see pty-backend.ts for where it is looked for). */
  binary: string;
  /** After the child exits, how long a leftover holder of the terminal may delay the end. Default 200 ms. */
  drainTimeoutMs?: number;
  /** How long spawning waits for the pump to report the child's pid. Default 10 s (a loaded machine). */
  pidTimeoutMs?: number;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 200;
const DEFAULT_PID_TIMEOUT_MS = 10_000;
const DEFAULT_TERM = 'xterm-256color';

/**
 *   running ──data pipe ended──▶ output-ended ──"exit" line──▶ closed
 *      │                                                        ▲
 *      └──"exit" line (the pump closes the data pipe first)──▶ exited ──data pipe ended──┘
 *
 * Either way onExit listeners run in `closed`, after every data event. The pump process
 * dying without an "exit" line (killed from outside) also ends in `closed`, with its status.
 */
/** One parsed item of the output pipe, in order. */
type OutputItem = { kind: 'data'; bytes: Buffer } | { kind: 'gap'; skipped: number; oscs: Buffer };

type PumpState =
  | { kind: 'running' }
  | { kind: 'output-ended' }
  | { kind: 'exited'; exit: PtyExit }
  | { kind: 'closed'; exit: PtyExit };

class PumpPtyProcess implements PtyProcess {
  private state: PumpState = { kind: 'running' };
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly gapListeners: Array<(skipped: number, oscs: Buffer) => void> = [];
  private readonly exitListeners: Array<(exit: PtyExit) => void> = [];
  private readonly early: OutputItem[] = [];
  /** The output pipe's framing: the frame being read (header bytes gathered, then its payload). */
  private header = Buffer.alloc(5);
  private headerLength = 0;
  private frameType = 0;
  private frameLeft = 0;
  private framePieces: Buffer[] = [];
  /** A skip announced by an 's' frame, handed over with the next data (after any 'o'). */
  private pendingGap: { skipped: number; oscs: Buffer } | null = null;
  private failedTranscript: NodeJS.ErrnoException | null = null;
  private eventText = '';
  private paused = false;
  /**
   * Chunks that came while paused. Node resumes a child's stdout by itself when the child
   * exits (child_process flushStdio), so a pause cannot rely on the stream alone; what the
   * pump had already written (at most a pipe's worth) waits here.
   */
  private readonly held: Buffer[] = [];
  private pipeEnded = false;
  private failedLog: NodeJS.ErrnoException | null = null;
  private readonly errors: string[] = [];

  constructor(
    readonly pid: number,
    readonly writesLog: boolean,
    readonly writesTranscript: boolean,
    child: ChildProcess,
    private readonly control: Writable,
    private readonly data: Readable,
    private readonly events: Readable,
    leftover: string,
  ) {
    data.on('data', (chunk: Buffer) => this.onChunk(chunk));
    data.on('end', () => this.onPipeEnded());
    data.on('close', () => this.onPipeEnded());
    data.on('error', () => undefined);
    control.on('error', () => undefined); // EPIPE once the pump has gone: nothing to deliver to.
    events.setEncoding('utf8');
    events.on('data', (text: string) => this.onEventText(text));
    events.on('error', () => undefined);
    child.on('exit', (code, signal) => this.onPumpExit(code, signal));
    if (leftover.length > 0) this.onEventText(leftover);
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
    if (this.dataListeners.length === 1) for (const item of this.early.splice(0)) this.deliver(item);
  }

  /** Output the pump skipped (bounded mode): before the tail that follows it. Attach before onData. */
  onGap(listener: (skipped: number, oscs: Buffer) => void): void {
    this.gapListeners.push(listener);
  }

  /** Bounded: the pump sends what the screen budget lets through and the tails of floods; else every byte. */
  setBounded(bounded: boolean): void {
    if (this.state.kind === 'closed' || this.state.kind === 'exited') return;
    this.send('m', Buffer.from(bounded ? 'b' : 'f', 'latin1'));
  }

  /** A note of codex-run's own for the transcript the pump writes, ordered with the output. */
  mark(text: string): void {
    if (!this.writesTranscript || this.state.kind === 'closed') return;
    this.send('n', Buffer.from(text, 'utf8'));
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
    if (this.state.kind === 'closed') return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return;
    this.send('w', bytes);
  }

  resize(cols: number, rows: number): void {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0 || cols > 0xffff || rows > 0xffff) {
      throw new Error(`Internal error: invalid terminal size ${cols}x${rows}`);
    }
    if (this.state.kind === 'closed') return;
    const size = Buffer.alloc(4);
    size.writeUInt16BE(cols, 0);
    size.writeUInt16BE(rows, 2);
    this.send('r', size);
  }

  pause(): void {
    this.paused = true;
    this.data.pause();
  }

  resume(): void {
    this.paused = false;
    while (this.held.length > 0 && !this.paused) this.parse(this.held.shift()!);
    if (this.paused) return;
    if (this.pipeEnded) this.onOutputEnded();
    else this.data.resume();
  }

  kill(signal: NodeJS.Signals): void {
    // The pump signals only a child it has not reaped, so a reused pid is never hit.
    if (this.state.kind === 'closed' || this.state.kind === 'exited') return;
    const number = osConstants.signals[signal];
    if (number === undefined) throw new Error(`Internal error: unknown signal ${signal}`);
    this.send('k', Buffer.from([number]));
  }

  stopLog(): void {
    if (!this.writesLog || this.state.kind === 'closed' || this.state.kind === 'exited') return;
    this.send('c', Buffer.alloc(0));
  }

  /** Problems the pump reported ("error" lines). */
  problems(): readonly string[] {
    return this.errors;
  }

  logError(): NodeJS.ErrnoException | null {
    return this.failedLog;
  }

  transcriptError(): NodeJS.ErrnoException | null {
    return this.failedTranscript;
  }

  private send(type: 'w' | 'r' | 'k' | 'c' | 'm' | 'n', payload: Buffer): void {
    if (this.control.destroyed || this.control.writableEnded) return;
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    this.control.write(Buffer.concat([header, payload]));
  }

  private onChunk(chunk: Buffer): void {
    if (this.paused) this.held.push(chunk);
    else this.parse(chunk);
  }

  // Splits the output pipe into frames; a data frame's bytes are handed over as they come
  // (a frame may span reads), the small 's' and 'o' frames once complete.
  private parse(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frameLeft === 0 && this.headerLength < 5) {
        const take = Math.min(5 - this.headerLength, chunk.length - at);
        chunk.copy(this.header, this.headerLength, at, at + take);
        this.headerLength += take;
        at += take;
        if (this.headerLength < 5) return;
        this.frameType = this.header[0]!;
        this.frameLeft = this.header.readUInt32BE(1);
        if (this.frameLeft === 0) this.endFrame();
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      this.frameLeft -= take;
      if (this.frameType === 0x64 /* d */) this.emit({ kind: 'data', bytes: piece });
      else this.framePieces.push(piece);
      if (this.frameLeft === 0) this.endFrame();
    }
  }

  private endFrame(): void {
    const type = this.frameType;
    const payload = this.framePieces.length === 1 ? this.framePieces[0]! : Buffer.concat(this.framePieces);
    this.framePieces = [];
    this.headerLength = 0;
    if (type === 0x73 /* s */ && payload.length === 8) {
      this.pendingGap = { skipped: Number(payload.readBigUInt64BE(0)), oscs: Buffer.alloc(0) };
    } else if (type === 0x6f /* o */ && this.pendingGap !== null) {
      this.pendingGap.oscs = Buffer.from(payload);
    }
  }

  // The end of the output counts once every held chunk has been handed over.
  private onPipeEnded(): void {
    this.pipeEnded = true;
    if (!this.paused && this.held.length === 0) this.onOutputEnded();
  }

  private emit(item: OutputItem): void {
    if (item.kind === 'data' && this.pendingGap !== null) {
      const gap = this.pendingGap;
      this.pendingGap = null;
      this.emit({ kind: 'gap', ...gap });
    }
    if (this.dataListeners.length === 0) {
      this.early.push(item);
      return;
    }
    this.deliver(item);
  }

  private deliver(item: OutputItem): void {
    switch (item.kind) {
      case 'data':
        for (const listener of this.dataListeners) listener(item.bytes);
        return;
      case 'gap':
        for (const listener of this.gapListeners) listener(item.skipped, item.oscs);
        return;
      default:
        unreachable(item);
    }
  }

  private onEventText(text: string): void {
    this.eventText += text;
    let newline = this.eventText.indexOf('\n');
    while (newline >= 0) {
      const line = this.eventText.slice(0, newline);
      this.eventText = this.eventText.slice(newline + 1);
      this.onEventLine(line);
      newline = this.eventText.indexOf('\n');
    }
  }

  private onEventLine(line: string): void {
    const exit = /^exit (-?\d+) (\d+)$/.exec(line);
    if (exit !== null) {
      const signal = Number(exit[2]);
      this.onChildExit({ exitCode: Number(exit[1]), signal: signal === 0 ? null : signal });
      return;
    }
    const logError = /^logerror (\d+) (.*)$/.exec(line);
    if (logError !== null) {
      if (this.failedLog === null) this.failedLog = errnoError(Number(logError[1]), logError[2]!);
      return;
    }
    const transcriptError = /^txterror (\d+) (.*)$/.exec(line);
    if (transcriptError !== null) {
      if (this.failedTranscript === null) this.failedTranscript = errnoError(Number(transcriptError[1]), transcriptError[2]!);
      return;
    }
    if (line.startsWith('error ')) this.errors.push(line.slice('error '.length));
  }

  private onChildExit(exit: PtyExit): void {
    const state = this.state;
    switch (state.kind) {
      case 'running':
        this.state = { kind: 'exited', exit };
        return;
      case 'output-ended':
        this.close(exit);
        return;
      case 'exited':
      case 'closed':
        return;
      default:
        unreachable(state);
    }
  }

  private onOutputEnded(): void {
    const state = this.state;
    switch (state.kind) {
      case 'running':
        this.state = { kind: 'output-ended' };
        return;
      case 'exited':
        this.close(state.exit);
        return;
      case 'output-ended':
      case 'closed':
        return;
      default:
        unreachable(state);
    }
  }

  // The pump itself ended. Normally its "exit" line came first; if it was killed, the job's
  // end is reported with the pump's own status so the session never waits forever (the
  // output still ends first: the pump's death closed the data pipe).
  private onPumpExit(code: number | null, signal: NodeJS.Signals | null): void {
    // Event lines still in the pipe arrive before the pipe's end; wait for it.
    const finish = (): void => {
      this.onChildExit({ exitCode: code ?? 1, signal: signal === null ? null : (osConstants.signals[signal] ?? null) });
    };
    if (!this.events.readableEnded && !this.events.destroyed) {
      this.events.once('close', finish);
    } else {
      finish();
    }
  }

  private close(exit: PtyExit): void {
    this.state = { kind: 'closed', exit };
    this.control.end();
    for (const listener of this.exitListeners.splice(0)) listener(exit);
  }
}

function errnoError(errno: number, message: string): NodeJS.ErrnoException {
  const code = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0];
  return Object.assign(new Error(message), { errno, ...(code !== undefined ? { code } : {}) });
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The descriptor under a pipe stream Node created for a child (Linux: libuv pipes expose it). */
function pipeFd(stream: unknown): number | null {
  const fd = (stream as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

// Reads the pump's first event line ("pid <n>") synchronously from the non-blocking pipe.
// Nothing else reads that pipe before this returns: the stream reads only on the event loop.
function readFirstLine(fd: number, timeoutMs: number): { line: string | null; rest: string } {
  const deadline = Date.now() + timeoutMs;
  const byte = Buffer.alloc(256);
  let text = '';
  let wait = 0.02;
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, byte, 0, byte.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return { line: null, rest: text };
      if (Date.now() > deadline) return { line: null, rest: text };
      Atomics.wait(sleeper, 0, 0, wait);
      wait = Math.min(wait * 2, 2);
      continue;
    }
    if (n === 0) return { line: null, rest: text };
    text += byte.toString('utf8', 0, n);
    const newline = text.indexOf('\n');
    if (newline >= 0) return { line: text.slice(0, newline), rest: text.slice(newline + 1) };
  }
}

function spawnPump(options: PtySpawnOptions, factory: Required<PumpFactoryOptions>): PtyProcess {
  validatePtySpawnOptions(options);
  const env = { ...options.env };
  if (env['TERM'] === undefined) env['TERM'] = DEFAULT_TERM;
  // fd 4 the log, fd 5 the transcript (an unlent fd 4 stays closed in the pump).
  const lent: Array<number | 'ignore'> = [];
  if (options.logFd !== undefined || options.transcriptFd !== undefined) lent.push(options.logFd ?? 'ignore');
  if (options.transcriptFd !== undefined) lent.push(options.transcriptFd);
  let child: ChildProcess;
  try {
    child = spawn(
      factory.binary,
      [String(options.cols), String(options.rows), options.cwd, String(factory.drainTimeoutMs), options.file, ...options.args],
      // argv0 is the pump's own name; the environment is exactly the child's.
      {
        stdio: ['pipe', 'pipe', 'ignore', 'pipe', ...lent],
        env,
        detached: true,
      },
    );
  } catch (cause) {
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: the PTY pump ${factory.binary} could not start`, { cause });
  }
  const control = child.stdin;
  const data = child.stdout;
  const events = child.stdio[3] as Readable | null | undefined;
  const eventsFd = pipeFd(events);
  if (child.pid === undefined || control === null || data === null || events === null || events === undefined || eventsFd === null) {
    child.on('error', () => undefined);
    if (child.pid !== undefined) child.kill('SIGKILL');
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: the PTY pump ${factory.binary} could not start`);
  }
  const first = readFirstLine(eventsFd, factory.pidTimeoutMs);
  const pid = first.line === null ? null : /^pid (\d+)( transcript)?$/.exec(first.line);
  if (pid === null || pid === undefined) {
    child.kill('SIGKILL');
    const why = first.line?.startsWith('error ') === true ? first.line.slice('error '.length) : 'it reported no child';
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(options.file)}: the PTY pump failed (${why})`);
  }
  return new PumpPtyProcess(Number(pid[1]), options.logFd !== undefined, pid[2] !== undefined, child, control, data, events, first.rest);
}

/** A {@link PtyFactory} whose terminals are owned by `codex-run-pump` processes. */
export function createPumpFactory(options: PumpFactoryOptions): PtyFactory {
  const resolved: Required<PumpFactoryOptions> = {
    binary: options.binary,
    drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    pidTimeoutMs: options.pidTimeoutMs ?? DEFAULT_PID_TIMEOUT_MS,
  };
  return (spawnOptions) => spawnPump(spawnOptions, resolved);
}
