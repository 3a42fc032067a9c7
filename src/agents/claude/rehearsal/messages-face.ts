/**
 * The Anthropic Messages API face of the rehearsal server, for Claude Code 2.1.332 (wire
 * measured in reference/claude-code-2.1: README §2, wire/*.json, server.mjs).
 *
 * Claude Code POSTs `<ANTHROPIC_BASE_URL>/v1/messages?beta=true` with `stream: true` and reads
 * the standard SSE events (`message_start`, `content_block_start/delta/stop`, `message_delta`,
 * `message_stop`); after a stream-idle timeout it re-sends the same request with
 * `stream: false`, answered here as one JSON message. A script step becomes:
 *
 *   say    a text block, stop_reason end_turn (ends Claude's turn)
 *   run    a Bash tool_use {command, description}
 *   ask    a Bash tool_use too: Claude Code has no escalation flag; in permission mode
 *          `default` a command that writes opens the approval dialog (tui) or is denied (headless)
 *   write  Read (when the file exists) + Write {file_path, content}, in one message
 *   edit   Read + Edit {file_path, old_string, new_string}, in one message: Claude Code refuses
 *          to edit a file it has not read, and runs the calls in order (verified with 2.1.332)
 *   fail-stream  an SSE `error` event (overloaded_error) after message_start
 *
 * `patch` is codex's format: refused when the run starts (unsupportedTurns). Requests without
 * a Bash tool (titles, topic checks: none are sent with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC)
 * and `count_tokens` are side requests that never move the script.
 */
import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { FaceContext, FaceHttpReply, FaceRequest, FaceStep, RehearsalFace } from '../../../rehearsal/face.js';
import { SCRIPT_FINISHED_TEXT } from '../../../rehearsal/script.js';
import { unreachable } from '../../../util/unreachable.js';

/** The model id answered when the request names none. */
const DEFAULT_MODEL = 'claude-rehearsal';

/** One content block of an assistant message. */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** The retry-after of a usage-limit reply: longer than the 60 s Claude Code would wait out itself. */
const USAGE_LIMIT_RETRY_AFTER_S = 3600;

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The blocks of the assistant message that plays `step` (pure but for the existence check of a `write` target). */
export function blocksFor(step: FaceStep, context: Pick<FaceContext, 'id' | 'workdir'>): { blocks: ContentBlock[]; stop: 'end_turn' | 'tool_use' } {
  const id = (n: number): string => `toolu_rehearsal_${context.id}_${n}`;
  if (step.kind === 'finished') return { blocks: [{ type: 'text', text: SCRIPT_FINISHED_TEXT }], stop: 'end_turn' };
  const turn = step.turn;
  const file = (p: string): string => path.resolve(context.workdir, p);
  switch (turn.kind) {
    case 'say':
      return { blocks: [{ type: 'text', text: turn.text }], stop: 'end_turn' };
    case 'run':
      return { blocks: [{ type: 'tool_use', id: id(0), name: 'Bash', input: { command: turn.command, description: `Rehearsal step ${step.index + 1}` } }], stop: 'tool_use' };
    case 'ask':
      return { blocks: [{ type: 'tool_use', id: id(0), name: 'Bash', input: { command: turn.command, description: turn.reason } }], stop: 'tool_use' };
    case 'write': {
      const target = file(turn.path);
      const read: ContentBlock[] = existsSync(target) ? [{ type: 'tool_use', id: id(0), name: 'Read', input: { file_path: target } }] : [];
      return { blocks: [...read, { type: 'tool_use', id: id(1), name: 'Write', input: { file_path: target, content: turn.content } }], stop: 'tool_use' };
    }
    case 'edit': {
      const target = file(turn.path);
      return {
        blocks: [
          { type: 'tool_use', id: id(0), name: 'Read', input: { file_path: target } },
          { type: 'tool_use', id: id(1), name: 'Edit', input: { file_path: target, old_string: turn.old, new_string: turn.new } },
        ],
        stop: 'tool_use',
      };
    }
    case 'patch':
      // Refused when the run starts (unsupportedTurns); said instead of played if it ever gets here.
      return { blocks: [{ type: 'text', text: 'Rehearsal: `patch` is codex\'s format; Claude Code jobs use `write` or `edit`.' }], stop: 'end_turn' };
    case 'fail-stream':
      throw new Error('Internal error: fail-stream has no content blocks');
    default:
      return unreachable(turn);
  }
}

