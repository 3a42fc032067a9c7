import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { err, ok, type Result } from '../util/result.js';

/** Why a source file could not be read, as a message and an optional hint. */
export interface ReadProblem {
  message: string;
  hint: string | null;
}

/**
 * Reads a UTF-8 text file of at most `limitBytes` (a leading BOM is dropped). Never reads more
 * than the limit, so pointing at a huge file costs nothing; never throws for a bad path.
 *
 * Only regular files (or links to one) are read. The file is opened non-blocking and checked
 * with fstat before any read: a FIFO, a terminal or a socket put where the manifest was would
 * otherwise block open() or read() on a libuv thread forever, and a process with a blocked
 * thread cannot exit (the schedule daemon then ignored SIGTERM after such a reload).
 */
export async function readSourceFile(file: string, limitBytes: number): Promise<Result<string, ReadProblem>> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return err(openProblem(error));
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return err({ message: 'expected a YAML file, found a folder', hint: null });
    if (!info.isFile()) return err({ message: `expected a YAML file, found ${describeKind(info)}`, hint: 'manifests are read only from regular files' });
    const buffer = Buffer.alloc(limitBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limitBytes) {
      return err({ message: `the file is larger than ${formatBytes(limitBytes)}, the most a manifest may be`, hint: null });
    }
    try {
      return ok(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length)));
    } catch {
      return err({ message: 'expected UTF-8 text, found bytes that are not valid UTF-8', hint: null });
    }
  } catch (error) {
    return err(openProblem(error));
  } finally {
    await handle.close();
  }
}

function openProblem(error: unknown): ReadProblem {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return { message: 'cannot read the manifest: no such file', hint: 'check the path, or create a starter manifest with `codex-run init`' };
    case 'EACCES':
    case 'EPERM':
      return { message: 'cannot read the manifest: permission denied', hint: null };
    case 'EISDIR':
      return { message: 'expected a YAML file, found a folder', hint: null };
    default:
      return { message: `cannot read the manifest: ${error instanceof Error ? error.message : String(error)}`, hint: null };
  }
}

function describeKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'something that is not a regular file';
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
