/**
 * Copying an agent's session files in and out of a hand-off folder (handoff-file.ts), the same
 * for every agent: each agent's session-files.ts finds its files and says which relative paths
 * are its session files; this moves them, in private folders, never overwriting on install.
 */
import { constants } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir } from '../logs/private-dir.js';
import { PRIVATE_FILE_MODE } from '../logs/secure-file.js';
import { err, ok, type Result } from '../util/result.js';

/** Copies `files` ('/'-separated, relative to `home`) into `destDir` (0700 folders, 0600 files), replacing older copies. */
export async function exportSessionFiles(home: string, files: readonly string[], destDir: string): Promise<Result<string[], string>> {
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
  return ok([...files]);
}

/**
 * Installs `files` (as exported under `sourceDir`) at the same relative places under `home`,
 * never overwriting a file that is there (`kept`). A path `isSessionFile` refuses (or one with
 * `..`, `.` or an empty part) stops the install before anything of it is copied.
 */
export async function importSessionFiles(
  sourceDir: string,
  files: readonly string[],
  home: string,
  isSessionFile: (parts: readonly string[]) => boolean,
  folderName: string,
): Promise<Result<{ installed: string[]; kept: string[] }, string>> {
  const installed: string[] = [];
  const kept: string[] = [];
  for (const file of files) {
    const parts = file.split('/');
    if (parts.some((p) => p === '..' || p === '' || p === '.') || !isSessionFile(parts)) return err(`not a session file: ${JSON.stringify(file)}`);
    const to = path.join(home, ...parts);
    const made = await ensurePrivateDir(path.dirname(to), folderName);
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
