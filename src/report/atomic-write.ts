/**
 * Replacing a file so readers only ever see a whole old or a whole new version: write a
 * private temporary file next to it, fsync, rename over. A runner killed at any moment
 * leaves the previous complete report, never a truncated one.
 */
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { describeFsError } from '../logs/fs-error.js';
import { PRIVATE_FILE_MODE } from '../logs/secure-file.js';
import { err, ok, type Result } from '../util/result.js';

// One writer per file per process, so the pid makes the temporary name unique.
function temporaryFileFor(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

/**
 * Atomically replaces `file` with `text` (mode 0600). Errors are values. `text` may come in
 * parts (a big report, written part by part so that it never exists as one string).
 */
export async function writeFileAtomic(file: string, text: string | Iterable<string>): Promise<Result<void, string>> {
  const tmp = temporaryFileFor(file);
  let handle: FileHandle | null = null;
  try {
    // O_NOFOLLOW: a symlink planted at the temporary name is refused, not written through.
    handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
    await handle.chmod(PRIVATE_FILE_MODE);
    if (typeof text === 'string') await handle.writeFile(text, 'utf8');
    else await writeParts(handle, text);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(tmp, file);
    return ok(undefined);
  } catch (e: unknown) {
    if (handle !== null) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    return err(`cannot write ${file}: ${describeFsError(e)}`);
  }
}

/**
 * Parts are gathered up to this many characters per write: few writes, and never the whole text
 * at once. A FileHandle's writeFile writes at its current position and finishes a short write.
 */
const WRITE_GATHER_CHARS = 64 * 1024;

async function writeParts(handle: FileHandle, parts: Iterable<string>): Promise<void> {
  let gathered: string[] = [];
  let size = 0;
  for (const part of parts) {
    gathered.push(part);
    size += part.length;
    if (size < WRITE_GATHER_CHARS) continue;
    await handle.writeFile(gathered.join(''), 'utf8');
    gathered = [];
    size = 0;
  }
  if (size > 0) await handle.writeFile(gathered.join(''), 'utf8');
}
