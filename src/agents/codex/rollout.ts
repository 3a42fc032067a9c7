/**
 * Codex's own record of a session: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`
 * (codex-cli 0.169), one JSON object per line `{timestamp, type, payload}`. codex-run reads it
 * after an attempt for what a person would have read on the TUI, in order, without the
 * redraws: the prompt, the agent's messages as paragraphs, the commands run with their
 * output, file changes, and the turn's last message (`task_complete.last_agent_message`).
 * The items come from `event_msg` `item_completed` payloads (`UserMessage`, `AgentMessage`,
 * `CommandExecution`, ...); unknown item types are named, not guessed at.
 */
import { open, readdir, realpath } from 'node:fs/promises';
import { readCompleteLines } from '../complete-lines.js';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ConversationEntry, ConversationPosition, ConversationRead, SessionHint } from '../adapter.js';

/** The most of a rollout file read (a long session stays readable; the rest is not shown). */
const MAX_ROLLOUT_BYTES = 32 * 1024 * 1024;
/** Day folders looked at, newest first, when searching for a session's file. */
const MAX_DAY_FOLDERS = 14;

/** What one read of a rollout gave. */
export interface RolloutRead {
  entries: ConversationEntry[];
  /** The last agent message of the last finished turn, or null. */
  lastMessage: string | null;
  /** Lines consumed so far (a later read of the same file starts after them). */
  lines: number;
}

/** Codex's home for this environment: `CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: Readonly<Record<string, string | undefined>>): string {
  const home = env['CODEX_HOME'];
  return home !== undefined && home !== '' ? home : path.join(env['HOME'] ?? homedir(), '.codex');
}

/** The newest rollout file of session `id`, searching the newest day folders first; null when none. */
export async function findRollout(home: string, id: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const root = path.join(home, 'sessions');
  const newestFirst = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).sort().reverse();
  let looked = 0;
  for (const year of await newestFirst(root)) {
    for (const month of await newestFirst(path.join(root, year))) {
      for (const day of await newestFirst(path.join(root, year, month))) {
        if (looked++ >= MAX_DAY_FOLDERS) return null;
        const dir = path.join(root, year, month, day);
        // Names start with their time, so the last in order is the newest.
        const found = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('rollout-') && n.endsWith(`-${id}.jsonl`)).sort().at(-1);
        if (found !== undefined) return path.join(dir, found);
      }
    }
  }
  return null;
}

/**
 * The conversation of session `id` under the codex home of `env`, after `position` when it is
 * in the same file (a resume may continue the session in a new rollout file).
 */
export async function readSessionConversation(env: Readonly<Record<string, string | undefined>>, session: SessionHint | string, position: ConversationPosition | null): Promise<ConversationRead | null> {
  const hint: SessionHint = typeof session === 'string' ? { id: session, workdir: '', startedAt: 0 } : session;
  const home = codexHome(env);
  const file = hint.id !== null ? await findRollout(home, hint.id) : await findRolloutStartedIn(home, hint.workdir, hint.startedAt);
  if (file === null) return null;
  const read = await readRollout(file, position?.source === file ? position.records : 0);
  if (read === null) return null;
  const id = rolloutSessionId(file);
  return { entries: read.entries, lastMessage: read.lastMessage, position: { source: file, records: read.lines }, ...(id !== null ? { sessionId: id } : {}) };
}

/** The session id in a rollout file's name (`rollout-<time>-<id>.jsonl`), or null. */
export function rolloutSessionId(file: string): string | null {
  const m = /-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(path.basename(file));
  return m === null ? null : m[1]!.toLowerCase();
}

/**
 * The one rollout started in `workdir` at or after `since` (a TUI stopped before it printed
 * its session id); null when there is none or more than one (parallel jobs in one folder
 * cannot be told apart, and a wrong transcript is worse than none).
 */
