/**
 * The client side of `attach`: connects to the run's socket, asks to attach to a job, then
 * streams: the job's output (starting with a repaint of its current screen) to `onOutput`,
 * keystrokes back with `input`, and `detach` to let go.
 *
 *   connecting ──answer ok──▶ attached ──detach()──▶ detached
 *        │                       ├──job finished──▶ ended
 *        └──refused / no answer  └──socket closed──▶ lost
 */
import net from 'node:net';
import { err, ok, type Result } from '../util/result.js';
import { DEFAULT_CONTROL_TIMEOUT_MS } from './client.js';
import { PROTOCOL_VERSION, type ControlResponse } from './protocol.js';

export type AttachEnd = 'ended' | 'detached' | 'lost';

export interface Attachment {
  input(data: string): void;
  /** The attaching terminal's new size, for the job's terminal (ignored with `watch`). */
  resize(cols: number, rows: number): void;
  detach(): void;
  /** Resolves with how the attachment ended. */
  readonly closed: Promise<AttachEnd>;
}

/** Attaches to `job` of the run listening on `socket`; the error is a sentence. */
export function attachJob(
  socket: string,
  fields: { job: string; watch: boolean; by: string },
  onOutput: (data: Buffer) => void,
): Promise<Result<Attachment, string>> {
  return new Promise((resolve) => {
    const conn = net.createConnection(socket);
    let buffered = '';
    let answered = false;
    let end: AttachEnd = 'lost';
    let resolveClosed!: (how: AttachEnd) => void;
    const closed = new Promise<AttachEnd>((r) => (resolveClosed = r));
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(err(`no answer from ${socket} within ${DEFAULT_CONTROL_TIMEOUT_MS} ms`));
    }, DEFAULT_CONTROL_TIMEOUT_MS);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: 1, op: 'attach', ...fields })}\n`));
    conn.on('error', (e) => {
      if (!answered) {
        clearTimeout(timer);
        resolve(err(`${socket}: ${e.message}`));
      }
    });
    conn.on('close', () => resolveClosed(end));
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!answered) {
          answered = true;
          clearTimeout(timer);
          const response = message as unknown as ControlResponse;
          if (!response.ok) {
            conn.destroy();
            resolve(err(response.error.message));
            return;
          }
          resolve(
            ok({
              input: (data) => conn.write(`${JSON.stringify({ in: data })}\n`),
              resize: (cols, rows) => conn.write(`${JSON.stringify({ resize: { cols, rows } })}\n`),
              detach: () => {
                end = 'detached';
                conn.end(`${JSON.stringify({ detach: true })}\n`);
              },
              closed,
            }),
          );
          continue;
        }
        if (typeof message['out'] === 'string') onOutput(Buffer.from(message['out'], 'base64'));
        if (message['end'] === true) end = 'ended';
      }
    });
  });
}
