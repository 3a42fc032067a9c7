/**
 * Opening the files of a run folder: created exclusively (never following or reusing an
 * existing file or symlink) and readable by the owner only, whatever the umask.
 */
import fs from 'node:fs';
import { err, ok, type Result } from '../util/result.js';
import { describeFsError } from './fs-error.js';

/** Mode of every file codex-run writes into a run folder. */
export const PRIVATE_FILE_MODE = 0o600;

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