export async function findRolloutStartedIn(home: string, workdir: string, since: number): Promise<string | null> {
  const root = path.join(home, 'sessions');
  const found: string[] = [];
  // Codex may record the folder with its links resolved.
  const folders = new Set([workdir, await realpath(workdir).catch(() => workdir)]);
  // The attempt's day and the next (a run over midnight), in UTC as codex names them.
  for (const t of [since, since + 86_400_000]) {
    const d = new Date(t);
    const dir = path.join(root, String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), String(d.getUTCDate()).padStart(2, '0'));
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.startsWith('rollout-') || !name.endsWith('.jsonl')) continue;
      const meta = await firstLine(path.join(dir, name));
      const payload = isRecord(meta) && isRecord(meta['payload']) ? meta['payload'] : null;
      if (payload === null || !folders.has(String(payload['cwd']))) continue;
      // Codex stamps the session a little after the process starts; a second of slack for clocks.
      if (Date.parse(String(payload['timestamp'] ?? '')) >= since - 1_000) found.push(path.join(dir, name));
    }
  }
  return found.length === 1 ? found[0]! : null;
}

// The first line of a file as JSON (a rollout's session_meta), read in one small chunk.
async function firstLine(file: string): Promise<unknown> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return JSON.parse(end < 0 ? text : text.slice(0, end));
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Reads the conversation from a rollout file, skipping its first `skipLines` lines. */
export async function readRollout(file: string, skipLines = 0): Promise<RolloutRead | null> {
  // A line still being written (no newline yet) is left for a later read.
  const lines = await readCompleteLines(file, MAX_ROLLOUT_BYTES);
  if (lines === null) return null;
  return parseRolloutLines(lines.slice(skipLines), skipLines + Math.max(0, lines.length - skipLines));
}

/** The conversation in rollout lines (pure; tested on its own). */
export function parseRolloutLines(lines: readonly string[], consumed = lines.length): RolloutRead {
  const entries: ConversationEntry[] = [];
  let lastMessage: string | null = null;
  for (const line of lines) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(record) || record['type'] !== 'event_msg' || !isRecord(record['payload'])) continue;
    const payload = record['payload'];
    const at = typeof payload['completed_at_ms'] === 'number' ? payload['completed_at_ms'] : Date.parse(String(record['timestamp'] ?? '')) || 0;
    if (payload['type'] === 'task_complete' && typeof payload['last_agent_message'] === 'string') lastMessage = payload['last_agent_message'];
    if (payload['type'] !== 'item_completed' || !isRecord(payload['item'])) continue;
    const entry = itemEntry(payload['item'], at);
    if (entry !== null) entries.push(entry);
  }
  return { entries, lastMessage, lines: consumed };
}

function itemEntry(item: Record<string, unknown>, at: number): ConversationEntry | null {
  switch (item['type']) {
    case 'UserMessage': {
      const text = contentText(item['content']);
      return text === '' ? null : { at, kind: 'user', text };
    }
    case 'AgentMessage': {
      const text = contentText(item['content']);
      return text === '' ? null : { at, kind: 'agent', text };
    }
    case 'CommandExecution': {
      const argv = Array.isArray(item['command']) ? item['command'].map(String) : [];
      // codex runs `bash -lc "<what the model wrote>"`: show what the model wrote.
      const command = argv.length === 3 && /(^|\/)(ba|z)?sh$/.test(argv[0]!) && argv[1] === '-lc' ? argv[2]! : argv.join(' ');
      return { at, kind: 'command', command, output: typeof item['aggregated_output'] === 'string' ? item['aggregated_output'] : '', exitCode: typeof item['exit_code'] === 'number' ? item['exit_code'] : null };
    }
    case 'FileChange':
    case 'PatchApply': {
      const changes = item['changes'];
      const files = isRecord(changes) ? Object.keys(changes) : Array.isArray(changes) ? changes.map((c) => (isRecord(c) ? String(c['path'] ?? '?') : String(c))) : [];
      return { at, kind: 'change', files };
    }
    case 'Reasoning':
      return null;
    default:
      return typeof item['type'] === 'string' ? { at, kind: 'other', what: item['type'] } : null;
  }
}

// The text parts of a message's content, joined.
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('')
    .trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
