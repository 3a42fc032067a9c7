/**
 * One model API the rehearsal server speaks: the OpenAI Responses API for codex, the Anthropic
 * Messages API for Claude Code, the Gemini API for Gemini CLI. The server (model-server.ts)
 * owns what is the same for every API: one route per job (`/r/<jobKey>/...`), the job's script
 * cursor, stalls, usage-limit windows, HTTP errors, request records. A face owns the wire: which
 * paths are its own, what a request is (a conversation turn or a side request such as codex's
 * title or Gemini's model router), and how a played script step is written back.
 *
 * Each agent brings its face with its adapter (`AgentAdapter.rehearsal`), next to the private
 * home that points the agent at the server (see AgentRehearsal in agents/adapter.ts).
 */
import type http from 'node:http';
import type { Step } from './script-cursor.js';

/** What a face reads from one request. */
export interface FaceRequest {
  /**
   * `turn`: a step of the job's conversation, answered from the script (moves the cursor).
   * Any other value names a side request (e.g. `title`, `router`, `count-tokens`) that the face
   * answers itself with {@link RehearsalFace.answerSide}; it never moves the script.
   */
  kind: string;
  /** The conversation's session id as the agent sent it (header or body), or null. */
  sessionId: string | null;
}

/** What a face's reply may depend on besides the step. */
export interface FaceContext {
  /** Unique suffix for message, item and call ids. */
  id: string;
  /** The job key (the job's name). */
  jobKey: string;
  /** Size of the request body in bytes (decompressed), for a plausible usage estimate. */
  bodyBytes: number;
  /** Clock time, epoch ms. */
  now: number;
  /** The job's workdir: where `write`/`edit` paths are relative to (a face may read a file to build an edit, as a model would). */
  workdir: string;
}

/** A complete non-streamed HTTP answer. */
export interface FaceHttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A played script step the face writes itself: every turn kind except `stall`, `fail-http` and
 * `limit` (the server plays those the same way for every API, using {@link RehearsalFace.errorReply}
 * and {@link RehearsalFace.usageLimitReply}), and `finished` (the script ran out: say
 * SCRIPT_FINISHED_TEXT).
 */
export type FaceStep =
  | { kind: 'finished' }
  | { kind: 'turn'; index: number; turn: Extract<Step, { kind: 'turn' }>['turn'] & { kind: 'say' | 'run' | 'patch' | 'write' | 'edit' | 'ask' | 'fail-stream' } };

/** One model API (see the file comment). Implementations hold no per-job state. */
export interface RehearsalFace {
  /** e.g. `responses`, `messages`, `gemini`: shown in errors and rehearsal.json. */
  readonly name: string;
  /**
   * Whether this face serves `method` on `subpath`: the URL path after `/r/<jobKey>`, without
   * the query string (e.g. `/v1/responses`, `/v1/messages`,
   * `/v1beta/models/gemini-2.5-pro:streamGenerateContent`). Others get a 404.
   */
  accepts(method: string, subpath: string): boolean;
  /** What the request is. `body` is the parsed JSON body (undefined for a request without one). */
  inspect(body: unknown, headers: http.IncomingHttpHeaders, subpath: string): FaceRequest;
  /** Answers a side request completely (writeHead + end). */
  answerSide(res: http.ServerResponse, request: FaceRequest, body: unknown, context: FaceContext): void;
  /** Answers a played step completely (writeHead + end), streamed the way the API streams. */
  answerStep(res: http.ServerResponse, step: FaceStep, body: unknown, subpath: string, context: FaceContext): void;
  /** The API's error reply for a scripted HTTP failure with this status. */
  errorReply(status: number, message: string): FaceHttpReply;
  /** The API's usage-limit / quota reply (HTTP 429 with the reset time as the API states it). */
  usageLimitReply(resetsAt: number, now: number): FaceHttpReply;
  /** The user's texts in the conversation the request carries, oldest first (rehearsal.json; tests of resume). */
  userTexts(body: unknown): string[];
}
