/**
 * One /proc read shared by every job that asks at about the same time, run off the main thread.
 *
 * Each job needs a scan when it is stopped and after it exits (to find the processes it left
 * behind). A scan reads a stat file per process and the environment of each of ours: 8-60 ms
 * with a few hundred processes. Stopping 200 jobs did 400 such scans one after another on the
 * main thread (14.8 s). Here requests coalesce: a request waits for the next scan that STARTS
 * after it (so it sees every process started before it asked), and every request that came in
 * while a scan was waiting or running shares the next one. The reading runs in a worker thread
 * (src/session/proc-scan-worker.ts); if the worker cannot start or dies, scans run on the main
 * thread instead (same table, same answers, only slower for the run).
 *
 *   idle ──request──▶ gathering ──windowMs──▶ scanning ──table──▶ idle
 *                        ▲                     │ request (queued for the next scan)
 *                        └────────table────────┘
 */
import { Worker } from 'node:worker_threads';
import { unreachable } from '../util/unreachable.js';
import { readProcTable, type ProcTable } from './proc-table.js';
import type { ScanRequest } from './proc-scan-worker.js';

/** Where the table is read. */
export type ScanThread = 'worker' | 'main';

export interface ProcessScannerOptions {
  /** How long the first request of a batch waits for others to join it. Default 5 ms. */
  windowMs?: number;
  /** Default 'worker'. */
  thread?: ScanThread;
}

/** Requests that will share one table. */
interface Batch {
  markerNames: Set<string>;
  waiters: Array<(table: ProcTable) => void>;
}

type State =
  | { kind: 'idle' }
  | { kind: 'gathering'; batch: Batch; timer: NodeJS.Timeout }
  | { kind: 'scanning'; next: Batch | null };

type Reply = { id: number; table: ProcTable } | { id: number; error: string };

export class ProcessScanner {
  private state: State = { kind: 'idle' };
  private readonly windowMs: number;
  private thread: ScanThread;
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { markerNames: string[]; resolve: (table: ProcTable) => void }>();
  /** Tables read so far (tests check the coalescing with it). */
  scans = 0;

  constructor(options: ProcessScannerOptions = {}) {
    this.windowMs = options.windowMs ?? 5;
    this.thread = options.thread ?? 'worker';
  }

  /** What the scanner is doing (for tests and diagnostics). */
  get phase(): State['kind'] {
    return this.state.kind;
  }

  /** Where scans run now ('main' after the worker failed). */
  get runsOn(): ScanThread {
    return this.thread;
  }

  /** A table read after this call, shared with the other requests of its batch. Never rejects. */
  scan(markerNames: readonly string[] = []): Promise<ProcTable> {
    return new Promise((resolve) => {
      const s = this.state;
      switch (s.kind) {
        case 'idle': {
          const batch = newBatch();
          join(batch, markerNames, resolve);
          const timer = setTimeout(() => this.start(batch), this.windowMs);
          this.state = { kind: 'gathering', batch, timer };
          return;
        }
        case 'gathering':
          join(s.batch, markerNames, resolve);
          return;
        case 'scanning': {
          // The running scan may have started before this request: wait for the next one.
          const next = s.next ?? newBatch();
          join(next, markerNames, resolve);
          this.state = { kind: 'scanning', next };
          return;
        }
        default:
          unreachable(s);
      }
    });
  }

  /** Ends the worker thread; later scans run on the main thread. (The process may exit without it: it is unreferenced while idle.) */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.thread = 'main';
    void worker?.terminate();
  }

  private start(batch: Batch): void {
    this.state = { kind: 'scanning', next: null };
    void this.read([...batch.markerNames]).then((table) => {
      this.scans++;
      for (const waiter of batch.waiters) waiter(table);
      const s = this.state;
      if (s.kind !== 'scanning') throw new Error(`Internal error: process scan ended in state ${s.kind}`);
      if (s.next === null) this.state = { kind: 'idle' };
      else this.start(s.next);
    });
  }

  private read(markerNames: string[]): Promise<ProcTable> {
    const worker = this.thread === 'worker' ? this.ensureWorker() : null;
    if (worker === null) return Promise.resolve(readProcTable(markerNames));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { markerNames, resolve });
      worker.ref();
      worker.postMessage({ id, markerNames, runnerPid: process.pid } satisfies ScanRequest);
    });
  }

  private ensureWorker(): Worker | null {
    if (this.worker !== null) return this.worker;
    try {
      const worker = new Worker(new URL('./proc-scan-worker.js', import.meta.url));
      worker.unref();
      worker.on('message', (reply: Reply) => this.onReply(reply));
      worker.on('error', () => this.fallBack(worker));
      worker.on('exit', () => this.fallBack(worker));
      this.worker = worker;
      return worker;
    } catch {
      this.thread = 'main';
      return null;
    }
  }

  private onReply(reply: Reply): void {
    const request = this.pending.get(reply.id);
    if (request === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    // A read error in the worker (not a vanished process: those are skipped) is retried here, where it throws as a bug would.
    request.resolve('table' in reply ? reply.table : readProcTable(request.markerNames));
  }

  // The worker is gone: what it was asked is read here, and so is everything after.
  private fallBack(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.thread = 'main';
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.resolve(readProcTable(request.markerNames));
  }
}

function newBatch(): Batch {
  return { markerNames: new Set(), waiters: [] };
}

function join(batch: Batch, markerNames: readonly string[], resolve: (table: ProcTable) => void): void {
  for (const name of markerNames) batch.markerNames.add(name);
  batch.waiters.push(resolve);
}
