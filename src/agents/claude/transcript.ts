/**
 * Claude Code's own record of a session: `<config>/projects/<cwd, every / as ->/<id>.jsonl`
 * (2.1.332; `<config>` is CLAUDE_CONFIG_DIR, else ~/.claude), one JSON object per line typed
 * `user`, `assistant`, `attachment`, `queue-operation`, `api-request*`, `cost-state`, ...
 * codex-run reads it after an attempt for what a person would have read on the TUI, in order
 * and without the redraws: the prompt, the agent's messages, the commands it ran with their
 * output, the files it wrote or edited, and its last message. Lines of a resumed session are
 * appended to the same file (under the folder of its first cwd), so the file is found by id.
 */
import { readdir, stat } from 'node:fs/promises';
import { readCompleteLines } from '../complete-lines.js';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ConversationEntry, ConversationPosition, ConversationRead, SessionHint } from '../adapter.js';

/** The most of a transcript read (a long session stays readable; the rest is not shown). */
const MAX_TRANSCRIPT_BYTES = 32 * 1024 * 1024;

/** Claude Code's state folder for this environment: CLAUDE_CONFIG_DIR, else ~/.claude. */
export function claudeConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env['CLAUDE_CONFIG_DIR'];
  return dir !== undefined && dir !== '' ? dir : path.join(env['HOME'] ?? homedir(), '.claude');
}

/** The transcript of session `id` in any project folder, or null. */
export async function findTranscript(configDir: string, id: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const root = path.join(configDir, 'projects');
  for (const project of await readdir(root).catch(() => [] as string[])) {
    const file = path.join(root, project, `${id}.jsonl`);
    if (await stat(file).then((s) => s.isFile()).catch(() => false)) return file;
  }
  return null;
}

/** The conversation of the session (claude's id is always known: codex-run chose it), after `position`. */
export async function readClaudeConversation(env: Readonly<Record<string, string | undefined>>, session: SessionHint, position: ConversationPosition | null): Promise<ConversationRead | null> {
  if (session.id === null) return null;
  const file = await findTranscript(claudeConfigDir(env), session.id);
  if (file === null) return null;
  // A line still being written (no newline yet) is left for a later read.
  const lines = await readCompleteLines(file, MAX_TRANSCRIPT_BYTES);
  if (lines === null) return null;
  const skip = position?.source === file ? position.records : 0;
  const read = parseTranscriptLines(lines.slice(skip));
  return { entries: read.entries, lastMessage: read.lastMessage, position: { source: file, records: skip + read.consumed }, sessionId: session.id };
}

/**
 * The conversation in transcript lines (pure; tested on its own). A tool call whose result is
 * not there yet ends the read before its line (`consumed`), so the next read sees the pair.
 */
export function parseTranscriptLines(lines: readonly string[]): { entries: ConversationEntry[]; lastMessage: string | null; consumed: number } {
  const entries: Array<ConversationEntry & { line: number }> = [];
  let lastMessage: string | null = null;
  // Tool calls waiting for their result: Bash shows as a command, Write/Edit as a change.
  const pending = new Map<string, { name: string; input: Record<string, unknown>; line: number }>();
  for (const [index, line] of lines.entries()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const record = asRecord(parsed);
    if (record === null || record['isSidechain'] === true) continue;
    const at = Date.parse(String(record['timestamp'] ?? '')) || 0;
    const content = asRecord(record['message'])?.['content'];
    if (record['type'] === 'user') {
      if (typeof content === 'string') {
        if (isHumanText(content)) entries.push({ line: index, at, kind: 'user', text: content.trim() });
        continue;
      }
      for (const block of blocks(content)) {
        if (block['type'] === 'text' && typeof block['text'] === 'string' && isHumanText(block['text'])) entries.push({ line: index, at, kind: 'user', text: block['text'].trim() });
        if (block['type'] !== 'tool_result') continue;
        const call = pending.get(String(block['tool_use_id']));
        if (call === undefined) continue;
        pending.delete(String(block['tool_use_id']));
        const failed = block['is_error'] === true;
        if (call.name === 'Bash') {
          entries.push({ line: call.line, at, kind: 'command', command: String(call.input['command'] ?? ''), output: resultText(block['content']), exitCode: failed ? null : 0 });
        } else if (!failed && (call.name === 'Write' || call.name === 'Edit' || call.name === 'MultiEdit' || call.name === 'NotebookEdit')) {
          entries.push({ line: call.line, at, kind: 'change', files: [String(call.input['file_path'] ?? call.input['notebook_path'] ?? '?')] });
        }
      }
    } else if (record['type'] === 'assistant') {
      for (const block of blocks(content)) {
        if (block['type'] === 'text' && typeof block['text'] === 'string' && block['text'].trim() !== '') {
          entries.push({ line: index, at, kind: 'agent', text: block['text'].trim() });
        } else if (block['type'] === 'tool_use' && typeof block['id'] === 'string') {
          pending.set(block['id'], { name: String(block['name'] ?? '?'), input: asRecord(block['input']) ?? {}, line: index });
        }
      }
    }
  }
  const consumed = Math.min(lines.length, ...[...pending.values()].map((call) => call.line));
  const kept = entries.filter((e) => e.line < consumed).map(({ line: _line, ...entry }) => entry as ConversationEntry);
  for (const entry of kept) if (entry.kind === 'agent') lastMessage = entry.text;
  return { entries: kept, lastMessage, consumed };
}

function isHumanText(text: string): boolean {
  return text.trim() !== '' && !/^(?:<system-reminder>|\[Request interrupted|<command-name>|<local-command)/.test(text.trim());
}

function blocks(content: unknown): Array<Record<string, unknown>> {
  return Array.isArray(content) ? content.map(asRecord).filter((b): b is Record<string, unknown> => b !== null) : [];
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return blocks(content)
    .map((b) => (typeof b['text'] === 'string' ? b['text'] : ''))
    .join('');
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
