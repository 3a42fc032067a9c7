/**
 * A job's private scratch folder for one codex run: where codex writes its last message
 * (`-o`) and, for prompts too long for one argument, where the prompt waits to be read from
 * stdin. Its path is chosen when the job is planned (so `--dry-run` shows the exact argv) and
 * the folder is created only when the job starts: 0700, under the OS temp folder, with a
 * random name and a non-recursive mkdir, so an existing folder (someone else's) is never used.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from '../../util/result.js';

/** The files in a private folder. */
export interface PrivateFolder {
  dir: string;
  /** `-o <file>`: codex writes its final message here. */
  lastMessageFile: string;
  /** The prompt, when it is fed through stdin. */
  promptFile: string;
}

/** A new, not yet created, private folder path. */
export function planPrivateFolder(parent: string = tmpdir()): PrivateFolder {
  const dir = path.join(parent, `codex-run-${randomBytes(8).toString('hex')}`);
  return { dir, lastMessageFile: path.join(dir, 'last-message.txt'), promptFile: path.join(dir, 'prompt.txt') };
}

/**
 * Creates the folder (0700) and, when given, writes the prompt file (0600, exclusive). Runs
 * once per job start, synchronously, just before the spawn.
 */
export function createPrivateFolder(folder: PrivateFolder, prompt: string | null): Result<void, string> {
  try {
    mkdirSync(folder.dir, { mode: 0o700 });
    if (prompt !== null) writeFileSync(folder.promptFile, prompt, { mode: 0o600, flag: 'wx' });
    return ok(undefined);
  } catch (error) {
    return err(`cannot create codex's private folder ${folder.dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Removes the folder and what codex left in it. Never rejects. */
export async function removePrivateFolder(folder: PrivateFolder): Promise<void> {
  await rm(folder.dir, { recursive: true, force: true }).catch(() => undefined);
}
