/**
 * Claude Code's session files, carried between machines (`codex-run resume --from`): the
 * transcript of one session id, `projects/<folder>/<id>.jsonl` under the config folder
 * (CLAUDE_CONFIG_DIR, else ~/.claude), and nothing else (never `.claude.json`, settings or
 * credentials). `claude --resume <id>` finds a session by that file, from any cwd (measured with
 * 2.1.332), so installing it at the same relative place is all a resume needs.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir } from '../../logs/private-dir.js';
import { PRIVATE_FILE_MODE } from '../../logs/secure-file.js';
import { err, ok, type Result } from '../../util/result.js';
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
  const files = await sessionTranscripts(home, id);
  for (const file of files) {
    const to = path.join(destDir, ...file.split('/'));
    const made = await ensurePrivateDir(path.dirname(to), 'session folder');
    if (!made.ok) return made;
    try {
      await copyFile(path.join(home, ...file.split('/')), to);
      await chmod(to, PRIVATE_FILE_MODE);
    } catch (error) {
      return err(`cannot copy ${file} into ${destDir}: ${(error as Error).message}`);
    }
  }
  return ok(files);
}

/** Installs exported transcripts under the config folder of `env`, never overwriting one that is there. */
export async function importClaudeSession(
  env: Readonly<Record<string, string | undefined>>,
  sourceDir: string,
  files: readonly string[],
): Promise<Result<{ installed: string[]; kept: string[] }, string>> {
  const home = claudeConfigDir(env);
  const installed: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const parts = file.split('/');
    if (parts.length !== 3 || parts[0] !== PROJECTS_DIR || parts.some((p) => p === '..' || p === '' || p === '.') || !SESSION_ID.test(parts[2]!.replace(/\.jsonl$/, '')) || !parts[2]!.endsWith('.jsonl')) {
      return err(`not a session file: ${JSON.stringify(file)}`);
    }
    const to = path.join(home, ...parts);
    const made = await ensurePrivateDir(path.dirname(to), 'claude projects folder');
    if (!made.ok) return made;
    try {
      await copyFile(path.join(sourceDir, ...parts), to, constants.COPYFILE_EXCL);
      await chmod(to, PRIVATE_FILE_MODE);
      installed.push(to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') kept.push(to);
      else return err(`cannot install ${file} into ${home}: ${(error as Error).message}`);
    }
  }
  return ok({ installed, kept });
}
