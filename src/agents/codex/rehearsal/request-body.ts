/**
 * Reading what codex POSTs to `/v1/responses`: which kind of request it is and which tools it
 * offers. Bodies are untyped JSON; every accessor tolerates any shape.
 */

/**
 * `turn`: a step of the job's conversation, answered from the script.
 * `title`: the TUI's side request for a task title; answered with `{"title": ...}` and never
 * moves the script.
 */
export type RequestKind = 'turn' | 'title';

/** Prefix of the user text in the TUI's title request (codex-cli 0.169.0). */
const TITLE_PROMPT_PREFIX = 'Generate a concise, single-line task title';

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * A title request has `text.format.name == "codex_output_schema"` and a last user message that
 * starts with the title prompt. Both are checked because `codex exec --output-schema` sends the
 * same format name on ordinary turns.
 */
export function classifyRequest(body: unknown): RequestKind {
  const format = record(record(record(body)?.['text'])?.['format']);
  if (format?.['name'] !== 'codex_output_schema') return 'turn';
  const last = userTexts(body).at(-1);
  return last !== undefined && last.startsWith(TITLE_PROMPT_PREFIX) ? 'title' : 'turn';
}

/** The texts of the user messages in `input`, in order. */
export function userTexts(body: unknown): string[] {
  const input = record(body)?.['input'];
  if (!Array.isArray(input)) return [];
  const texts: string[] = [];
  for (const item of input) {
    const message = record(item);
    if (message?.['type'] !== 'message' || message['role'] !== 'user') continue;
    const content = message['content'];
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const text = record(part)?.['text'];
      if (typeof text === 'string') texts.push(text);
    }
  }
  return texts;
}

/** Whether the request offers a tool by this name (function or custom/freeform). */
export function offersTool(body: unknown, name: string): boolean {
  const tools = record(body)?.['tools'];
  return Array.isArray(tools) && tools.some((tool) => record(tool)?.['name'] === name);
}
