/**
 * Reading Claude Code's headless output: `-p --output-format stream-json --verbose` prints one
 * JSON object per line (2.1.332, captured in test/fixtures/claude/*.jsonl):
 *
 *   {"type":"system","subtype":"init","session_id":...,"model":...,"permissionMode":...}
 *   {"type":"assistant","message":{"content":[{"type":"text"|"tool_use",...}],...}}
 *   {"type":"user","message":{"content":[{"type":"tool_result","is_error":...}]}}
 *   {"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"error_status":429,...}
 *   {"type":"system","subtype":"permission_denied","tool_name":"Bash","message":...}
 *   {"type":"assistant",...,"is_api_error_message":true,"api_error_status":401,...}   (a failed turn)
 *   {"type":"result","is_error":...,"result":...,"terminal_reason":"completed"|"api_error",
 *    "api_error_status":...,"usage":{...},"total_cost_usd":...,"permission_denials":[...]}
 *
 * Each line becomes at most one {@link ClaudeEvent}; anything else (other subtypes, partial or
 * over-long lines, text that is not JSON such as a start-up error) is null, and the raw line
 * stays in the job's log.
 */

import { describeToolCall } from '../../session/policies/tool-call-deny.js';

/** What one stream-json line says, reduced to what codex-run uses. */
export type ClaudeEvent =
  | { kind: 'init'; sessionId: string; model: string | null; version: string | null }
  | { kind: 'text'; text: string }
  /**
   * The model asks for tool calls (printed before Claude Code checks permissions and runs
   * them): the first one's tool and summary, and every call described for deny checks.
   */
  | { kind: 'tool-use'; tool: string; summary: string; calls: string[] }
  /** A failed API call is retried (`attempt` of `maxRetries`). */
  | { kind: 'retry'; attempt: number; maxRetries: number; status: number | null; error: string }
  /** A tool call refused because it would have needed approval. */
  | { kind: 'permission-denied'; tool: string; message: string }
  /** The turn failed with an API error (after the retries): Claude Code's own message. */
  | { kind: 'api-error'; status: number | null; message: string }
  | { kind: 'result'; result: ClaudeResult };

/** The final `result` line of a headless run. */
export interface ClaudeResult {
  isError: boolean;
  /** The final text: the last message, or the error message. */
  text: string;
  /** `completed`, `api_error`, ... (null when absent). */
  terminalReason: string | null;
  apiErrorStatus: number | null;
  sessionId: string | null;
  /** Input + output tokens (cache reads and writes included), or null when not reported. */
  tokens: number | null;
  costUsd: number | null;
  /** Tool calls denied for want of approval. */
  permissionDenials: Array<{ tool: string; input: string }>;
  numTurns: number | null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Parses one line of stream-json output; null for anything codex-run does not use. */
export function parseStreamLine(line: string): ClaudeEvent | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const event = record(parsed);
  if (event === null) return null;
  switch (event['type']) {
    case 'system':
      return systemEvent(event);
    case 'assistant':
      return assistantEvent(event);
    case 'result':
      return { kind: 'result', result: resultOf(event) };
    default:
      return null;
  }
}

function systemEvent(event: Record<string, unknown>): ClaudeEvent | null {
  switch (event['subtype']) {
    case 'init': {
      const sessionId = str(event['session_id']);
      return sessionId === null ? null : { kind: 'init', sessionId, model: str(event['model']), version: str(event['claude_code_version']) };
    }
    case 'api_retry':
      return {
        kind: 'retry',
        attempt: num(event['attempt']) ?? 0,
        maxRetries: num(event['max_retries']) ?? 0,
        status: num(event['error_status']),
        error: str(event['error']) ?? '',
      };
    case 'permission_denied':
      return { kind: 'permission-denied', tool: str(event['tool_name']) ?? '?', message: str(event['message']) ?? '' };
    default:
      return null;
  }
}

function assistantEvent(event: Record<string, unknown>): ClaudeEvent | null {
  const content = record(event['message'])?.['content'];
  const blocks = Array.isArray(content) ? content.map(record) : [];
  const text = blocks.map((b) => (b?.['type'] === 'text' ? str(b['text']) : null)).filter((t): t is string => t !== null).join('\n');
  if (event['is_api_error_message'] === true) return { kind: 'api-error', status: num(event['api_error_status']), message: text };
  const tools = blocks.filter((b): b is Record<string, unknown> => b?.['type'] === 'tool_use');
  const [tool] = tools;
  if (tool !== undefined) {
    const calls = tools.map((t) => describeToolCall(str(t['name']) ?? '?', t['input']));
    return { kind: 'tool-use', tool: str(tool['name']) ?? '?', summary: toolSummary(tool['input']), calls };
  }
  return text === '' ? null : { kind: 'text', text };
}

// One line for a tool call: the command, the file, or the input as JSON.
function toolSummary(input: unknown): string {
  const fields = record(input);
  const pick = str(fields?.['command']) ?? str(fields?.['file_path']) ?? str(fields?.['pattern']);
  return pick ?? JSON.stringify(input ?? null);
}

function resultOf(event: Record<string, unknown>): ClaudeResult {
  const usage = record(event['usage']);
  const parts = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'].map((k) => num(usage?.[k]));
  const tokens = parts.every((p) => p === null) ? null : parts.reduce<number>((sum, p) => sum + (p ?? 0), 0);
  const denials = Array.isArray(event['permission_denials']) ? event['permission_denials'].map(record) : [];
  return {
    isError: event['is_error'] === true,
    text: str(event['result']) ?? '',
    terminalReason: str(event['terminal_reason']),
    apiErrorStatus: num(event['api_error_status']),
    sessionId: str(event['session_id']),
    tokens,
    costUsd: num(event['total_cost_usd']),
    permissionDenials: denials.map((d) => ({ tool: str(d?.['tool_name']) ?? '?', input: toolSummary(d?.['tool_input']) })),
    numTurns: num(event['num_turns']),
  };
}
