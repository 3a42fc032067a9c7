/**
 * The control endpoint's client: connects to a run's socket with a short timeout (a dead
 * runner's socket file refuses at once; a hung one must not hang the caller), sends
 * requests and reads their answers.
 */
import net from 'node:net';
import { err, ok, type Result } from '../util/result.js';
import { PROTOCOL_VERSION, type ControlOp, type ControlResponse } from './protocol.js';

/** Default bound on connecting plus one answer. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 3000;

/** Why a request got no answer. */
export interface ControlUnreachable {
  /** `dead`: nothing listens (ECONNREFUSED, ENOENT); `timeout`: no answer in time; `failed`: another error. */
  kind: 'dead' | 'timeout' | 'failed';
  message: string;
}

let nextId = 1;

/** Sends one request and resolves with its response, or why there was none. Never hangs past `timeoutMs`. */
export function controlRequest(
  socket: string,
  op: ControlOp,
  fields: Record<string, unknown> = {},
  timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
): Promise<Result<ControlResponse, ControlUnreachable>> {
  const id = nextId++;
  return new Promise((resolve) => {
    let settled = false;
    let buffered = '';
    const conn = net.createConnection(socket);
    const settle = (value: Result<ControlResponse, ControlUnreachable>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => settle(err({ kind: 'timeout', message: `no answer from ${socket} within ${timeoutMs} ms` })), timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id, op, ...fields })}\n`));
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      try {
        settle(ok(JSON.parse(buffered.slice(0, nl)) as ControlResponse));
      } catch {
        settle(err({ kind: 'failed', message: `the answer from ${socket} is not JSON` }));
      }
    });
    conn.on('error', (e: NodeJS.ErrnoException) => {
      const dead = e.code === 'ECONNREFUSED' || e.code === 'ENOENT';
      settle(err({ kind: dead ? 'dead' : 'failed', message: dead ? `nothing listens on ${socket}` : `${socket}: ${e.message}` }));
    });
    conn.on('close', () => settle(err({ kind: 'dead', message: `${socket} closed without an answer` })));
  });
}
