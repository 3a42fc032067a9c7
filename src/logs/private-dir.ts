/**
 * Folders codex-run makes for its own files (runs roots, `.codex-run/`): created 0700 whatever
 * the umask, while a folder that already existed is never touched — `--out .` or `--out /tmp`
 * must not make the user's project or a shared sticky folder private. A `.codex-run/` folder
 * codex-run creates gets a `.gitignore` of `*`, because it usually lands inside the user's
 * repository and its logs may hold what an agent printed.
 */
import fs from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeDirs, makeDirsSync } from '../util/make-dirs.js';
import { err, ok, type Result } from '../util/result.js';
import { describeFsError } from './fs-error.js';

/** Mode of every folder codex-run creates. */
export const PRIVATE_DIR_MODE = 0o700;

/** The name of codex-run's folder beside a manifest. */
export const STATE_DIR_NAME = '.codex-run';

const GITIGNORE_TEXT = '# Written by codex-run: run logs may hold secrets; keep them out of git.\n*\n';

// The folders makeDirs created, deepest last: from `firstCreated` down to `dir`.
function createdChain(dir: string, firstCreated: string | undefined): string[] {
  if (firstCreated === undefined) return [];
  const chain: string[] = [];
  for (let d = dir; d.length >= firstCreated.length && d !== path.dirname(d); d = path.dirname(d)) chain.unshift(d);
  return chain;
}

/**
 * Creates `dir` and its missing parents as 0700 (chmod-ed explicitly: mkdir's mode is
 * filtered by the umask). Folders that existed keep their mode. Returns the created folders.
 */
export async function ensurePrivateDir(dir: string, what = 'folder'): Promise<Result<string[], string>> {
  const target = path.resolve(dir);
  let firstCreated: string | undefined;
  try {
    firstCreated = await makeDirs(target, PRIVATE_DIR_MODE);
  } catch (e: unknown) {
    return err(`cannot create ${what} ${target}: ${describeFsError(e)}`);
  }
  const created = createdChain(target, firstCreated);
  for (const d of created) {
    try {
      await chmod(d, PRIVATE_DIR_MODE);
      if (path.basename(d) === STATE_DIR_NAME) await writeFile(path.join(d, '.gitignore'), GITIGNORE_TEXT, { flag: 'wx', mode: 0o644 });
    } catch (e: unknown) {
      return err(`cannot make ${what} ${d} private: ${describeFsError(e)}`);
    }
  }
  return ok(created);
}

/** {@link ensurePrivateDir} for synchronous callers (the schedule daemon's start-up). Throws the fs error. */
export function ensurePrivateDirSync(dir: string): string[] {
  const target = path.resolve(dir);
  const created = createdChain(target, makeDirsSync(target, PRIVATE_DIR_MODE));
  for (const d of created) {
    fs.chmodSync(d, PRIVATE_DIR_MODE);
    if (path.basename(d) === STATE_DIR_NAME) fs.writeFileSync(path.join(d, '.gitignore'), GITIGNORE_TEXT, { flag: 'wx', mode: 0o644 });
  }
  return created;
}
