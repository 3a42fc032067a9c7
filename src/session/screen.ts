/**
 * What a person would see in a job's terminal: a headless xterm fed with the raw PTY bytes.
 * The only module that imports @xterm/headless. Supervision policies look at snapshots of
 * this screen (visible text with wrapped rows joined, cursor, a cheap hash), never at raw
 * bytes, so a prompt that arrives split across reads, is redrawn in place or wraps still
 * reads the same.
 *
 * Parsing is deferred: `write()` queues bytes and the buffer changes later, at the end of the
 * current task for ordinary chunks (all the chunks of one read parsed together, no timer), in
 * xterm's own time-sliced async parse for very large ones. In a run, the jobs' screens share
 * the thread through a work queue (screen-work.ts): a parse or a notification where no prompt
 * can be waits for a later turn of the event loop once this turn's screen work is spent. Change
 * notifications are coalesced: at most one snapshot per `throttleMs` (leading and trailing
 * edge, timed by the injected clock), and only when something was parsed since the last.
 *
 * The quiet edge (a notification `quietMs` after output pauses, sooner than the throttle) is
 * kept for output where a prompt can be: a burst that follows `silenceMs` without output, and
 * output within `inputWindowMs` after codex-run typed into the job ({@link ScreenModel.inputSent}:
 * the reply to an answer, poke or send). Steady output (a job printing every 10 ms) pauses
 * after every line but is not waiting for anyone: it gets the throttle only (~10 snapshots a
 * second instead of ~100; issue 16, where 20 such siblings delayed answers by tens of ms).
 * A PTY that sees the pause itself sooner (the native pump, microseconds after its last read
 * of the master) says so through {@link ScreenModel.outputQuiet}: the quiet edge then comes
 * as soon as what came before is parsed, not after the `quietMs` timer (whose millisecond
 * granularity was most of an answer's latency; docs/benchmarks.md).
 */

import { createRequire } from 'node:module';
import type { IBufferNamespace, IDisposable, IMarker, Terminal as XTerminal } from '@xterm/headless';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { ScreenTask, ScreenWorkQueue } from './screen-work.js';

// Where xterm.js's own diagnostics go: nowhere (see the constructor).
const SILENT_LOGGER = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
function noop(): void {}

/** A line on the screen, followed as it scrolls, so "the same prompt" survives new output. */
export interface LineAnchor {
  /**
   * The line's current row in the viewport (negative once it scrolled above). When the line
   * was erased (a clear-and-redraw) or dropped from the scrollback, the row it had at the
   * last snapshot. Null once the terminal switched buffers.
   */
  readonly row: number | null;
  dispose(): void;
}

/** A normal-buffer anchor: an xterm marker plus where it was at the last snapshot. */
interface MarkerAnchor {
  marker: IMarker;
  lastRow: number;
}

/** One line as a person reads it: a row plus the rows it wrapped onto. */
export interface LogicalLine {
  readonly text: string;
  /** Viewport row of its first row; negative for lines in `history`. */
  readonly row: number;
}

/** The data of a snapshot; see {@link ScreenSnapshot}. */
export interface ScreenSnapshotData {
  version: number;
  at: number;
  cols: number;
  rows: number;
  lines: readonly string[];
  wrapped: readonly boolean[];
  history: readonly string[];
  historyWrapped: readonly boolean[];
  cursor: { row: number; col: number };
  buffer: 'normal' | 'alternate';
  hash: number;
}

/**
 * An immutable view of the screen at one moment. `anchor()` works only while the screen
 * has not parsed anything newer (during the synchronous handling of the snapshot).
 */
