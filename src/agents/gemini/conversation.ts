/**
 * A gemini session as a readable conversation (AgentAdapter.conversation): the TUI's terminal
 * output is an inline screen redrawn in place, so its transcript and last message come from
 * gemini's own record of the session (session-record.ts): the user's prompts, the model's
 * messages, its shell commands with their output, and the files it wrote or edited.
 *
 * Gemini removes a session whose only turn was cancelled (a declined approval dialog) or failed
 * before the model answered; its prompts are still in `<home>/.gemini/tmp/<project>/logs.json`
 * (`[{sessionId, messageId, type: "user", message, timestamp}]`), which is then the record read.
 */
import type { ConversationEntry, ConversationPosition, ConversationRead, SessionHint } from '../adapter.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeToolCall } from '../../session/policies/tool-call-deny.js';
import { geminiHome, readGeminiSession, textOf } from './session-record.js';

const FILE_TOOLS = new Set(['write_file', 'replace']);

/** The session `session.id` in the home `env` points to, after `position`; null when there is no record. */
export async function readGeminiConversation(
  env: Readonly<Record<string, string | undefined>>,
  session: SessionHint,
  position: ConversationPosition | null,
): Promise<ConversationRead | null> {
  if (session.id === null) return null;
  const home = geminiHome(env);
  const record = readGeminiSession(home, session.id);
  const source = record?.files[record.files.length - 1];
  if (record === null || source === undefined) return promptsOnly(home, session.id, position);
  const skip = position !== null && position.source === source ? position.records : 0;
  const entries: ConversationEntry[] = [];
  // The session's last answer, read over the whole record: gemini rewrites the record when it
  // drops a turn that was cut off (an idle-killed attempt), so records after `position` can be
  // fewer than the earlier read counted, and the newest answer would be missed.
  let lastMessage: string | null = null;
  for (const message of record.messages) {
    const text = textOf(message['content']);
    if (message['type'] !== 'user' && text.trim() !== '') lastMessage = text;
  }
  for (const message of record.messages.slice(skip)) {
    const at = Date.parse(String(message['timestamp'] ?? '')) || 0;
    const text = textOf(message['content']);
    if (message['type'] === 'user') {
      if (text.trim() !== '' && !text.startsWith('<session_context>')) entries.push({ at, kind: 'user', text });
      continue;
    }
    if (text.trim() !== '') entries.push({ at, kind: 'agent', text });
    const calls = Array.isArray(message['toolCalls']) ? (message['toolCalls'] as Array<Record<string, unknown>>) : [];
    for (const call of calls) {
      const args = (typeof call['args'] === 'object' && call['args'] !== null ? call['args'] : {}) as Record<string, unknown>;
      const failed = call['status'] !== undefined && call['status'] !== 'success' ? (toolError(call['result']) ?? String(call['status'])) : null;
      if (call['name'] === 'run_shell_command' && typeof args['command'] === 'string') {
        entries.push({ at, kind: 'command', command: args['command'], output: failed ?? shellOutput(call['result']), exitCode: null });
      } else if (FILE_TOOLS.has(String(call['name'])) && typeof args['file_path'] === 'string' && failed === null) {
        entries.push({ at, kind: 'change', files: [args['file_path']] });
      } else {
        const what = describeToolCall(String(call['name'] ?? 'tool call'), args);
        entries.push({ at, kind: 'other', what: failed === null ? what : `${what} failed: ${failed.split('\n')[0] ?? ''}` });
      }
    }
  }
  return { entries, lastMessage, position: { source, records: record.messages.length }, sessionId: session.id };
}

// The error a failed tool call answered the model with (`{functionResponse: {response: {error}}}`), or null.
function toolError(result: unknown): string | null {
  const response = Array.isArray(result) ? (result[0] as Record<string, unknown> | undefined)?.['functionResponse'] : undefined;
  const error = (response as Record<string, Record<string, unknown>> | undefined)?.['response']?.['error'];
  return typeof error === 'string' && error.trim() !== '' ? error : null;
}

// The command's output inside gemini's `<untrusted_context>\nOutput: …\nProcess Group PGID: …` wrapper.
function shellOutput(result: unknown): string {
  const response = Array.isArray(result) ? (result[0] as Record<string, unknown> | undefined)?.['functionResponse'] : undefined;
  const output = (response as Record<string, Record<string, unknown>> | undefined)?.['response']?.['output'];
  if (typeof output !== 'string') return '';
  const match = /Output: ([\s\S]*?)(?:\nProcess Group PGID: \d+)?\n?<\/untrusted_context>/.exec(output);
  const text = match?.[1] ?? output;
  return text === '(empty)' ? '' : text;
}

// The user's prompts of session `id` from gemini's prompt log, when its session record is gone.
function promptsOnly(home: string, id: string, position: ConversationPosition | null): ConversationRead | null {
  const tmp = path.join(home, '.gemini', 'tmp');
  let projects: string[];
  try {
    projects = readdirSync(tmp);
  } catch {
    return null;
  }
  for (const project of projects) {
    const source = path.join(tmp, project, 'logs.json');
    let logged: unknown;
    try {
      logged = JSON.parse(readFileSync(source, 'utf8'));
    } catch {
      continue;
    }
    if (!Array.isArray(logged)) continue;
    const prompts = logged.filter(
      (e): e is Record<string, unknown> => typeof e === 'object' && e !== null && (e as Record<string, unknown>)['sessionId'] === id && (e as Record<string, unknown>)['type'] === 'user',
    );
    if (prompts.length === 0) continue;
    const skip = position !== null && position.source === source ? position.records : 0;
    const entries: ConversationEntry[] = prompts
      .slice(skip)
      .filter((e) => typeof e['message'] === 'string' && e['message'].trim() !== '')
      .map((e) => ({ at: Date.parse(String(e['timestamp'] ?? '')) || 0, kind: 'user', text: String(e['message']) }));
    return { entries, lastMessage: null, position: { source, records: prompts.length }, sessionId: id };
  }
  return null;
}