/** A whole assistant message object. */
function message(body: unknown, context: FaceContext, blocks: ContentBlock[], stop: string | null, outputTokens: number): Record<string, unknown> {
  return {
    id: `msg_rehearsal_${context.id}`,
    type: 'message',
    role: 'assistant',
    model: typeof record(body)?.['model'] === 'string' ? record(body)?.['model'] : DEFAULT_MODEL,
    content: blocks,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: Math.max(1, Math.round(context.bodyBytes / 4)), output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/** The SSE text of a streamed message carrying `blocks`. */
export function streamEvents(msg: Record<string, unknown>, blocks: ContentBlock[], stop: string, outputTokens: number): string {
  const events: Array<[string, Record<string, unknown>]> = [
    ['message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...(record(msg['usage']) ?? {}), output_tokens: 1 } } }],
    ['ping', {}],
  ];
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { index, content_block: { type: 'text', text: '' } }]);
      events.push(['content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }]);
    } else {
      events.push(['content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }]);
      events.push(['content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } }]);
    }
    events.push(['content_block_stop', { index }]);
  });
  events.push(['message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outputTokens } }]);
  events.push(['message_stop', {}]);
  return events.map(([type, data]) => sse(type, data)).join('');
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function wantsStream(body: unknown): boolean {
  return record(body)?.['stream'] === true;
}

function writeMessage(res: http.ServerResponse, body: unknown, context: FaceContext, blocks: ContentBlock[], stop: 'end_turn' | 'tool_use'): void {
  const outputTokens = Math.max(1, Math.round(JSON.stringify(blocks).length / 4));
  const headers = { 'request-id': `req_rehearsal_${context.id}` };
  if (!wantsStream(body)) {
    res.writeHead(200, { ...JSON_HEADERS, ...headers });
    res.end(JSON.stringify(message(body, context, blocks, stop, outputTokens)));
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  res.end(streamEvents(message(body, context, blocks, null, outputTokens), blocks, stop, outputTokens));
}

/** Whether a user text block is the person's (not a `<system-reminder>` or an interruption note). */
function isHumanText(text: string): boolean {
  return !/^(?:<system-reminder>|\[Request interrupted)/.test(text);
}

/** The Messages API face (see the file comment). */
export const messagesFace: RehearsalFace = {
  name: 'messages',

  accepts(method, subpath) {
    return method === 'POST' && (subpath === '/v1/messages' || subpath === '/v1/messages/count_tokens');
  },

  inspect(body, headers, subpath): FaceRequest {
    const header = headers['x-claude-code-session-id'];
    const sessionId = typeof header === 'string' && header !== '' ? header : null;
    if (subpath.endsWith('/count_tokens')) return { kind: 'count-tokens', sessionId };
    const tools = record(body)?.['tools'];
    const main = Array.isArray(tools) && tools.some((tool) => record(tool)?.['name'] === 'Bash');
    return { kind: main ? 'turn' : 'side', sessionId };
  },

  answerSide(res, request, body, context) {
    if (request.kind === 'count-tokens') {
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON.stringify({ input_tokens: Math.max(1, Math.round(context.bodyBytes / 4)) }));
      return;
    }
    writeMessage(res, body, context, [{ type: 'text', text: 'Rehearsal' }], 'end_turn');
  },

  answerStep(res, step, body, _subpath, context) {
    if (step.kind === 'turn' && step.turn.kind === 'fail-stream') {
      res.writeHead(200, SSE_HEADERS);
      const msg = message(body, context, [], null, 1);
      res.end(
        sse('message_start', { message: msg }) +
          sse('error', { error: { type: 'overloaded_error', message: `rehearsal: scripted stream failure (turn ${step.index + 1})` } }),
      );
      return;
    }
    const { blocks, stop } = blocksFor(step, context);
    writeMessage(res, body, context, blocks, stop);
  },

  errorReply(status, message): FaceHttpReply {
    const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { status, headers: JSON_HEADERS, body: JSON.stringify({ type: 'error', error: { type, message } }) };
  },

  usageLimitReply(resetsAt, _now): FaceHttpReply {
    // Claude Code 2.1.332 waits out a 429 whose retry-after is at most 60 s itself (retrying up
    // to 10 times) and gives up at once on a longer one, showing `API Error: Request rejected
    // (429) · <message>` (measured). A real usage limit lasts hours, so the face always states
    // a long retry-after: the limit reaches codex-run as it would for real, and the message
    // carries the scripted reset time for the usage gate.
    const iso = new Date(resetsAt).toISOString();
    return {
      status: 429,
      headers: {
        ...JSON_HEADERS,
        'retry-after': String(USAGE_LIMIT_RETRY_AFTER_S),
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-reset': String(Math.ceil(resetsAt / 1000)),
        'anthropic-ratelimit-unified-representative-claim': 'five_hour',
      },
      body: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: `usage limit reached · resets at ${iso}` } }),
    };
  },

  userTexts(body) {
    const messages = record(body)?.['messages'];
    if (!Array.isArray(messages)) return [];
    const texts: string[] = [];
    for (const item of messages) {
      const m = record(item);
      if (m?.['role'] !== 'user') continue;
      const content = m['content'];
      if (typeof content === 'string') {
        if (isHumanText(content)) texts.push(content);
        continue;
      }
      if (!Array.isArray(content)) continue;
      for (const part of content) {
        const block = record(part);
        const text = block?.['type'] === 'text' ? block['text'] : undefined;
        if (typeof text === 'string' && isHumanText(text)) texts.push(text);
      }
    }
    return texts;
  },
};
