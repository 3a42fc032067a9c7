/**
 * The control endpoint's server: a Unix domain socket speaking JSON lines (protocol.ts),
 * made 0600 right after it listens (its folder is 0700 already, so nobody else can reach it
 * meanwhile). Requests on one connection are answered in order.
 */
import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import { err, ok, type Result } from '../util/result.js';
import { MAX_LINE_BYTES, parseRequest, type ControlRequest, type ControlResponse, failure } from './protocol.js';

/** Mode of the socket file. */
export const SOCKET_MODE = 0o600;

/** A connection handed over to a stream of messages after an answer (attach). */
export interface StreamIO {
  send(message: Record<string, unknown>): void;
  onMessage(listener: (message: Record<string, unknown>) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/** An answer after which the connection carries a stream (see protocol.ts, attach). */
export interface TakeOver {
  response: ControlResponse;
  stream(io: StreamIO): void;
}

/** Answers one parsed request. */
export type ControlHandler = (request: ControlRequest) => ControlResponse | TakeOver | Promise<ControlResponse | TakeOver>;

/** A listening control server. */
export interface ControlServer {
  readonly socket: string;
  /** Stops listening, ends the open connections and removes the socket file. */
  close(): Promise<void>;
}

/** Listens on `socketPath` (which must not exist) and answers with `handle`. */
export async function listenControl(socketPath: string, handle: ControlHandler): Promise<Result<ControlServer, string>> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    serveConnection(conn, handle);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(socketPath, SOCKET_MODE);
  } catch (e: unknown) {
    server.close();
    return err(`cannot serve the control socket ${socketPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A client that never reads must not keep the runner from exiting.
  server.unref();
  return ok({
    socket: socketPath,
    close: async () => {
      for (const conn of connections) conn.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true }).catch(() => undefined);
    },
  });
}

function serveConnection(conn: net.Socket, handle: ControlHandler): void {
  let buffered = '';
  // Set once an answer took the connection over: later lines are stream messages.
  let streamListener: ((message: Record<string, unknown>) => void) | null = null;
  let streaming = false;
  const closeListeners: Array<() => void> = [];
  conn.on('close', () => {
    for (const l of closeListeners) l();
  });
  const io: StreamIO = {
    send: (message) => {
      if (!conn.destroyed) conn.write(`${JSON.stringify(message)}\n`);
    },
    onMessage: (listener) => {
      streamListener = listener;
    },
    onClose: (listener) => {
      closeListeners.push(listener);
    },
    close: () => conn.end(),
  };
  const handleLine = async (line: string): Promise<void> => {
    if (!streaming) {
      const takeOver = await answer(conn, line, handle);
      if (takeOver !== null) {
        streaming = true;
        takeOver.stream(io);
      }
      return;
    }
    try {
      const message = JSON.parse(line) as unknown;
      if (typeof message === 'object' && message !== null) streamListener?.(message as Record<string, unknown>);
    } catch {
      // Not a message: ignored, as a terminal ignores a garbled escape.
    }
  };
  // Answers go out in request order, one at a time.
  let queue: Promise<void> = Promise.resolve();
  conn.setEncoding('utf8');
  conn.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line === '') continue;
      queue = queue.then(() => handleLine(line));
    }
    if (Buffer.byteLength(buffered) > MAX_LINE_BYTES) {
      conn.end(`${JSON.stringify(failure(null, 'bad-request', `request line longer than ${MAX_LINE_BYTES} bytes`))}\n`);
      buffered = '';
    }
  });
}

// Answers one request line; returns the take-over when the answer hands the connection to a stream.
async function answer(conn: net.Socket, line: string, handle: ControlHandler): Promise<TakeOver | null> {
  const parsed = parseRequest(line);
  let response: ControlResponse;
  let takeOver: TakeOver | null = null;
  if (!parsed.ok) {
    response = parsed.response;
  } else {
    try {
      const answered = await handle(parsed.request);
      if ('stream' in answered) {
        takeOver = answered;
        response = answered.response;
      } else {
        response = answered;
      }
    } catch (e: unknown) {
      response = failure(parsed.request.id, 'bad-request', `Internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!conn.destroyed) conn.write(`${JSON.stringify(response)}\n`);
  return conn.destroyed ? null : takeOver;
}
