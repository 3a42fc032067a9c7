/**
 * Claude Code's session files, carried between machines (`codex-run resume --from`): the
 * transcript of one session id, `projects/<folder>/<id>.jsonl` under the config folder
 * (CLAUDE_CONFIG_DIR, else ~/.claude), and nothing else (never `.claude.json`, settings or
 * credentials). `claude --resume <id>` finds a session by that file, from any cwd (measured with
 * 2.1.332), so installing it at the same relative place is all a resume needs.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { exportSessionFiles, importSessionFiles } from '../../handoff/session-copy.js';
import type { Result } from '../../util/result.js';
import { claudeConfigDir } from './transcript.js';

const PROJECTS_DIR = 'projects';
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every transcript of session `id` under the config folder, relative to it (`projects/<folder>/<id>.jsonl`). */
export async function sessionTranscripts(configDir: string, id: string): Promise<string[]> {
  if (!SESSION_ID.test(id)) return [];
  const found: string[] = [];
  for (const folder of (await readdir(path.join(configDir, PROJECTS_DIR)).catch(() => [] as string[])).sort()) {
    const file = path.join(configDir, PROJECTS_DIR, folder, `${id}.jsonl`);
    if (await stat(file).then((s) => s.isFile()).catch(() => false)) found.push([PROJECTS_DIR, folder, `${id}.jsonl`].join('/'));
  }
  return found;
}

/** Copies session `id`'s transcripts into `destDir` (0700 folders, 0600 files); none found: an empty list. */
export async function exportClaudeSession(env: Readonly<Record<string, string | undefined>>, id: string, destDir: string): Promise<Result<string[], string>> {
  const home = claudeConfigDir(env);
  return exportSessionFiles(home, await sessionTranscripts(home, id), destDir);
}

/** Installs exported transcripts under the config folder of `env`, never overwriting one that is there. */
export function importClaudeSession(
  env: Readonly<Record<string, string | undefined>>,
  sourceDir: string,
  files: readonly string[],
): Promise<Result<{ installed: string[]; kept: string[] }, string>> {
  const isTranscript = (parts: readonly string[]): boolean =>
    parts.length === 3 && parts[0] === PROJECTS_DIR && parts[2]!.endsWith('.jsonl') && SESSION_ID.test(parts[2]!.replace(/\.jsonl$/, ''));
  return importSessionFiles(sourceDir, files, claudeConfigDir(env), isTranscript, 'claude projects folder');
}
