/**
 * Gemini CLI's headless event stream (`-o stream-json`, one JSON object a line), as 0.61.0
 * writes it (reference/gemini-cli-0.61 README §3; JsonStreamEventType in its bundle):
 *
 *   {"type":"init","session_id":"…","model":"auto"}
 *   {"type":"message","role":"user"|"assistant","content":"…","delta":true}
 *   {"type":"tool_use","tool_name":"run_shell_command","tool_id":"…","parameters":{…}}
 *   {"type":"tool_result","tool_id":"…","status":"success"|"error","output":"…","error":{"type","message"}}
 *   {"type":"error","severity":"…","message":"…"}
 *   {"type":"result","status":"success"|"error","error":{"type","message"},"stats":{"total_tokens",…}}
 *
 * In a PTY the CLI's stderr (warnings, retry notices, stack traces) shares the stream; such
 * lines are not JSON and parse to null here (the failure classifier reads them as text).
 */

/** One parsed event; unknown event types and malformed lines are null. */
export type GeminiEvent =
  | { type: 'init'; sessionId: string; model: string | null }
  | { type: 'message'; role: 'user' | 'assistant'; content: string; delta: boolean }
  | { type: 'tool_use'; toolName: string; toolId: string; parameters: Record<string, unknown> }
  | { type: 'tool_result'; toolId: string; ok: boolean; output: string; errorType: string | null; errorMessage: string | null }
  | { type: 'error'; message: string }
  | { type: 'result'; ok: boolean; errorMessage: string | null; usage: GeminiUsage | null };

/** Token counts of a run, from the result event's `stats`. */
export interface GeminiUsage {
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Parses one printed line (already stripped of terminal escapes), or null when it is no event. */
export function parseGeminiEvent(line: string): GeminiEvent | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{"type":')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const o = record(parsed);
  if (o === null) return null;
  switch (o['type']) {
    case 'init': {
      const sessionId = text(o['session_id']);
      return sessionId === null ? null : { type: 'init', sessionId, model: text(o['model']) };
    }
    case 'message': {
      const role = o['role'];
      if (role !== 'user' && role !== 'assistant') return null;
      return { type: 'message', role, content: text(o['content']) ?? '', delta: o['delta'] === true };
    }
    case 'tool_use':
      return {
        type: 'tool_use',
        toolName: text(o['tool_name']) ?? '',
        toolId: text(o['tool_id']) ?? '',
        parameters: record(o['parameters']) ?? {},
      };
    case 'tool_result': {
      const error = record(o['error']);
      return {
        type: 'tool_result',
        toolId: text(o['tool_id']) ?? '',
        ok: o['status'] === 'success',
        output: text(o['output']) ?? '',
        errorType: text(error?.['type']),
        errorMessage: text(error?.['message']),
      };
    }
    case 'error':
      return { type: 'error', message: text(o['message']) ?? JSON.stringify(o) };
    case 'result': {
      const error = record(o['error']);
      const stats = record(o['stats']);
      return {
        type: 'result',
        ok: o['status'] === 'success',
        errorMessage: text(error?.['message']),
        usage:
          stats === null
            ? null
            : {
                totalTokens: count(stats['total_tokens']),
                inputTokens: count(stats['input_tokens']),
                outputTokens: count(stats['output_tokens']),
                cachedTokens: count(stats['cached']),
              },
      };
    }
    default:
      return null;
  }
}

/** What a tool call does, in one line for messages and deny checks (shared with the other headless agents). */
export { describeToolCall } from '../../session/policies/tool-call-deny.js';
