/**
 * The control endpoint's wire format, version 1: JSON lines over a Unix domain socket.
 * A client writes one request per line and reads one response line per request, in order:
 *
 *   → {"v":1,"id":1,"op":"status"}
 *   ← {"v":1,"id":1,"ok":true,"result":{...}}
 *   ← {"v":1,"id":2,"ok":false,"error":{"code":"unknown-job","message":"..."}}
 *
 * Operations: `hello`, `status`, `screen {job}`, `send {job, text?, enter?, keys?, by?}`,
 * `kill {job, by?}`, `stop {by?}`, `attach {job, watch?, by?}` (after its answer the connection
 * carries attach messages instead: `{"out": base64}` and `{"end": true}` from the server,
 * `{"in": text}`, `{"resize": {cols, rows}}` and `{"detach": true}` from the client). Adding an operation or a field does not bump `v`;
 * changing the meaning of one does. Documented in the README ("Control from outside").
 */

/** The protocol version this codex-run speaks. */
export const PROTOCOL_VERSION = 1;

/** Longest request line a server reads; a longer one closes the connection. */
export const MAX_LINE_BYTES = 64 * 1024;

export type ControlOp = 'hello' | 'status' | 'screen' | 'send' | 'kill' | 'stop' | 'attach';

export const CONTROL_OPS: readonly ControlOp[] = ['hello', 'status', 'screen', 'send', 'kill', 'stop', 'attach'];

/** A request as parsed: the envelope plus the operation's own fields. */
export interface ControlRequest {
  v: number;
  id: string | number | null;
  op: ControlOp;
  job?: string;
  text?: string;
  enter?: boolean;
  keys?: string[];
  /** attach: read-only (no keystrokes, supervision goes on). */
  watch?: boolean;
  /** Who acts: `user` by default, or a client's name (recorded in the interventions). */
  by?: string;
}

/** Why a request failed, as a stable code and a sentence. */
export type ControlErrorCode = 'bad-request' | 'unsupported-version' | 'unknown-op' | 'unknown-job' | 'not-running' | 'bad-keys';

export type ControlResponse =
  | { v: number; id: string | number | null; ok: true; result: unknown }
  | { v: number; id: string | number | null; ok: false; error: { code: ControlErrorCode; message: string } };

/** Parses one request line; an error response (with the id when it could be read) otherwise. */
export function parseRequest(line: string): { ok: true; request: ControlRequest } | { ok: false; response: ControlResponse } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, response: failure(null, 'bad-request', 'the request is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, response: failure(null, 'bad-request', 'the request must be a JSON object') };
  }
  const r = value as Record<string, unknown>;
  const id = typeof r['id'] === 'string' || typeof r['id'] === 'number' ? r['id'] : null;
  if (r['v'] !== PROTOCOL_VERSION) {
    return { ok: false, response: failure(id, 'unsupported-version', `this codex-run speaks protocol version ${PROTOCOL_VERSION}, the request asked for ${JSON.stringify(r['v'] ?? null)}`) };
  }
  const op = r['op'];
  if (typeof op !== 'string' || !(CONTROL_OPS as readonly string[]).includes(op)) {
    return { ok: false, response: failure(id, 'unknown-op', `unknown op ${JSON.stringify(op ?? null)}: expected one of ${CONTROL_OPS.join(', ')}`) };
  }
  const request: ControlRequest = { v: PROTOCOL_VERSION, id, op: op as ControlOp };
  for (const key of ['job', 'text', 'by'] as const) {
    const field = r[key];
    if (field === undefined) continue;
    if (typeof field !== 'string') return { ok: false, response: failure(id, 'bad-request', `${key} must be a string`) };
    request[key] = field;
  }
  if (r['enter'] !== undefined) {
    if (typeof r['enter'] !== 'boolean') return { ok: false, response: failure(id, 'bad-request', 'enter must be true or false') };
    request.enter = r['enter'];
  }
  if (r['watch'] !== undefined) {
    if (typeof r['watch'] !== 'boolean') return { ok: false, response: failure(id, 'bad-request', 'watch must be true or false') };
    request.watch = r['watch'];
  }
  if (r['keys'] !== undefined) {
    const keys = r['keys'];
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) return { ok: false, response: failure(id, 'bad-request', 'keys must be an array of key names') };
    request.keys = keys as string[];
  }
  return { ok: true, request };
}

export function success(id: string | number | null, result: unknown): ControlResponse {
  return { v: PROTOCOL_VERSION, id, ok: true, result };
}

export function failure(id: string | number | null, code: ControlErrorCode, message: string): ControlResponse {
  return { v: PROTOCOL_VERSION, id, ok: false, error: { code, message } };
}
