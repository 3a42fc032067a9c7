/**
 * Opening the files of a run folder: created exclusively (never following or reusing an
 * existing file or symlink) and readable by the owner only, whatever the umask.
 */
import fs from 'node:fs';
import { err, ok, type Result } from '../util/result.js';
import { describeFsError } from './fs-error.js';

/** Mode of every file codex-run writes into a run folder. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Whether open(2)'s mode must be fixed with fchmod: only when the umask removes one of the
 * owner's bits. A umask can only take bits away, so the file is never more open than 0600
 * either way; skipping the call saves a thread-pool round trip per file (three per job).
 * Read from /proc/self/status (process.umask() without an argument is deprecated); when it
 * cannot be read, always fchmod.
 */
let umaskHidesOwnerBits: boolean | undefined;
function needsChmod(): boolean {
  if (umaskHidesOwnerBits === undefined) {
    let umask: number | null = null;
    try {
      const found = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
      if (found !== null) umask = parseInt(found[1]!, 8);
    } catch {
      umask = null;
    }
    umaskHidesOwnerBits = umask === null || (umask & PRIVATE_FILE_MODE) !== 0;
  }
  return umaskHidesOwnerBits;
}

/** Opens `file` for writing and returns its descriptor; injectable so tests can open /dev/full. */
export type FileOpener = (file: string) => Promise<Result<number, string>>;

/**
 * Creates `file` with 'ax' (fails if anything exists there; every write appends) and chmods it
 * to 0600. Appending: the native pump's spawner reopens a job's log through /proc (a second
 * open file of the same file), so each write must land at the end, whoever made it.
 */
export const openSecureFile: FileOpener = async (file) => {
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => {
      fs.open(file, 'ax', PRIVATE_FILE_MODE, (e, opened) => (e ? reject(e) : resolve(opened)));
    });
  } catch (e: unknown) {
    return err(`cannot create ${file}: ${describeFsError(e)}`);
  }
  if (!needsChmod()) return ok(fd);
  try {
    // The mode given to open() is filtered by the umask; fchmod is not.
    await new Promise<void>((resolve, reject) => {
      fs.fchmod(fd, PRIVATE_FILE_MODE, (e) => (e ? reject(e) : resolve()));
    });
  } catch (e: unknown) {
    fs.close(fd, () => undefined);
    return err(`cannot make ${file} private: ${describeFsError(e)}`);
  }
  return ok(fd);
};
