/**
 * The webhook channel: one JSON POST per try, with node:http(s) and no connection pool (a
 * hanging endpoint holds one socket, which cancel() destroys). Messages name the failure
 * (`HTTP 500`, `ECONNREFUSED`), never the URL, whose path may be a token (Slack, Discord).
 */
import http from 'node:http';
import https from 'node:https';
import type { Channel, Try, TryResult } from './channel.js';

/** Longest response body read (and thrown away); the rest is not waited for. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function webhookChannel(url: string, headers: Readonly<Record<string, string>>): Channel {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  const target = parsed === null ? 'webhook' : `${parsed.protocol}//${parsed.host}`;
  return {
    kind: 'webhook',
    target,
    unavailable: () => (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ? 'the webhook URL is not an http(s) URL after expanding its variables' : null),
    send: (json) => post(parsed!, headers, json),
  };
}

function post(url: URL, headers: Readonly<Record<string, string>>, json: string): Try {
  const body = Buffer.from(json, 'utf8');
  let settle!: (result: TryResult) => void;
  let settled = false;
  const done = new Promise<TryResult>((resolve) => {
    settle = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
  });
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'user-agent': 'codex-run', ...headers, 'content-length': String(body.length) },
  });
  request.on('response', (response) => {
    let read = 0;
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > MAX_RESPONSE_BYTES) response.destroy();
    });
    const status = response.statusCode ?? 0;
    const finish = (): void => {
      settle(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}` });
      request.destroy();
    };
    response.on('end', finish);
    response.on('close', finish);
    response.on('error', finish);
  });
  request.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, error: error.code ?? 'request failed' }));
  request.end(body);
  return {
    done,
    cancel: () => {
      settle({ ok: false, error: 'cancelled' });
      request.destroy();
    },
  };
}
