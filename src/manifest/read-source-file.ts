import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { err, ok, type Result } from '../util/result.js';

/** Why a source file could not be read, as a message and an optional hint. */
export interface ReadProblem {
  message: string;
  hint: string | null;
  /** Where in the file the problem is, when it is inside it (1-based), with the text as best decoded for showing that line. */
  at?: { line: number; col: number; text: string };
}

/**
 * Reads a UTF-8 text file of at most `limitBytes` (a leading BOM is dropped). Never reads more
 * than the limit, so pointing at a huge file costs nothing; never throws for a bad path.
 *
 * Only regular files (or links to one) are read. The file is opened non-blocking and checked
 * with fstat before any read: a FIFO, a terminal or a socket put where the manifest was would
 * otherwise block open() or read() on a libuv thread forever, and a process with a blocked
 * thread cannot exit (the schedule daemon then ignored SIGTERM after such a reload).
 * The reads are synchronous (a manifest is at most a MiB, from a regular file): node:fs/promises
 * and its thread hops cost more at start-up than the read itself (`validate` is timed against
 * `node -e 0`, docs/benchmarks.md).
 */
export async function readSourceFile(file: string, limitBytes: number): Promise<Result<string, ReadProblem>> {
  return readSourceFileSync(file, limitBytes);
}

function readSourceFileSync(file: string, limitBytes: number): Result<string, ReadProblem> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return err(openProblem(error));
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return err({ message: 'expected a YAML file, found a folder', hint: null });
    if (!info.isFile()) return err({ message: `expected a YAML file, found ${describeKind(info)}`, hint: 'manifests are read only from regular files' });
    const buffer = Buffer.alloc(limitBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limitBytes) {
      return err({ message: `the file is larger than ${formatBytes(limitBytes)}, the most a manifest may be`, hint: null });
    }
    const bytes = buffer.subarray(0, length);
    try {
      return ok(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return err(invalidUtf8(bytes));
    }
  } catch (error) {
    return err(openProblem(error));
  } finally {
    closeSync(fd);
  }
}

// Locates the first byte that is not UTF-8: its line, and its column in characters as decoded.
function invalidUtf8(bytes: Buffer): ReadProblem {
  const offset = firstInvalidUtf8(bytes);
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  const col = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
  const shown = bytes[offset] === undefined ? '' : ` (byte 0x${bytes[offset]!.toString(16).padStart(2, '0')})`;
  return {
    message: `expected UTF-8 text, found a byte that is not valid UTF-8${shown}`,
    hint: 'save the file as UTF-8',
    at: { line, col, text: new TextDecoder('utf-8').decode(bytes) },
  };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (the length when all do). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    const second = bytes[i + 1];
    if (second === undefined || second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
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
