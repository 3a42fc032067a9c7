/**
 * The rehearsal model server: a scripted stand-in for the model APIs that the real agent CLIs
 * talk to on 127.0.0.1, so a manifest can be run offline without spending tokens.
 *
 * One server serves every job of a run. Each job reaches only its own script, through its own
 * route: `http://127.0.0.1:<port>/r/<jobKey>`, under which the job's face (face.ts: the
 * Responses API for codex, the Messages API for Claude Code, ...) takes the API's own paths.
 * The server plays what is the same for every API (stalls, usage-limit windows, HTTP errors,
 * the cursor) and lets the face write everything else. Every request body is recorded per job,
 * for tests and for the report.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import type { Turn } from './script.js';
import { ScriptCursor, type Step } from './script-cursor.js';
import type { FaceHttpReply, FaceRequest, FaceStep, RehearsalFace } from './face.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/** One job the server plays: its script, the API its agent speaks, and where its files are. */
export interface ServedJob {
  turns: readonly Turn[];
  face: RehearsalFace;
  /** The job's workdir (a face reads a file there to build an `edit`, as a model would). */
  workdir: string;
  /** The first script turn to play (a resumed session goes on after the turns it played); default 0. */
  startAt?: number;
}

/** Options of {@link startModelServer}. */
export interface ModelServerOptions {
  /** Each job, by job key (the job's name). */
  jobs: ReadonlyMap<string, ServedJob>;
  /** Time source for stalls and timestamps. Default: the system clock. */
  clock?: Clock;
  /** Largest request body accepted, in bytes, after decompression. Default 64 MiB. */
  maxBodyBytes?: number;
}

/** One request codex made for a job, as received and answered. */
export interface RecordedRequest {
  /** 1-based position among the job's requests. */
  seq: number;
  /** When the request arrived (clock time, ms). */
  at: number;
  /** `turn` (played from the script) or the face's name for a side request (e.g. codex's `title`). */
  kind: string;
  /**
   * Indexes of the script turns played in answer, in order: one, or a stall and what followed
   * it. Empty for side requests and once the script has finished.
   */
  turns: number[];
  /**
   * `answered`: a full reply was sent; `client-gone`: codex hung up first (e.g. killed during a
   * stall); `server-closed`: the server closed while it was held; `pending`: still held.
   */
  outcome: 'pending' | 'answered' | 'client-gone' | 'server-closed';
  /** The session id the agent sent (the face knows where), or null. */
  sessionId: string | null;
  /** The request body exactly as the agent sent it, parsed from JSON (undefined: no body). */
  body: unknown;
  /** The path under the job's route, e.g. `/v1/responses`. */
  path: string;
}

/** A running rehearsal model server. */
export interface ModelServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The job's route, `http://127.0.0.1:<port>/r/<jobKey>`, under which its face serves its API's paths. */
  baseUrl(jobKey: string): string;
  /** The job's requests so far, oldest first (a snapshot). */
  requests(jobKey: string): RecordedRequest[];
  /** How many of the job's script turns have been played at least once. */
  played(jobKey: string): number;
  /** Ends held (stalled) responses, closes every connection and stops listening. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const ROUTE = /^\/r\/([^/]+)(\/.*)$/;

interface JobState {
  key: string;
  face: RehearsalFace;
  workdir: string;
  cursor: ScriptCursor;
  records: RecordedRequest[];
  /** Until when a played `limit` turn holds (clock ms): every request before then gets the limit reply again. */
  limitedUntil: number;
}

/**
 * Lifecycle of one request/response exchange:
 *
 *   playing ──stall turn──▶ stalled ──stall time passed──▶ playing ──reply written──▶ done
 *      │                      │
 *      └──────────────────────┴──client hung up / server closing──▶ abandoned
 *
 * `playing` takes the job's next step and either writes it (→ done) or starts a stall.
 */
type ExchangeState =
  | { kind: 'playing' }
  | { kind: 'stalled'; timer: TimerHandle }
  | { kind: 'done' }
  | { kind: 'abandoned' };

class Exchange {
  private state: ExchangeState = { kind: 'playing' };

  constructor(
    private readonly job: JobState,
    private readonly record: RecordedRequest,
    private readonly request: FaceRequest,
    private readonly bodyBytes: number,
    private readonly res: http.ServerResponse,
    private readonly clock: Clock,
    private readonly onSettled: (exchange: Exchange) => void,
  ) {
    res.on('close', () => this.abandon('client-gone'));
  }