export class ScreenSnapshot {
  /** Parse generation: grows with every parsed write. */
  readonly version: number;
  /** Clock time the snapshot was taken. */
  readonly at: number;
  readonly cols: number;
  readonly rows: number;
  /** Viewport rows, trailing spaces trimmed (except on rows that wrap onto the next). */
  readonly lines: readonly string[];
  /** `wrapped[i]`: row i continues row i-1 (xterm's isWrapped). */
  readonly wrapped: readonly boolean[];
  /** Scrollback rows just above the viewport, oldest first (only as many as the model keeps). */
  readonly history: readonly string[];
  readonly historyWrapped: readonly boolean[];
  /** 0-based cursor position in the viewport. */
  readonly cursor: { row: number; col: number };
  /** Full-screen TUIs draw on the alternate buffer. */
  readonly buffer: 'normal' | 'alternate';
  /** FNV-1a of the viewport rows: equal hashes mean (almost surely) the same picture. */
  readonly hash: number;
  private readonly anchorAt: ((row: number, version: number) => LineAnchor | null) | null;
  private cachedText: string | null = null;
  private rowStarts: number[] | null = null;
  /** logicalLines() without and with history: every policy reads them, a snapshot builds them once. */
  private cachedLines: readonly LogicalLine[] | null = null;
  private cachedLinesWithHistory: readonly LogicalLine[] | null = null;

  constructor(data: ScreenSnapshotData, anchorAt: ((row: number, version: number) => LineAnchor | null) | null = null) {
    this.version = data.version;
    this.at = data.at;
    this.cols = data.cols;
    this.rows = data.rows;
    this.lines = data.lines;
    this.wrapped = data.wrapped;
    this.history = data.history;
    this.historyWrapped = data.historyWrapped;
    this.cursor = data.cursor;
    this.buffer = data.buffer;
    this.hash = data.hash;
    this.anchorAt = anchorAt;
  }

  /** The viewport as text: logical lines separated by `\n`, wrapped rows joined without one. */
  text(): string {
    if (this.cachedText === null) {
      const starts: number[] = [];
      let text = '';
      this.lines.forEach((line, row) => {
        if (row > 0 && this.wrapped[row] !== true) text += '\n';
        starts.push(text.length);
        text += line;
      });
      this.cachedText = text;
      this.rowStarts = starts;
    }
    return this.cachedText;
  }

