/**
 * The native PTY backend: each job's terminal is owned by a small C helper,
 * `codex-run-pump` (native/pump/pump.c), instead of node-pty inside this process. The pump
 * reads the master in a tight loop and hands Node the output through a pipe, so Node reads
 * up to 64 KiB at a time instead of running JavaScript for every ~4 KiB terminal read; it
 * keeps the exit ordering of pty-host.ts (hold the terminal until the master is read empty:
 * zero bytes lost) in C. Why a helper process and not an addon: docs/benchmarks.md,
 * "Native pump".
 *
 * Descriptors of the pump (protocol 4, in pump.c): 0 control frames from here (write, resize,
 * signal, mode, transcript note), 1 output frames ('d' bytes; in bounded mode also 's' n bytes
 * skipped and 'o' the OSC sequences seen in them, before the tail; 'q' the reply to our input
 * went quiet), 3 event lines ("pid",
 * "error", "logerror", "txterror", "exit" last, after 1 closes), 4 the job's log and 5 its
 * transcript when the caller lends them (`logFd`, `transcriptFd`): the pump then writes every
 * byte to the log and decodes it into the transcript before handing it over, so neither
 * costs the runner anything. In bounded mode (`setBounded`) Node gets only what the screen
 * budget lets through and the tails of floods (see pump.c).
 * The pump runs in a session of its own (so a Ctrl-C at the runner's terminal does not reach
 * it) and hangs up the job's terminal when this process goes away (its control pipe ends).
 *
 * The child's pid is the pump's first event line. Spawning does not wait for it: the session
 * awaits {@link PtyProcess.started} before it records the pid (so the main thread never blocks
 * on the pump's fork), and output that comes first waits until someone listens. Reading `pid`
 * before that reads the line synchronously (the old way; tests and node-pty's callers rely on a
 * pid at once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { PtySpawnError, validatePtySpawnOptions } from './pty-host.js';
import { sharedSpawner, type PumpSpawner } from './pump-spawner.js';
import type { PtyExit, PtyFactory, PtyProcess, PtySpawnOptions } from './pty.js';
import { LineSplitter } from '../util/line-splitter.js';
import { unreachable } from '../util/unreachable.js';

export interface PumpFactoryOptions {
  /** The pump binary (see pty-backend.ts for where it is looked for). */
  binary: string;
  /**
   * Start pumps through the process's spawner (pump-spawner.ts) rather than forking each here.
   * Their pid is then only known once {@link PtyProcess.started} resolved. Default false.
   */
  spawner?: boolean | PumpSpawner;
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
type OutputItem = { kind: 'data'; bytes: Buffer } | { kind: 'gap'; skipped: number; oscs: Buffer } | { kind: 'quiet' };

type PumpState =
  | { kind: 'running' }
  | { kind: 'output-ended' }
  | { kind: 'exited'; exit: PtyExit }
  | { kind: 'closed'; exit: PtyExit };

class PumpPtyProcess implements PtyProcess {
  private state: PumpState = { kind: 'running' };
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly gapListeners: Array<(skipped: number, oscs: Buffer) => void> = [];
  private readonly quietListeners: Array<() => void> = [];
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
  private readonly eventLines = new LineSplitter((line) => this.onEventLine(line));
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
  /** The child's pid once the pump reported it; null before (or when it never will). */
  private childPid: number | null = null;
  /** Why the pump reported no pid (it failed before its fork, or died), once known. */
  private spawnProblem: string | null = null;
  private settleStarted!: (problem: string | null) => void;
  readonly started: Promise<string | null>;
  private readonly pidTimer: NodeJS.Timeout;

