/**
 * Codex's session files, carried between machines (`codex-run resume --from`): the rollout
 * file(s) of one session id under `$CODEX_HOME/sessions/YYYY/MM/DD/`, and nothing else of the
 * home (never auth.json, config.toml, history or logs: those hold credentials and the user's
 * settings). `codex exec resume <id>` finds a session by its rollout file, so installing the
 * file at the same relative place under another CODEX_HOME is all a resume needs.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir } from '../../logs/private-dir.js';
import { PRIVATE_FILE_MODE } from '../../logs/secure-file.js';
import { err, ok, type Result } from '../../util/result.js';
import { codexHome } from './rollout.js';

/** The folder of rollouts inside a codex home, and inside an exported session folder. */
export const SESSIONS_DIR = 'sessions';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every rollout of session `id` under `home`, as paths relative to the home (`sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`). */
export async function sessionRollouts(home: string, id: string): Promise<string[]> {
  if (!SESSION_ID.test(id)) return [];
  const found: string[] = [];
  const root = path.join(home, SESSIONS_DIR);
  const numbered = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).sort();
  // A resumed session may go on in a new rollout file on a later day: every day folder is looked at.
  for (const year of await numbered(root)) {
    for (const month of await numbered(path.join(root, year))) {
      for (const day of await numbered(path.join(root, year, month))) {
        for (const name of (await readdir(path.join(root, year, month, day)).catch(() => [] as string[])).sort()) {
          if (name.startsWith('rollout-') && name.toLowerCase().endsWith(`-${id.toLowerCase()}.jsonl`)) found.push([SESSIONS_DIR, year, month, day, name].join('/'));
        }
      }
    }
  }
  return found;
}

/** Copies session `id`'s rollouts from the codex home of `env` into `destDir` (0700 folders, 0600 files), replacing older copies; none found: an empty list. */
export async function exportCodexSession(env: Readonly<Record<string, string | undefined>>, id: string, destDir: string): Promise<Result<string[], string>> {
  const home = codexHome(env);
  const files = await sessionRollouts(home, id);
  // None (a codex that never wrote one, or a stand-in in tests): nothing to carry, not a problem.
  if (files.length === 0) return ok([]);
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

/**
 * Installs the rollouts exported into `sourceDir` under the codex home of `env`, never
 * overwriting a file that is there (the same session on this machine is kept as it is).
 */
export async function importCodexSession(
  env: Readonly<Record<string, string | undefined>>,
  sourceDir: string,
  files: readonly string[],
): Promise<Result<{ installed: string[]; kept: string[] }, string>> {
  const home = codexHome(env);
  const installed: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const parts = file.split('/');
    if (parts[0] !== SESSIONS_DIR || parts.some((p) => p === '..' || p === '' || p === '.') || !parts.at(-1)!.endsWith('.jsonl')) {
      return err(`not a session file: ${JSON.stringify(file)}`);
    }
    const to = path.join(home, ...parts);
    const made = await ensurePrivateDir(path.dirname(to), 'codex sessions folder');
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