  /** The viewport row holding offset `offset` of {@link text}. */
  rowAt(offset: number): number {
    this.text();
    const starts = this.rowStarts!;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Logical lines of the viewport, optionally preceded by those of the kept history (built once per snapshot). */
  logicalLines(withHistory = false): readonly LogicalLine[] {
    if (withHistory) return (this.cachedLinesWithHistory ??= this.buildLogicalLines(true));
    return (this.cachedLines ??= this.buildLogicalLines(false));
  }

  private buildLogicalLines(withHistory: boolean): readonly LogicalLine[] {
    const out: { text: string; row: number }[] = [];
    const add = (rows: readonly string[], wrapped: readonly boolean[], offset: number): void => {
      rows.forEach((text, i) => {
        const last = out[out.length - 1];
        if (wrapped[i] === true && last !== undefined) last.text += text;
        else out.push({ text, row: i + offset });
      });
    };
    if (withHistory) add(this.history, this.historyWrapped, -this.history.length);
    add(this.lines, this.wrapped, 0);
    return out;
  }

  /** Follows viewport row `row` as the screen scrolls; null if the snapshot is stale. */
  anchor(row: number): LineAnchor | null {
    return this.anchorAt === null ? null : this.anchorAt(row, this.version);
  }
}

/** Options of a {@link ScreenModel}. */
export interface ScreenModelOptions {
  cols: number;
  rows: number;
  clock: Clock;
  /** Scrollback rows copied into each snapshot's `history` (the loop guard needs some). Default 0. */
  historyLines?: number;
  /** At most one change notification per this many ms while output keeps coming. Default 100. */
  throttleMs?: number;
  /**
   * ...but a change followed by this much silence is notified at once: a prompt waits for
   * input, so it is seen within a millisecond or two, while a flood never goes quiet. Default 1.
   */
  quietMs?: number;
  /** Output after at least this much silence may be notified at its quiet edge (see the module comment). Default 100. */
  silenceMs?: number;
  /** Output within this many ms after {@link ScreenModel.inputSent} may be notified at its quiet edge. Default 500. */
  inputWindowMs?: number;
  /** `write()` returns false while more than this many bytes wait to be parsed. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * Shares the thread with other jobs' screens (screen-work.ts): parses and notifications where
   * no prompt can be may wait for a later turn of the event loop. Without one, they run at once.
   */
  work?: ScreenWorkQueue;
}

/** During a flood, at most one change notification (snapshot, policies) per this many ms. */
const FLOOD_THROTTLE_MS = 1000;

/** Bytes xterm may hold unparsed before it throws; we drop input instead of reaching it. */
const XTERM_SAFE_PENDING = 40_000_000;

/** Offset of 32-bit FNV-1a. */
const FNV_OFFSET = 0x811c9dc5;

function fnv1a(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

type Listener<T> = (value: T) => void;

type XtermModule = typeof import('@xterm/headless');
let xtermModule: XtermModule | null = null;

/**
 * xterm (about 300 KB of JavaScript) is loaded when a run starts ({@link preloadScreenModel}) or
 * by the first screen model: `validate`, `ps`, reports and the rest of the CLI never load it.
 */
function xterm(): XtermModule {
  xtermModule ??= createRequire(import.meta.url)('@xterm/headless') as XtermModule;
  return xtermModule;
}

/**
 * Loads xterm now, or says why it cannot. A run calls this before its first job starts: a
 * `require` on a job's path would fail once descriptors run out (EMFILE reads as "Cannot find
 * module") and crash the runner.
 */
export function preloadScreenModel(): string | null {
  try {
    xterm();
    return null;
  } catch (error: unknown) {
    return `cannot load @xterm/headless: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * xterm's synchronous parse (`Terminal._core.writeSync`, not in the public typings). Its
 * `write()` always parses in a `setTimeout`: at least 1 ms later and one more event-loop wake-up
 * per chunk (issue 16: answer latency, 50 idle jobs). Our OSC handlers are synchronous, which is
 * all writeSync needs. Null when a future xterm drops it: then every write takes the async path.
 */
type SyncWrite = (data: Uint8Array | string) => void;

function syncWriter(term: XTerminal): SyncWrite | null {
  const core = (term as unknown as { _core?: { writeSync?: unknown } })._core;
  if (core === undefined || typeof core.writeSync !== 'function') return null;
  const writeSync = core.writeSync as (data: Uint8Array | string) => void;
  return (data) => writeSync.call(core, data);
}

/**
 * Writes up to this size are parsed at the end of the current task (a microtask), all the
 * chunks written in that task together; bigger ones (only without the screen budget of
 * job-supervision.ts) go through xterm's time-sliced async parse, as everything did before.
 */
const SYNC_PARSE_MAX_BYTES = 64 * 1024;

/**
 * xterm is handed at most this many bytes (or UTF-16 units) per call. Its parser decodes a call's
 * whole input into a Uint32Array it keeps for the terminal's life and only ever grows (up to
 * 512 KiB): one 64 KiB chunk made every later byte of that job cost 256 KiB of memory that
 * nobody used again (issue 16: 200 jobs flooding at once, peak RSS). 4096 is the size that
 * array starts at; xterm keeps a UTF-8 sequence or a surrogate pair split between calls.
 */
export const PARSE_PIECE = 4096;

/** `data` in pieces of at most {@link PARSE_PIECE}, as views (no copy) or slices. */
export function parsePieces(data: Uint8Array | string): (Uint8Array | string)[] {
  if (data.length <= PARSE_PIECE) return [data];
  const pieces: (Uint8Array | string)[] = [];
  for (let at = 0; at < data.length; at += PARSE_PIECE) {
    pieces.push(typeof data === 'string' ? data.slice(at, at + PARSE_PIECE) : data.subarray(at, at + PARSE_PIECE));
  }
  return pieces;
}

/**
 * Terminals of ended jobs, reset, for the next jobs' screens (issue 16: fast exits). Making a
 * terminal costs ~1 ms of main thread (its buffers and the parser's ~100 handlers), resetting
 * one ~0.15 ms. A terminal is pooled only from a screen with nothing left to parse, after every
 * handler and marker of that screen was disposed; CAN ends any sequence the job left the parser
 * in and RIS resets the rest (buffers, modes, charsets, attributes).
 */
const POOLED_TERMINALS_MAX = 16;
const terminalPool: XTerminal[] = [];
const TERMINAL_RESET = '\x18\x1bc';

/** Terminals waiting in the pool (for tests and diagnostics). */
export function pooledTerminals(): number {
  return terminalPool.length;
}

function takeTerminal(cols: number, rows: number, scrollback: number): XTerminal {
  const pooled = terminalPool.pop();
  if (pooled !== undefined) {
    pooled.options.scrollback = scrollback;
    if (pooled.cols !== cols || pooled.rows !== rows) pooled.resize(cols, rows);
    return pooled;
  }
  return new (xterm().Terminal)({
    cols,
    rows,
    scrollback,
    allowProposedApi: true,
    // The screen model never logs: xterm.js would print a parser dump to the runner's stderr
    // for every byte it does not expect (one DEL gave 34 lines, binary output millions).
    logLevel: 'off',
    logger: SILENT_LOGGER,
  });
}

// A screen is done with `term` (nothing of it is registered on it any more).
function releaseTerminal(term: XTerminal, writeSync: SyncWrite | null): void {
  if (writeSync === null || terminalPool.length >= POOLED_TERMINALS_MAX) {
    term.dispose();
    return;
  }
  writeSync(TERMINAL_RESET);
  terminalPool.push(term);
}

/** The screen model of one job. Feed it raw PTY bytes; read snapshots. */
export class ScreenModel {
  private readonly term: XTerminal;
  /** `term.buffer`, read once: xterm's getter checks its options on every call (a snapshot read it per anchor). */
  private readonly buffers: IBufferNamespace;
  private readonly writeSync: SyncWrite | null;
  /** Chunks waiting for the end-of-task parse (see {@link SYNC_PARSE_MAX_BYTES}), with their sizes summed. */
  private batch: (Uint8Array | string)[] = [];
  private batchBytes = 0;
  /** Writes handed to xterm's async parse and not parsed yet: later writes queue behind them. */
  private asyncWrites = 0;
  private readonly clock: Clock;
  private readonly historyLines: number;
  private readonly throttleMs: number;
  private readonly highWaterMark: number;
  private parsedVersion = 0;
  private pendingWrites = 0;
  private pendingBytesCount = 0;
  private written = 0;
  private dropped = 0;
  private bufferEpoch = 0;
  private parsedWaiters: (() => void)[] = [];
  private snapshotListeners: Listener<ScreenSnapshot>[] = [];
  private notifyTimer: TimerHandle | null = null;
  private quietTimer: TimerHandle | null = null;
  private readonly quietMs: number;
  private readonly silenceMs: number;
  private readonly inputWindowMs: number;
  /** When the last bytes were given to `write` (the silence before a burst is measured from it). */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** When codex-run last typed into the job. */
  private lastInputAt = Number.NEGATIVE_INFINITY;
  /** The current burst followed a silence: its quiet edge is notified (until that edge fires). */
  private afterSilence = false;
  private lastNotifyAt = Number.NEGATIVE_INFINITY;
  private lastNotifiedVersion = 0;
  private cached: ScreenSnapshot | null = null;
  private readonly markers = new Set<MarkerAnchor>();
  /** What this screen registered on its terminal (handlers, listeners), disposed with it. */
  private readonly registered = new Set<IDisposable>();
  private disposed = false;
  /** The PTY said the output went quiet while some of it was still being parsed: the quiet edge comes after that parse. */
  private quietSaid = false;
  private flooding = false;
  private notifications = 0;
  private readonly work: ScreenWorkQueue | null;
  /** The end-of-task parse waits in the work queue (a later write may run it sooner). */
  private parseWaiting = false;
  /** A notification waits in the work queue. */
  private deliveryWaiting = false;
  // Each runs once per time it was queued; a copy left in the queue after an urgent run does nothing.
  private readonly parseTask: ScreenTask = () => {
    if (!this.parseWaiting) return;
    this.parseWaiting = false;
    this.parseBatch();
  };
  private readonly deliveryTask: ScreenTask = () => {
    if (!this.deliveryWaiting) return;
    this.deliveryWaiting = false;
    this.deliver();
  };

  constructor(options: ScreenModelOptions) {
    this.clock = options.clock;
    this.historyLines = Math.max(0, options.historyLines ?? 0);
    this.throttleMs = Math.max(0, options.throttleMs ?? 100);
    this.quietMs = Math.max(0, options.quietMs ?? 1);
    this.silenceMs = Math.max(0, options.silenceMs ?? 100);
    this.inputWindowMs = Math.max(0, options.inputWindowMs ?? 500);
    this.highWaterMark = options.highWaterMark ?? 1024 * 1024;
    this.work = options.work ?? null;
    // Anchors follow lines into the scrollback; keep enough for them and the history.
    this.term = takeTerminal(options.cols, options.rows, this.historyLines + options.rows);
    this.buffers = this.term.buffer;
    this.registered.add(
      this.buffers.onBufferChange(() => {
        this.bufferEpoch++;
      }),
    );
    this.writeSync = syncWriter(this.term);
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Grows with every parse (the chunks written in one task are parsed together): a cheap "did anything arrive" counter. */
  get version(): number {
    return this.parsedVersion;
  }

  /** Bytes queued but not yet parsed. */
  get pendingBytes(): number {
    return this.pendingBytesCount;
  }

  /** Change notifications sent so far (each one is a snapshot the policies read). */
  get notified(): number {
    return this.notifications;
  }

  /**
   * The owner says the output is a flood (it feeds only tails, see job-supervision.ts): until
   * it says the flood is over, snapshots go to the listeners at most once per second and not
   * on every pause, so 200 flooding jobs do not run their policies 2,000 times a second. When
   * the flood ends, a change not yet notified is notified at once (a prompt at its end).
   */
  setFlooding(flooding: boolean): void {
    if (this.flooding === flooding || this.disposed) return;
    this.flooding = flooding;
    if (flooding || this.parsedVersion === this.lastNotifiedVersion || this.snapshotListeners.length === 0) return;
    if (this.quietTimer !== null) this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = this.clock.setTimeout(() => this.notify(true), this.quietMs);
  }

  /** Total bytes given to `write`. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes dropped because far too much was waiting to be parsed (see `write`). */
  get bytesDropped(): number {
    return this.dropped;
  }

  /**
   * Queues raw bytes (UTF-8, as the PTY produced them; sequences split across chunks are
   * fine). Returns false when the caller should pause the PTY until `whenParsed()`. Input
   * beyond ~40 MB unparsed is dropped (the screen is best effort; the log keeps every byte).
   */
  write(data: Uint8Array | string): boolean {
    if (this.disposed) return false;
    const size = data.length;
    this.written += size;
    const now = this.clock.now();
    if (now - this.lastWriteAt >= this.silenceMs) this.afterSilence = true;
    this.lastWriteAt = now;
    if (this.pendingBytesCount + size > XTERM_SAFE_PENDING) {
      this.dropped += size;
      return false;
    }
    this.pendingWrites++;
    this.pendingBytesCount += size;
    if (this.writeSync !== null && this.asyncWrites === 0 && (this.batch.length > 0 || size <= SYNC_PARSE_MAX_BYTES)) {
      // Parsed when the current task ends: one parse and one notification check for all the
      // chunks of a read, no timer, and a prompt is on the screen before the next I/O. With a
      // work queue, steady output's parse may wait for a later turn (chunks written meanwhile
      // join it); a reply or a burst after a silence does not wait.
      if (this.batch.length === 0) queueMicrotask(() => this.scheduleParse());
      else if (this.parseWaiting && this.promptCanBe(now)) queueMicrotask(() => this.work?.run(this.parseTask, true));
      this.batch.push(data);
      this.batchBytes += size;
    } else {
      this.asyncWrites++;
      // xterm parses its writes in order: the last piece's callback means all are parsed.
      const pieces = parsePieces(data);
      const last = pieces.pop()!;
      for (const piece of pieces) this.term.write(piece);
      this.term.write(last, () => {
        this.asyncWrites--;
        this.handleParsed(1, size);
      });
    }
    return this.pendingBytesCount <= this.highWaterMark;
  }

  private scheduleParse(): void {
    if (this.work === null) {
      this.parseBatch();
      return;
    }
    this.parseWaiting = true;
    this.work.run(this.parseTask, this.promptCanBe(this.clock.now()));
  }

  /**
   * Output where a prompt can be (a quiet edge is due): a burst after a silence, or the reply
   * to codex-run's input; not a flood. Its screen work never waits for other jobs' (screen-work.ts).
   */
  private promptCanBe(now: number): boolean {
    return !this.flooding && (this.afterSilence || now - this.lastInputAt <= this.inputWindowMs);
  }

  // The end-of-task parse of the chunks written in this task (see write()).
  private parseBatch(): void {
    if (this.batch.length === 0) return;
    const chunks = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    if (this.disposed) return;
    for (const chunk of chunks) {
      if (chunk.length <= PARSE_PIECE) this.writeSync!(chunk);
      else for (const piece of parsePieces(chunk)) this.writeSync!(piece);
    }
    this.handleParsed(chunks.length, bytes);
  }

  /**
   * codex-run typed into the job (an answer, a poke, a send, a terminal reply): output in the
   * next `inputWindowMs` is its reply, and is notified as soon as it pauses.
   */
  inputSent(): void {
    this.lastInputAt = this.clock.now();
  }

  /**
   * The PTY saw the output pause (sooner and more precisely than the `quietMs` timer can):
   * a quiet edge that is due comes as soon as everything written so far is parsed. Ignored
   * where no quiet edge is due (steady output, a flood).
   */
  outputQuiet(): void {
    if (this.disposed) return;
    if (this.batch.length > 0 || this.asyncWrites > 0) this.quietSaid = true;
    else if (this.quietTimer !== null) this.quietEdge();
  }

  /** Resolves once everything written so far has been parsed. */
  whenParsed(): Promise<void> {
    if (this.pendingWrites === 0 || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.parsedWaiters.push(resolve));
  }

  /** The screen now (cached while nothing new was parsed). */
  snapshot(): ScreenSnapshot {
    if (this.cached !== null && this.cached.version === this.parsedVersion) return this.cached;
    this.cached = this.buildSnapshot();
    return this.cached;
  }

  /** Coalesced change notifications (see the module comment). Returns an unsubscribe function. */
  onSnapshot(listener: Listener<ScreenSnapshot>): () => void {
    this.snapshotListeners.push(listener);
    return () => {
      this.snapshotListeners = this.snapshotListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Machine signals in the raw stream: OSC `ident` payloads (e.g. 7501 from Codex), called
   * while parsing. xterm's own handling (titles, colours) still runs.
   */
  onOsc(ident: number, listener: Listener<string>): () => void {
    return this.register(
      this.term.parser.registerOscHandler(ident, (data) => {
        listener(data);
        return false;
      }),
    );
  }

  /** Window title changes (OSC 0 / 2): shown to people, never progress. */
  onTitle(listener: Listener<string>): () => void {
    return this.register(this.term.onTitleChange(listener));
  }

  /**
   * What a terminal would answer to the program's queries (cursor position, device
   * attributes). Forwarding these to the PTY is the caller's choice.
   */
  onReply(listener: Listener<string>): () => void {
    return this.register(this.term.onData(listener));
  }

  // Kept until disposed by the caller or with the screen (its terminal may serve another job next).
  private register(handle: IDisposable): () => void {
    if (this.disposed) {
      handle.dispose();
      return noop;
    }
    this.registered.add(handle);
    return () => {
      if (this.registered.delete(handle)) handle.dispose();
    };
  }

  resize(cols: number, rows: number): void {
    if (!this.disposed) this.term.resize(cols, rows);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.notifyTimer !== null) this.clock.clearTimeout(this.notifyTimer);
    if (this.quietTimer !== null) this.clock.clearTimeout(this.quietTimer);
    this.notifyTimer = null;
    this.quietTimer = null;
    for (const m of this.markers) m.marker.dispose();
    this.markers.clear();
    this.snapshotListeners = [];
    for (const handle of this.registered) handle.dispose();
    this.registered.clear();
    // A terminal still parsing (xterm's async writes) would carry this job's bytes into the next.
    if (this.asyncWrites === 0) releaseTerminal(this.term, this.writeSync);
    else this.term.dispose();
    this.resolveWaiters();
  }

  private handleParsed(writes: number, size: number): void {
    this.pendingWrites -= writes;
    this.pendingBytesCount -= size;
    this.parsedVersion++;
    if (this.pendingWrites === 0) this.resolveWaiters();
    // What the PTY said went quiet is parsed once no write is left (async writes parse in order).
    const quietSaid = this.quietSaid && this.batch.length === 0 && this.asyncWrites === 0;
    if (quietSaid) this.quietSaid = false;
    if (this.disposed || this.snapshotListeners.length === 0) return;
    const now = this.clock.now();
    if (this.notifyTimer === null) {
      const throttle = this.flooding ? Math.max(this.throttleMs, FLOOD_THROTTLE_MS) : this.throttleMs;
      const wait = this.lastNotifyAt + throttle - now;
      if (wait <= 0) {
        // Leading edge: shown now. A burst after a silence stays eligible for its quiet edge
        // (its next chunk arms it), so a prompt split across reads is still seen whole at once.
        this.notify();
        return;
      }
      this.notifyTimer = this.clock.setTimeout(() => this.notify(), wait);
    }
    // Re-armed by every parsed write: fires only once the output pauses (a flood's pauses do not
    // count), and only where a prompt can be (see the module comment).
    if (this.flooding) return;
    if (!this.afterSilence && now - this.lastInputAt > this.inputWindowMs) return;
    if (quietSaid) {
      this.quietEdge();
      return;
    }
    if (this.quietTimer !== null) this.clock.clearTimeout(this.quietTimer);
    this.quietTimer = this.clock.setTimeout(() => this.quietEdge(), this.quietMs);
    // The quiet edge shows this screen unless more output comes first. In the reply to codex-run's
    // input (where the next question can be, and where the native pump says when the output went
    // quiet) its snapshot is taken now, while the pause is being waited out, not between a prompt
    // and its answer (issue 16). Not in a burst after a silence: its first read was notified at
    // once (the throttle ran out in the silence), and a snapshot per later read would mostly be
    // replaced by the next.
    if (now - this.lastInputAt <= this.inputWindowMs) this.snapshot();
  }

  // The output paused: the burst after a silence is over (its later output is steady until the next silence).
  private quietEdge(): void {
    this.quietTimer = null;
    this.afterSilence = false;
    this.notify(true);
  }

  private resolveWaiters(): void {
    const waiters = this.parsedWaiters;
    this.parsedWaiters = [];
    for (const w of waiters) w();
  }

  // `urgent`: where a prompt can be (a quiet edge, the end of a flood); never waits in the work queue.
  private notify(urgent = false): void {
    if (this.notifyTimer !== null) this.clock.clearTimeout(this.notifyTimer);
    if (this.quietTimer !== null) this.clock.clearTimeout(this.quietTimer);
    this.notifyTimer = null;
    this.quietTimer = null;
    if (this.disposed || this.parsedVersion === this.lastNotifiedVersion) return;
    if (this.work === null) {
      this.deliver();
      return;
    }
    const atOnce = urgent || this.promptCanBe(this.clock.now());
    if (this.deliveryWaiting && !atOnce) return;
    this.deliveryWaiting = true;
    this.work.run(this.deliveryTask, atOnce);
  }

  // The snapshot goes to the listeners (the policies read it).
  private deliver(): void {
    if (this.disposed || this.parsedVersion === this.lastNotifiedVersion) return;
    this.lastNotifyAt = this.clock.now();
    this.lastNotifiedVersion = this.parsedVersion;
    this.notifications++;
    const snap = this.snapshot();
    for (const listener of this.snapshotListeners) listener(snap);
  }

  private buildSnapshot(): ScreenSnapshot {
    const buf = this.buffers.active;
    const base = buf.baseY;
    const rows = this.term.rows;
    const normalBase = this.buffers.normal.baseY;
    for (const m of this.markers) if (!m.marker.isDisposed) m.lastRow = m.marker.line - normalBase;
    const historyCount = Math.min(this.historyLines, base);
    // Rows from the oldest kept history row to the bottom of the viewport, plus one flag each.
    const texts: string[] = [];
    const wrapped: boolean[] = [];
    const first = base - historyCount;
    // getLine() wraps the row in a new view object each call: each row is fetched once. Not past
    // the bottom row: once the scrollback is full, xterm's ring hands back its oldest row there
    // (a wrapped one made the bottom row keep its trailing spaces).
    const end = base + rows;
    let next = buf.getLine(first);
    for (let y = first; y < end; y++) {
      const line = next;
      next = y + 1 < end ? buf.getLine(y + 1) : undefined;
      wrapped.push(line?.isWrapped ?? false);
      // A row that wraps onto the next keeps its trailing spaces: they are part of the text.
      const wrapsOn = next?.isWrapped === true;
      const text = line?.translateToString(!wrapsOn) ?? '';
      texts.push(wrapsOn ? text : text.trimEnd());
    }
    const lines = texts.slice(historyCount);
    let hash = FNV_OFFSET;
    for (const line of lines) hash = fnv1a(fnv1a(hash, line), '\n');
    return new ScreenSnapshot(
      {
        version: this.parsedVersion,
        at: this.clock.now(),
        cols: this.term.cols,
        rows,
        lines,
        wrapped: wrapped.slice(historyCount),
        history: texts.slice(0, historyCount),
        historyWrapped: wrapped.slice(0, historyCount),
        cursor: { row: buf.cursorY, col: buf.cursorX },
        buffer: buf.type,
        hash,
      },
      (row, version) => this.anchor(row, version),
    );
  }

  // Markers follow a line through scrolling in the normal buffer; the alternate buffer has
  // no scrollback, so there a row is its own identity until the buffer is switched.
  private anchor(row: number, version: number): LineAnchor | null {
    if (this.disposed || version !== this.parsedVersion) return null;
    const self = this;
    const buf = this.buffers.active;
    if (buf.type === 'alternate') {
      const epoch = this.bufferEpoch;
      return {
        get row(): number | null {
          return self.disposed || self.bufferEpoch !== epoch ? null : row;
        },
        dispose: () => {},
      };
    }
    const marker = this.term.registerMarker(row - buf.cursorY);
    if (marker === undefined) return null;
    const entry: MarkerAnchor = { marker, lastRow: row };
    this.markers.add(entry);
    return {
      get row(): number | null {
        if (self.disposed || self.buffers.active.type !== 'normal') return null;
        // xterm disposes a marker when its line is erased; a redraw puts the line back there.
        return marker.isDisposed ? entry.lastRow : marker.line - self.buffers.normal.baseY;
      },
      dispose: () => {
        self.markers.delete(entry);
        marker.dispose();
      },
    };
  }
}
