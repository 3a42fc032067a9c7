/**
 * Gemini CLI's own record of a session (0.61.0): `<home>/.gemini/tmp/<project>/chats/
 * session-<YYYY-MM-DDTHH-MM>-<first 8 of id>.jsonl`, where `<home>` is GEMINI_CLI_HOME, else
 * HOME. The first line is `{sessionId, projectHash, startTime, lastUpdated, kind}`; then message
 * records `{id, timestamp, type: "user"|"gemini", content, …}` and `{"$set": {messages: […]}}`
 * lines that replace the whole list (reference README §4).
 *
 * Why codex-run reads it: gemini drops a turn that failed or was cancelled before the model
 * answered, rewriting the list without it. A session whose only turn went that way has nothing
 * left to resume (`--resume <id>` exits 42, "No previous sessions found for this project"), yet
 * its file still holds the id, so `--session-id <id>` is refused too ("already exists").
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** What the record of one session holds. */
export interface GeminiSessionRecord {
  /** The files that hold this id (a TUI resume may leave a stray second one). */
  files: string[];
  /** Whether gemini would resume it: a user message of the user's own, or a model message. */
  resumable: boolean;
  /** The model's last text message, or null. */
  lastMessage: string | null;
  /** The messages of the newest file, oldest first (a message rewritten with its tool calls counted once). */
  messages: Array<Record<string, unknown>>;
}

/** Where gemini keeps its state for a child with this environment. */
export function geminiHome(env: Readonly<Record<string, string | undefined>>): string {
  return env['GEMINI_CLI_HOME'] ?? env['HOME'] ?? homedir();
}

/** The record of session `id` under `home`, or null when no file holds it. */
export function readGeminiSession(home: string, id: string): GeminiSessionRecord | null {
  const tmp = path.join(home, '.gemini', 'tmp');
  if (!existsSync(tmp)) return null;
  const short = id.slice(0, 8);
  const found: Array<{ file: string; messages: Array<Record<string, unknown>>; latest: number }> = [];
  for (const project of safeList(tmp)) {
    const chats = path.join(tmp, project, 'chats');
    for (const name of safeList(chats)) {
      if (!name.startsWith('session-') || !(name.endsWith(`-${short}.jsonl`) || name.endsWith(`-${short}.json`))) continue;
      const file = path.join(chats, name);
      const messages = messagesOf(file, id);
      if (messages === null) continue;
      found.push({ file, messages, latest: Math.max(0, ...messages.map(timeOf)) });
    }
  }
  if (found.length === 0) return null;
  // A resumed session may get a second file that holds only its set-up while the answers go on
  // in the first (seen with gemini 0.61): the record is the file with the latest message, not
  // the last one listed, and the last answer is the latest over all of them.
  found.sort((a, b) => a.latest - b.latest || a.messages.length - b.messages.length);
  let resumable = false;
  let lastMessage: string | null = null;
  let lastAt = -1;
  for (const { messages } of found) {
    for (const message of messages) {
      const text = textOf(message['content']);
      if (message['type'] === 'user' && text.trim() !== '' && !text.startsWith('<session_context>')) resumable = true;
      if (message['type'] === 'gemini') {
        if (text.trim() !== '' || (Array.isArray(message['toolCalls']) && message['toolCalls'].length > 0)) resumable = true;
        if (text.trim() !== '' && timeOf(message) >= lastAt) {
          lastMessage = text;
          lastAt = timeOf(message);
        }
      }
    }
  }
  return { files: found.map((f) => f.file), resumable, lastMessage, messages: found[found.length - 1]!.messages };
}

function timeOf(message: Record<string, unknown>): number {
  return Date.parse(String(message['timestamp'] ?? '')) || 0;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// The message list of a session file that belongs to `id`, or null (another session, unreadable).
function messagesOf(file: string, id: string): Array<Record<string, unknown>> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let messages: Array<Record<string, unknown>> = [];
  let belongs = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null) continue;
    const r = record as Record<string, unknown>;
    if (r['sessionId'] === id) belongs = true;
    const set = r['$set'];
    if (typeof set === 'object' && set !== null) {
      const list = (set as Record<string, unknown>)['messages'];
      if (Array.isArray(list)) messages = list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
      if ((set as Record<string, unknown>)['sessionId'] === id) belongs = true;
      continue;
    }
    if (r['type'] === 'user' || r['type'] === 'gemini') {
      // Gemini writes a message again once its tool calls have run: the later record replaces it.
      const at = messages.findIndex((m) => m['id'] !== undefined && m['id'] === r['id']);
      if (at >= 0) messages[at] = r;
      else messages.push(r);
    }
  }
  return belongs ? messages : null;
}

/** A message's content as text: a string, or parts whose texts are joined. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part === 'object' && part !== null && typeof (part as Record<string, unknown>)['text'] === 'string' ? String((part as Record<string, unknown>)['text']) : '')).join('');
}
