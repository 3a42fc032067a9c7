/**
 * The rehearsal server's OpenAI Responses-API face, as codex-cli 0.169 speaks it: codex POSTs
 * `<base_url>/responses` (its provider's base_url is the job's route plus `/v1`, see
 * codex-home.ts), sends its session id in the `session-id` header, and reads a
 * `text/event-stream` reply (responses-wire.ts). The TUI's title side request is answered here
 * and never moves the script.
 */
import type http from 'node:http';
import type { FaceContext, FaceHttpReply, FaceRequest, FaceStep, RehearsalFace } from '../../../rehearsal/face.js';
import { classifyRequest, offersTool, userTexts } from './request-body.js';
import {
  SSE_HEADERS,
  createdEvent,
  errorBody,
  estimateUsage,
  failedEvent,
  itemAndCompletedEvents,
  usageLimitBody,
  type OutputItem,
} from './responses-wire.js';
import { replyFor, titleItem } from './turn-reply.js';

/** The path codex POSTs to under its provider's base_url (`/r/<job>/v1`). */
const RESPONSES_PATH = '/v1/responses';

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function writeItem(res: http.ServerResponse, context: FaceContext, item: OutputItem): void {
  const responseId = `resp_${context.id}`;
  res.writeHead(200, SSE_HEADERS);
  res.end(createdEvent(responseId) + itemAndCompletedEvents(responseId, item, estimateUsage(context.bodyBytes, item)));
}

export const responsesFace: RehearsalFace = {
  name: 'responses',
  accepts: (method, subpath) => method === 'POST' && subpath === RESPONSES_PATH,
  inspect: (body, headers): FaceRequest => ({ kind: classifyRequest(body), sessionId: headerValue(headers['session-id']) }),
  answerSide(res, _request, _body, context) {
    writeItem(res, context, titleItem(context.id, `Rehearsal: ${context.jobKey}`));
  },
  answerStep(res, step: FaceStep, body, _subpath, context) {
    const reply = replyFor(step, { id: context.id, offersApplyPatch: offersTool(body, 'apply_patch'), workdir: context.workdir });
    if (reply.kind === 'item') {
      writeItem(res, context, reply.item);
      return;
    }
    const responseId = `resp_${context.id}`;
    res.writeHead(200, SSE_HEADERS);
    res.end(createdEvent(responseId) + failedEvent(responseId, reply.message));
  },
  errorReply: (status, message): FaceHttpReply => ({ status, headers: { 'content-type': 'application/json' }, body: errorBody(status, message) }),
  usageLimitReply: (resetsAt, now): FaceHttpReply => ({ status: 429, headers: { 'content-type': 'application/json' }, body: usageLimitBody(resetsAt, now) }),
  userTexts,
};