  /** Answers the request: a side request by the face, or the job's next script step(s). */
  start(): void {
    if (this.request.kind !== 'turn') {
      this.job.face.answerSide(this.res, this.request, this.record.body, this.context());
      this.finish({ kind: 'done' }, 'answered');
      return;
    }
    this.play();
  }

  /** Stops a held exchange (the server is closing or the client went away). */
  abandon(outcome: 'client-gone' | 'server-closed'): void {
    const state = this.state;
    switch (state.kind) {
      case 'stalled':
        this.clock.clearTimeout(state.timer);
        this.finish({ kind: 'abandoned' }, outcome);
        return;
      case 'playing':
        this.finish({ kind: 'abandoned' }, outcome);
        return;
      case 'done':
      case 'abandoned':
        return;
      default:
        unreachable(state);
    }
  }

  private play(): void {
    if (this.state.kind !== 'playing') return;
    if (this.clock.now() < this.job.limitedUntil) {
      this.sendHttp(this.job.face.usageLimitReply(this.job.limitedUntil, this.clock.now()));
      return;
    }
    const step = this.job.cursor.take();
    if (step.kind === 'turn') this.record.turns.push(step.index);
    this.playStep(step);
  }

  // What the server plays the same way for every API; the rest is the face's.
  private playStep(step: Step): void {
    if (step.kind === 'turn') {
      const turn = step.turn;
      switch (turn.kind) {
        case 'stall': {
          const timer = this.clock.setTimeout(() => {
            if (this.state.kind !== 'stalled') return;
            this.state = { kind: 'playing' };
            this.play();
          }, turn.ms);
          this.state = { kind: 'stalled', timer };
          return;
        }
        case 'fail-http':
          this.sendHttp(this.job.face.errorReply(turn.status, `rehearsal: scripted HTTP ${turn.status} (turn ${step.index + 1})`));
          return;
        case 'limit':
          this.job.limitedUntil = this.clock.now() + turn.ms;
          this.sendHttp(this.job.face.usageLimitReply(this.job.limitedUntil, this.clock.now()));
          return;
        case 'say':
        case 'run':
        case 'patch':
        case 'write':
        case 'edit':
        case 'ask':
        case 'fail-stream':
          this.answer({ kind: 'turn', index: step.index, turn });
          return;
        default:
          unreachable(turn);
      }
    }
    this.answer({ kind: 'finished' });
  }

  private answer(step: FaceStep): void {
    this.job.face.answerStep(this.res, step, this.record.body, this.record.path, this.context());
    this.finish({ kind: 'done' }, 'answered');
  }

  private sendHttp(reply: FaceHttpReply): void {
    this.res.writeHead(reply.status, reply.headers);
    this.res.end(reply.body);
    this.finish({ kind: 'done' }, 'answered');
  }

  private context() {
    return { id: newId(), jobKey: this.job.key, bodyBytes: this.bodyBytes, now: this.clock.now(), workdir: this.job.workdir };
  }

  private finish(state: { kind: 'done' } | { kind: 'abandoned' }, outcome: RecordedRequest['outcome']): void {
    this.state = state;
    this.record.outcome = outcome;
    if (state.kind === 'abandoned' && !this.res.destroyed) this.res.destroy();
    this.onSettled(this);
  }
}

function newId(): string {
  return randomBytes(6).toString('hex');
}

