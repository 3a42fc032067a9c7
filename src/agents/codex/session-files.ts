/**
 * Codex's session files, carried between machines (`codex-run resume --from`): the rollout
 * file(s) of one session id under `$CODEX_HOME/sessions/YYYY/MM/DD/`, and nothing else of the
 * home (never auth.json, config.toml, history or logs: those hold credentials and the user's
 * settings). `codex exec resume <id>` finds a session by its rollout file, so installing the
 * file at the same relative place under another CODEX_HOME is all a resume needs.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { exportSessionFiles, importSessionFiles } from '../../handoff/session-copy.js';
import type { Result } from '../../util/result.js';
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
  // None (a codex that never wrote one, or a stand-in in tests): nothing to carry, not a problem.
  return exportSessionFiles(home, await sessionRollouts(home, id), destDir);
}

/**
 * Installs the rollouts exported into `sourceDir` under the codex home of `env`, never
 * overwriting a file that is there (the same session on this machine is kept as it is).
 */
export function importCodexSession(
  env: Readonly<Record<string, string | undefined>>,
  sourceDir: string,
  files: readonly string[],
): Promise<Result<{ installed: string[]; kept: string[] }, string>> {
  const isRollout = (parts: readonly string[]): boolean => parts[0] === SESSIONS_DIR && parts.at(-1)!.endsWith('.jsonl');
  return importSessionFiles(sourceDir, files, codexHome(env), isRollout, 'codex sessions folder');
}
