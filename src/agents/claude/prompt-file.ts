/**
 * A headless prompt fed through stdin instead of argv: a prompt too long for one argument, or
 * one that must stay out of the process list (a resume's prompt carrying a verify command's
 * output). `claude -p` without a prompt argument reads it from stdin (verified with 2.1.332).
 * The file's path is chosen when the job is planned (so `--dry-run` shows the exact argv); the
 * folder is made only when the job starts: 0700 under the OS temp folder, a random name and a
 * non-recursive mkdir (never someone else's folder), the file 0600; removed after the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from '../../util/result.js';

/** Where a prompt waits to be read from stdin. */
export interface PromptFile {
  dir: string;
  file: string;
  prompt: string;
}

/** A new, not yet written, prompt file. */
export function planPromptFile(prompt: string, parent: string = tmpdir()): PromptFile {
  const dir = path.join(parent, `codex-run-claude-${randomBytes(8).toString('hex')}`);
  return { dir, file: path.join(dir, 'prompt.txt'), prompt };
}

/** Writes the file (synchronously, just before the spawn). */
export function writePromptFile(prompt: PromptFile): Result<void, string> {
  try {
    mkdirSync(prompt.dir, { mode: 0o700 });
    writeFileSync(prompt.file, prompt.prompt, { mode: 0o600, flag: 'wx' });
    return ok(undefined);
  } catch (error) {
    return err(`cannot write the prompt file ${prompt.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Removes the folder. Never rejects. */
export async function removePromptFile(prompt: PromptFile): Promise<void> {
  await rm(prompt.dir, { recursive: true, force: true }).catch(() => undefined);
}