/** Starts the server on 127.0.0.1 with an ephemeral port. Rejects only if it cannot listen. */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const jobs = new Map<string, JobState>();
  for (const [key, served] of options.jobs) {
    jobs.set(key, { key, face: served.face, workdir: served.workdir, cursor: new ScriptCursor(served.turns, served.startAt ?? 0), records: [], limitedUntil: 0 });
  }
  const held = new Set<Exchange>();
  let closing = false;

  const server = http.createServer((req, res) => {
    if (closing) {
      res.destroy();
      return;
    }
    const route = routeOf(req.url ?? '');
    const job = route === null ? undefined : jobs.get(route.job);
    if (route === null || job === undefined) {
      sendError(res, 404, route === null ? 'rehearsal: unknown path' : `rehearsal: no script for job ${JSON.stringify(route.job)}`);
      req.resume();
      return;
    }
    if (!job.face.accepts(req.method ?? 'GET', route.subpath)) {
      sendError(res, 404, `rehearsal: the ${job.face.name} face of job ${JSON.stringify(route.job)} does not serve ${req.method ?? 'GET'} ${route.subpath}`);
      req.resume();
      return;
    }
    readBody(req, maxBodyBytes).then(
      (read) => {
        if (closing || res.destroyed) return;
        if (!read.ok) {
          sendError(res, read.status, read.message);
          return;
        }
        let body: unknown;
        try {
          body = read.text === '' ? undefined : JSON.parse(read.text);
        } catch {
          sendError(res, 400, 'rehearsal: the request body is not JSON');
          return;
        }
        const request = job.face.inspect(body, req.headers, route.subpath);
        const record: RecordedRequest = {
          seq: job.records.length + 1,
          at: clock.now(),
          kind: request.kind,
          turns: [],
          outcome: 'pending',
          sessionId: request.sessionId,
          body,
          path: route.subpath,
        };
        job.records.push(record);
        const exchange = new Exchange(job, record, request, read.bytes, res, clock, (settled) => held.delete(settled));
        held.add(exchange);
        exchange.start();
      },
      () => res.destroy(),
    );
  });
  // Codex keeps connections alive between requests; nothing here should time a held reply out.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Internal error: model server has no TCP address');
  const origin = `http://127.0.0.1:${address.port}`;

  const jobOf = (jobKey: string): JobState => {
    const job = jobs.get(jobKey);
    if (job === undefined) throw new Error(`Internal error: no rehearsal script for job ${JSON.stringify(jobKey)}`);
    return job;
  };

  let closed: Promise<void> | undefined;
  return {
    origin,
    baseUrl: (jobKey) => `${origin}/r/${encodeURIComponent(jobOf(jobKey).key)}`,
    requests: (jobKey) => jobOf(jobKey).records.map((r) => ({ ...r, turns: [...r.turns] })),
    played: (jobKey) => jobOf(jobKey).cursor.played(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const exchange of [...held]) exchange.abandon('server-closed');
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

// The job key and the path under it in `/r/<jobKey>/<path>`, or null for any other path.
function routeOf(url: string): { job: string; subpath: string } | null {
  const match = ROUTE.exec(url.split('?')[0] ?? '');
  if (match?.[1] === undefined || match[2] === undefined) return null;
  try {
    return { job: decodeURIComponent(match[1]), subpath: match[2] };
  } catch {
    return null;
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

// Errors before a job's face is known: a plain JSON error every API client can show.
function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null } }));
}

type BodyRead = { ok: true; text: string; bytes: number } | { ok: false; status: number; message: string };

// Reads and, if needed, decompresses the body; over-long bodies are refused, not buffered.
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) refused = true;
      if (!refused) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (refused) {
        resolve({ ok: false, status: 413, message: `rehearsal: request body over ${maxBytes} bytes` });
        return;
      }
      const encoding = headerValue(req.headers['content-encoding']);
      const decoded = decode(Buffer.concat(chunks), encoding, maxBytes);
      if (decoded === null) {
        resolve({ ok: false, status: 415, message: `rehearsal: cannot decode a ${String(encoding)} body of at most ${maxBytes} bytes` });
        return;
      }
      resolve({ ok: true, text: decoded.toString('utf8'), bytes: decoded.length });
    });
  });
}

/** zstd exists in node:zlib from Node 22.15; Node 20 lacks it. */
type ZlibWithZstd = typeof zlib & { zstdDecompressSync?: (buffer: Buffer, options: { maxOutputLength: number }) => Buffer };

// An agent can compress request bodies (codex: feature (feature `enable_request_compression`); null when the
// encoding is unknown, the bytes do not decode, or they decode to more than `maxBytes`.
function decode(raw: Buffer, encoding: string | null, maxBytes: number): Buffer | null {
  const limit = { maxOutputLength: maxBytes };
  try {
    switch ((encoding ?? 'identity').trim().toLowerCase()) {
      case 'identity':
      case '':
        return raw;
      case 'gzip':
        return zlib.gunzipSync(raw, limit);
      case 'deflate':
        return zlib.inflateSync(raw, limit);
      case 'br':
        return zlib.brotliDecompressSync(raw, limit);
      case 'zstd':
        return (zlib as ZlibWithZstd).zstdDecompressSync?.(raw, limit) ?? null;
      default:
        return null;
    }
  } catch {
    return null;
  }
}
