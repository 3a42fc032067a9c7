/**
 * The OpenAI Responses-API shapes the rehearsal server sends, as accepted by codex-cli 0.169.0
 * (see /work/shared/reference/codex-cli-0.169/wire-format.md). Framing: each event is
 * `event: <type>\ndata: <json>\n\n` on a `text/event-stream` response, ended after
 * `response.completed` (or `response.failed`).
 */

/** An item of the model's output, as codex reads it from `response.output_item.done`. */
export type OutputItem =
  | { type: 'message'; role: 'assistant'; id: string; content: Array<{ type: 'output_text'; text: string }> }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string }
  | { type: 'custom_tool_call'; id: string; call_id: string; name: string; status: 'completed'; input: string };

/** Token counts reported in `response.completed`; codex adds them up and prints `tokens used`. */
export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Headers of a streamed reply. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
} as const;

/** One server-sent event in the framing codex expects. */
export function sseEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The first event of every streamed reply. */
export function createdEvent(responseId: string): string {
  return sseEvent({ type: 'response.created', response: { id: responseId } });
}

/** The rest of a successful reply: the finished item, then the completion with usage. */
export function itemAndCompletedEvents(responseId: string, item: OutputItem, usage: Usage): string {
  return (
    sseEvent({ type: 'response.output_item.done', output_index: 0, item }) +
    sseEvent({ type: 'response.completed', response: { id: responseId, usage } })
  );
}

/** The end of a reply that failed mid-stream; codex retries it like a dropped connection. */
export function failedEvent(responseId: string, message: string): string {
  return sseEvent({ type: 'response.failed', response: { id: responseId, error: { code: 'server_error', message } } });
}

/** The JSON body of an HTTP error reply, in the API's error shape. */
export function errorBody(status: number, message: string): string {
  return JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null } });
}

export function messageItem(id: string, text: string): OutputItem {
  return { type: 'message', role: 'assistant', id: `msg_${id}`, content: [{ type: 'output_text', text }] };
}

export function functionCallItem(id: string, name: string, args: Record<string, unknown>): OutputItem {
  return { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name, arguments: JSON.stringify(args) };
}

export function customToolCallItem(id: string, name: string, input: string): OutputItem {
  return { type: 'custom_tool_call', id: `ctc_${id}`, call_id: `call_${id}`, name, status: 'completed', input };
}

/**
 * Plausible token counts (about four bytes a token) so codex prints a `tokens used` line that
 * grows with the conversation like a real one.
 */
export function estimateUsage(requestBytes: number, item: OutputItem | null): Usage {
  const input = Math.ceil(requestBytes / 4);
  const output = item === null ? 0 : Math.ceil(JSON.stringify(item).length / 4);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

/**
 * The body of the service's usage-limit reply (HTTP 429), in the shape codex-cli 0.169 parses
 * into its UsageLimitReached error (codex-rs: `{"error":{"type":"usage_limit_reached",
 * "resets_at":<epoch seconds>}}`; older releases read `resets_in_seconds`, sent too). Codex then
 * says "You've hit your usage limit. Try again at <local time>." and does not retry.
 */
export function usageLimitBody(resetsAtMs: number, nowMs: number): string {
  return JSON.stringify({
    error: {
      type: 'usage_limit_reached',
      message: 'The usage limit has been reached',
      resets_at: Math.ceil(resetsAtMs / 1000),
      resets_in_seconds: Math.max(0, Math.ceil((resetsAtMs - nowMs) / 1000)),
    },
  });
}
