/**
 * The Gemini-API face of the rehearsal server (see src/rehearsal/face.ts): what Gemini CLI
 * 0.61.0 sends to `GOOGLE_GEMINI_BASE_URL` and how a played script step is written back.
 *
 * Requests (reference README §2):
 * - a turn: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` with the conversation
 *   and the tools offered (`tools` non-empty, no JSON response asked for);
 * - side requests that never move the script: the model router and the next-speaker check
 *   (`:generateContent` asking for JSON with a `responseJsonSchema`), answered with JSON that
 *   fits the schema; calls without tools (the session summary), answered with a short text;
 *   `:countTokens`, answered with an estimate.
 *
 * Steps: `say` is a text part; `run` and `ask` a `run_shell_command` call (gemini's default
 * approval mode asks before every shell command, so both open the approval dialog in the TUI;
 * `ask`'s reason is the call's description); `write` a `write_file` call and `edit` a
 * `replace` call, on the absolute path in the job's workdir; `fail-stream` a stream that sends
 * one chunk and is cut. `patch` (codex's format) is refused when the run starts.
 * Gemini sends no session id in its requests: `sessionId` is always null.
 */
import type http from 'node:http';
import path from 'node:path';
import type { FaceContext, FaceHttpReply, FaceRequest, FaceStep, RehearsalFace } from '../../../rehearsal/face.js';
import { SCRIPT_FINISHED_TEXT } from '../../../rehearsal/script.js';
import { unreachable } from '../../../util/unreachable.js';
import { contentResponse, errorBody, estimateUsage, quotaBody, SSE_HEADERS, sseChunk, valueForSchema, type ModelPart } from './wire.js';

/** `/v1beta/models/<model>:<method>`. */
const ROUTE = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

/** Marks the kind of a side request that came on `:streamGenerateContent` (answered as a stream). */
const STREAMED_SUFFIX = '-stream';

/** The shell tool and the file tools of Gemini CLI 0.61.0 (their argument names from the tool declarations). */
export const SHELL_TOOL = 'run_shell_command';
export const WRITE_TOOL = 'write_file';
export const EDIT_TOOL = 'replace';

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The model and method a subpath names, or null. */
function routeOf(subpath: string): { model: string; method: string } | null {
  const match = ROUTE.exec(subpath);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  return { model: decodeURIComponent(match[1]), method: match[2] };
}

/** The JSON schema a side request asks its answer to follow, or null when it asks for no JSON. */
function jsonSchemaOf(body: unknown): unknown {
  const config = record(record(body)?.['generationConfig']);
  if (config === null) return null;
  const schema = config['responseJsonSchema'] ?? config['responseSchema'];
  if (schema !== undefined) return schema;
  return config['responseMimeType'] === 'application/json' ? {} : null;
}

function offersTools(body: unknown): boolean {
  const tools = record(body)?.['tools'];
  return Array.isArray(tools) && tools.length > 0;
}

/** The parts a played step is written as. */
export function partsFor(step: FaceStep, workdir: string): ModelPart[] {
  if (step.kind === 'finished') return [{ text: SCRIPT_FINISHED_TEXT }];
  const turn = step.turn;
  switch (turn.kind) {
    case 'say':
      return [{ text: turn.text }];
    case 'run':
      return [{ functionCall: { name: SHELL_TOOL, args: { command: turn.command, description: 'Rehearsal: run a command' } } }];
    case 'ask':
      return [{ functionCall: { name: SHELL_TOOL, args: { command: turn.command, description: turn.reason } } }];
    case 'write':
      return [{ functionCall: { name: WRITE_TOOL, args: { file_path: path.resolve(workdir, turn.path), content: turn.content } } }];
    case 'edit':
      return [
        {
          functionCall: {
            name: EDIT_TOOL,
            args: { file_path: path.resolve(workdir, turn.path), old_string: turn.old, new_string: turn.new, instruction: `Rehearsal: replace ${JSON.stringify(turn.old)}` },
          },
        },
      ];
    case 'patch':
      // Refused when the run starts (unsupportedTurns); a text keeps a hand-built server honest.
      return [{ text: `rehearsal: a codex patch cannot be played to gemini (turn ${step.index + 1})` }];
    case 'fail-stream':
      return [{ text: 'Rehearsal: this stream is about to break' }];
    default:
      return unreachable(turn);
  }
}

/** The Gemini API face (see the file comment). Holds no per-job state. */
export const geminiFace: RehearsalFace = {
  name: 'gemini',

  accepts(method, subpath) {
    return method === 'POST' && routeOf(subpath) !== null;
  },

  inspect(body, _headers, subpath): FaceRequest {
    const route = routeOf(subpath);
    if (route?.method === 'countTokens') return { kind: 'count-tokens', sessionId: null };
    const streamed = route?.method === 'streamGenerateContent';
    // answerSide is not given the path: a side request that came streamed says so in its kind.
    const suffix = streamed ? STREAMED_SUFFIX : '';
    if (jsonSchemaOf(body) !== null) return { kind: `router${suffix}`, sessionId: null };
    if (!streamed || !offersTools(body)) return { kind: `summary${suffix}`, sessionId: null };
    return { kind: 'turn', sessionId: null };
  },

  answerSide(res, request, body, context) {
    if (request.kind === 'count-tokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ totalTokens: Math.ceil(context.bodyBytes / 4) }));
      return;
    }
    const schema = jsonSchemaOf(body);
    const text = schema === null ? `Rehearsal: ${context.jobKey}` : JSON.stringify(valueForSchema(schema));
    const parts: ModelPart[] = [{ text }];
    writeParts(res, parts, request.kind.endsWith(STREAMED_SUFFIX), 'gemini-rehearsal', context);
  },

  answerStep(res, step, _body, subpath, context) {
    const route = routeOf(subpath);
    const model = route?.model ?? 'gemini-rehearsal';
    const parts = partsFor(step, context.workdir);
    if (step.kind === 'turn' && step.turn.kind === 'fail-stream') {
      res.writeHead(200, SSE_HEADERS);
      res.write(sseChunk(contentResponse(parts, false, model, estimateUsage(context.bodyBytes, parts), context.id)));
      res.destroy();
      return;
    }
    writeParts(res, parts, route?.method === 'streamGenerateContent', model, context);
  },

  errorReply(status, message): FaceHttpReply {
    return { status, headers: { 'content-type': 'application/json' }, body: errorBody(status, message) };
  },

  usageLimitReply(resetsAt, now): FaceHttpReply {
    return { status: 429, headers: { 'content-type': 'application/json' }, body: quotaBody(resetsAt, now) };
  },

  userTexts(body) {
    const contents = record(body)?.['contents'];
    if (!Array.isArray(contents)) return [];
    const texts: string[] = [];
    for (const content of contents) {
      const c = record(content);
      if (c?.['role'] !== 'user' || !Array.isArray(c['parts'])) continue;
      for (const part of c['parts']) {
        const text = record(part)?.['text'];
        // The first user content opens with gemini's own <session_context> (date, folders), not the user's words.
        if (typeof text === 'string' && !text.startsWith('<session_context>')) texts.push(text);
      }
    }
    return texts;
  },
};

// One complete reply: SSE chunks for a stream (the whole step in one chunk), else one JSON object.
function writeParts(res: http.ServerResponse, parts: readonly ModelPart[], streamed: boolean, model: string, context: FaceContext): void {
  const response = contentResponse(parts, true, model, estimateUsage(context.bodyBytes, parts), context.id);
  if (streamed) {
    res.writeHead(200, SSE_HEADERS);
    res.end(sseChunk(response));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(response));
}
