/**
 * The Gemini-API shapes the rehearsal face sends, as Gemini CLI 0.61.0 accepts them
 * (reference/gemini-cli-0.61 README §2, wire/, server.mjs). A turn is
 * `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`, answered with
 * `data: <GenerateContentResponse JSON>\r\n\r\n` chunks; a side request is usually
 * `:generateContent` answered with one JSON GenerateContentResponse.
 */

/** One part of a model content: text, or a tool call. */
export type ModelPart = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } };

/** Token counts in `usageMetadata`; gemini sums them into its stats (`total_tokens`). */
export interface UsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
}

/** Headers of a streamed reply. */
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } as const;

/** Google's status names for the HTTP statuses a script can fail with. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A GenerateContentResponse carrying `parts`; `finish` marks the last chunk of a reply. */
export function contentResponse(parts: readonly ModelPart[], finish: boolean, model: string, usage: UsageMetadata, id: string): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: usage,
    modelVersion: model,
    responseId: `rehearsal-${id}`,
  };
}

/** One server-sent event in the framing gemini reads. */
export function sseChunk(response: Record<string, unknown>): string {
  return `data: ${JSON.stringify(response)}\r\n\r\n`;
}

/** The API's error body: `{"error":{"code","message","status"}}`. */
export function errorBody(status: number, message: string, details?: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details === undefined ? {} : { details }) } });
}

/**
 * The account's usage limit as the API states it: HTTP 429 `RESOURCE_EXHAUSTED` with an
 * ErrorInfo `QUOTA_EXHAUSTED` (the plan's quota, as Code Assist sends it) and a RetryInfo
 * `retryDelay`, the message naming the wait too ("Please retry in Ns."). Gemini CLI 0.61.0
 * classifies it as a terminal quota error: it does not retry, the turn fails (headless: exit
 * 173) and codex-run's usage gate parks the job until the reset (usage-limit.ts reads the wait).
 * A plain RetryInfo without it would make gemini wait out any reset up to 5 minutes by itself.
 */
export function quotaBody(resetsAtMs: number, nowMs: number): string {
  const seconds = Math.max(1, Math.ceil((resetsAtMs - nowMs) / 1000));
  return errorBody(429, `You have exhausted your quota on this model. Please retry in ${seconds}s.`, [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED', domain: 'cloudcode-pa.googleapis.com', metadata: { model: 'rehearsal' } },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
  ]);
}

/** Plausible token counts (about four bytes a token), growing with the conversation like real ones. */
export function estimateUsage(requestBytes: number, parts: readonly ModelPart[]): UsageMetadata {
  const prompt = Math.ceil(requestBytes / 4);
  const candidates = Math.ceil(JSON.stringify(parts).length / 4);
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates };
}

/**
 * A JSON value that fits a side request's schema (the model router's `{complexity_reasoning,
 * complexity_score}`, the next-speaker check's `{next_speaker}`, …): strings "rehearsal",
 * numbers 1 (a low complexity score: the router picks its flash model), booleans false, enums
 * their first value except `next_speaker`, which is always "user" so gemini never continues a
 * turn by itself.
 */
export function valueForSchema(schema: unknown, key: string | null = null): unknown {
  const s = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {};
  const enumValues = Array.isArray(s['enum']) ? (s['enum'] as unknown[]) : null;
  if (enumValues !== null) return key === 'next_speaker' && enumValues.includes('user') ? 'user' : enumValues[0];
  const type = String(s['type'] ?? '').toLowerCase();
  const properties = typeof s['properties'] === 'object' && s['properties'] !== null ? (s['properties'] as Record<string, unknown>) : null;
  if (type === 'object' || properties !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(properties ?? {})) out[name] = name === 'next_speaker' ? 'user' : valueForSchema(child, name);
    return out;
  }
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return false;
  return 'rehearsal';
}