  private control: Writable | null = null;
  private data: Readable | null = null;
  private events: Readable | null = null;
  /** The events channel's descriptor, for reading the pid synchronously (a pipe; null for a socket). */
  private eventsFd: number | null = null;
  /** Control frames written before the control channel connected (the spawner's pumps). */
  private readonly unsent: Buffer[] = [];
  /** The pump's end, reported before its channels connected: handled once they have. */
  private earlyEnd: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly writesLog: boolean,
    readonly writesTranscript: boolean,
    private readonly pump: PumpProcessHandle,
    private readonly pidTimeoutMs: number,
    private readonly file: string,
  ) {
    this.started = new Promise((resolve) => {
      this.settleStarted = resolve;
    });
    // A pump that neither reports a child nor ends is given up on (as the synchronous wait did).
    this.pidTimer = setTimeout(() => {
      if (this.childPid !== null || this.spawnProblem !== null) return;
      pump.kill('SIGKILL');
      this.noChild(`it reported no child within ${pidTimeoutMs} ms`);
    }, pidTimeoutMs);
    this.pidTimer.unref();
  }

  /** The pump's channels (descriptors 0, 1 and 3), at once for a spawned child, later for the spawner's pumps. */
  attach(channels: { control: Writable; data: Readable; events: Readable; eventsFd: number | null }): void {
    const { control, data, events } = channels;
    this.control = control;
    this.data = data;
    this.events = events;
    this.eventsFd = channels.eventsFd;
    data.on('data', (chunk: Buffer) => this.onChunk(chunk));
    data.on('end', () => this.onPipeEnded());
    data.on('close', () => this.onPipeEnded());
    data.on('error', () => undefined);
    control.on('error', () => undefined); // EPIPE once the pump has gone: nothing to deliver to.
    events.setEncoding('utf8');
    events.on('data', (text: string) => this.onEventText(text));
    events.on('error', () => undefined);
    if (this.paused) data.pause();
    else data.resume();
    events.resume();
    for (const frame of this.unsent.splice(0)) control.write(frame);
    if (this.state.kind === 'closed') control.end();
    if (this.earlyEnd !== null) this.onPumpExit(this.earlyEnd.code, this.earlyEnd.signal);
  }

  /** The spawner could not start the pump: the job never ran. */
  failed(why: string): void {
    this.noChild(why);
    this.onChildExit({ exitCode: 1, signal: null });
    this.onOutputEnded();
  }

  /**
   * The child's pid. Known once {@link started} resolved with null; asked earlier, it is read
   * from the pump's event pipe at once (blocking until the pump's fork, bounded). Throws
   * PtySpawnError when the pump reports no child.
   */
  get pid(): number {
    if (this.childPid !== null) return this.childPid;
    if (this.spawnProblem === null) this.readPidNow();
    if (this.childPid !== null) return this.childPid;
    throw new PtySpawnError(`Cannot spawn ${JSON.stringify(this.file)}: the PTY pump failed (${this.spawnProblem ?? 'it reported no child'})`);
  }

  // Reads event lines synchronously until the pid line. The stream has handed over everything
  // it read from the pipe already, so what this reads comes after it, in order.
  private readPidNow(): void {
    const deadline = Date.now() + this.pidTimeoutMs;
    if (this.eventsFd === null) throw new Error('Internal error: the pid of a pump started by the spawner was asked before it was reported');
    while (this.childPid === null && this.spawnProblem === null) {
      const next = readFirstLine(this.eventsFd, Math.max(0, deadline - Date.now()));
      if (next.line === null) {
        if (next.rest.length > 0) this.onEventText(next.rest);
        break;
      }
      this.onEventText(`${next.line}\n${next.rest}`);
    }
    if (this.childPid === null && this.spawnProblem === null) {
      this.pump.kill('SIGKILL');
      this.noChild(this.errors.length > 0 ? this.errors.join('; ') : 'it reported no child');
    }
  }

  private noChild(problem: string): void {
    if (this.childPid !== null || this.spawnProblem !== null) return;
    clearTimeout(this.pidTimer);
    this.spawnProblem = problem;
    this.settleStarted(problem);
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
    if (this.dataListeners.length === 1) for (const item of this.early.splice(0)) this.deliver(item);
  }

  /** Output the pump skipped (bounded mode): before the tail that follows it. Attach before onData. */
  onGap(listener: (skipped: number, oscs: Buffer) => void): void {
    this.gapListeners.push(listener);
  }

  /** The pump's 'q' frames: the reply to our input went quiet (microseconds after its last byte). */
  onQuiet(listener: () => void): void {
    this.quietListeners.push(listener);
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
    this.data?.pause();
  }

  resume(): void {
    this.paused = false;
    while (this.held.length > 0 && !this.paused) this.parse(this.held.shift()!);
    if (this.paused) return;
    if (this.pipeEnded) this.onOutputEnded();
    else this.data?.resume();
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
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    const frame = Buffer.concat([header, payload]);
    if (this.control === null) {
      this.unsent.push(frame);
      return;
    }
    if (this.control.destroyed || this.control.writableEnded) return;
    this.control.write(frame);
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
    } else if (type === 0x71 /* q */) {
      this.emit({ kind: 'quiet' });
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
      case 'quiet':
        for (const listener of this.quietListeners) listener();
        return;
      default:
        unreachable(item);
    }
  }

  private onEventText(text: string): void {
    this.eventLines.push(text);
  }

  private onEventLine(line: string): void {
    const pid = /^pid (\d+)( transcript)?$/.exec(line);
    if (pid !== null && this.childPid === null && this.spawnProblem === null) {
      this.childPid = Number(pid[1]);
      clearTimeout(this.pidTimer);
      this.settleStarted(null);
      return;
    }
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
  onPumpExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.events === null) {
      // The spawner's pumps: the channels are queued at the socket; they come first.
      this.earlyEnd = { code, signal };
      return;
    }
    // Event lines still in the pipe arrive before the pipe's end; wait for it.
    const finish = (): void => {
      this.noChild(this.errors.length > 0 ? this.errors.join('; ') : `the pump ended (${signal ?? `exit code ${code ?? 'none'}`}) before it reported a child`);
      const lost = this.childPid === null ? {} : { hostLost: `the PTY pump (codex-run-pump) died (${signal ?? `exit code ${code ?? 'none'}`}) and the agent lost its terminal` };
      this.onChildExit({ exitCode: code ?? 1, signal: signal === null ? null : (osConstants.signals[signal] ?? null), ...lost });
    };
    const events = this.events;
    if (!events.readableEnded && !events.destroyed) {
      events.once('close', finish);
    } else {
      finish();
    }
  }

  private close(exit: PtyExit): void {
    this.state = { kind: 'closed', exit };
    this.control?.end();
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

// Reads the pump's next event line synchronously from the non-blocking pipe (the pid, asked
// before it came). The stream reads only on the event loop, so nothing else reads meanwhile.
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

/** How a pump process is signalled, however it was started. */
interface PumpProcessHandle {
  kill(signal: NodeJS.Signals): void;
}

/** The pump's argv after its name, and the child's environment (TERM defaulted). */
function pumpCommand(options: PtySpawnOptions, factory: PumpOptions): { args: string[]; env: Record<string, string | undefined> } {
  const env = { ...options.env };
  if (env['TERM'] === undefined) env['TERM'] = DEFAULT_TERM;
  const bounded = options.bounded === true && options.logFd !== undefined && options.transcriptFd !== undefined ? ['--bounded'] : [];
  // The burst also holds when Node switches to bounded mode later (an 'm' 'b' frame).
  const burst = options.burstBytes !== undefined ? ['--burst', String(Math.max(1, Math.floor(options.burstBytes)))] : [];
  const cgroup = options.cgroup !== undefined ? ['--cgroup', options.cgroup] : [];
  return { args: [...bounded, ...burst, ...cgroup, String(options.cols), String(options.rows), options.cwd, String(factory.drainTimeoutMs), options.file, ...options.args], env };
}

type PumpOptions = Required<Omit<PumpFactoryOptions, 'spawner'>>;

// Forks a pump here: the child and its three pipes. Throws PtySpawnError when it cannot.
function forkPump(options: PtySpawnOptions, factory: PumpOptions): { child: ChildProcess; control: Writable; data: Readable; events: Readable; eventsFd: number } {
  const { args, env } = pumpCommand(options, factory);
  // fd 4 the log, fd 5 the transcript (an unlent fd 4 stays closed in the pump).
  const lent: Array<number | 'ignore'> = [];
  if (options.logFd !== undefined || options.transcriptFd !== undefined) lent.push(options.logFd ?? 'ignore');
  if (options.transcriptFd !== undefined) lent.push(options.transcriptFd);
  let child: ChildProcess;
  try {
    child = spawn(
      factory.binary,
      args,
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
  return { child, control, data, events, eventsFd };
}

// The pump forked by this process (the way without a spawner; and tests that want a pid at once).
function spawnPumpHere(options: PtySpawnOptions, factory: PumpOptions): PtyProcess {
  const { child, ...channels } = forkPump(options, factory);
  // A protocol-3 pump given fd 5 always decodes the transcript into it (its pid line says so too).
  const pty = new PumpPtyProcess(options.logFd !== undefined, options.transcriptFd !== undefined, { kill: (signal) => child.kill(signal) }, factory.pidTimeoutMs, options.file);
  pty.attach(channels);
  child.on('exit', (code, signal) => pty.onPumpExit(code, signal));
  return pty;
}

// The pump forked by the run's spawner (pump-spawner.ts): nothing forks here. If the spawner
// goes away before this pump ran, it is forked here after all (the job does not fail for it).
function spawnPumpThere(options: PtySpawnOptions, factory: PumpOptions, spawner: PumpSpawner): PtyProcess {
  const { args, env } = pumpCommand(options, factory);
  let id = 0;
  const handle: PumpProcessHandle = { kill: (signal) => spawner.kill(id, signal) };
  const pty = new PumpPtyProcess(options.logFd !== undefined, options.transcriptFd !== undefined, { kill: (signal) => handle.kill(signal) }, factory.pidTimeoutMs, options.file);
  const forkHere = (why: string): void => {
    let forked: ReturnType<typeof forkPump>;
    try {
      forked = forkPump(options, factory);
    } catch (error) {
      pty.failed(`${why}; then ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const { child, ...channels } = forked;
    handle.kill = (signal) => child.kill(signal);
    pty.attach(channels);
    child.on('exit', (code, signal) => pty.onPumpExit(code, signal));
  };
  id = spawner.request(
    { args, env, logFd: options.logFd ?? null, transcriptFd: options.transcriptFd ?? null },
    {
      onSpawned: () => undefined,
      onFailed: (why, notStarted) => (notStarted ? forkHere(why) : pty.failed(why)),
      onChannels: (channels) => pty.attach({ ...channels, eventsFd: null }),
      onExit: (code, signal) => pty.onPumpExit(code, signal),
    },
  );
  return pty;
}

/** A {@link PtyFactory} whose terminals are owned by `codex-run-pump` processes. */
export function createPumpFactory(options: PumpFactoryOptions): PtyFactory {
  const resolved: PumpOptions = {
    binary: options.binary,
    drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    pidTimeoutMs: options.pidTimeoutMs ?? DEFAULT_PID_TIMEOUT_MS,
  };
  // The shared spawner is started with the first job, while the runner is still small (a fork
  // costs in proportion to its memory), not before the run has started; the jobs asked for
  // before it is ready fork their pumps here.
  let spawner = options.spawner === false || options.spawner === undefined || options.spawner === true ? null : options.spawner;
  let wantsShared = options.spawner === true;
  const factory = (spawnOptions: PtySpawnOptions): PtyProcess => {
    validatePtySpawnOptions(spawnOptions);
    if (wantsShared) {
      wantsShared = false;
      spawner = sharedSpawner(resolved.binary);
    }
    return spawner?.ready() === true ? spawnPumpThere(spawnOptions, resolved, spawner) : spawnPumpHere(spawnOptions, resolved);
  };
  // The pump's child joins a job's cgroup itself (--cgroup): no launcher shell per job.
  return Object.assign(factory, { joinsCgroup: true });
}
