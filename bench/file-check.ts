/** Size and SHA-256 of logs, and where the child's bytes sit in a `script` typescript file. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** What a log holds, to compare with what the generator says it must hold. */
export interface Digest {
  bytes: number;
  sha256: string;
}

/** Digest of bytes [start, end) of a file (streamed: logs may be 1 GB). */
export async function digestFile(file: string, start = 0, end?: number): Promise<Digest> {
  const last = end ?? (await stat(file)).size;
  if (last <= start) return { bytes: 0, sha256: createHash('sha256').digest('hex') };
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { start, end: last - 1, highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

const FOOTER = Buffer.from('\nScript done on ');
const EDGE_BYTES = 4096;

/**
 * The byte range of a typescript written by util-linux `script -q` that holds the child's
 * output: after the "Script started on ..." line and before the "\nScript done on ..." line
 * (`-q` silences script's own messages on the terminal, not in the file).
 */
export async function scriptBody(file: string): Promise<{ start: number; end: number }> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(Math.min(EDGE_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    const tailStart = Math.max(0, size - EDGE_BYTES);
    const tail = Buffer.alloc(size - tailStart);
    await handle.read(tail, 0, tail.length, tailStart);
    const newline = head.indexOf(0x0a);
    const footer = tail.lastIndexOf(FOOTER);
    if (newline < 0 || footer < 0) throw new Error(`${file} does not look like a script(1) typescript (no header or footer line)`);
    return { start: newline + 1, end: tailStart + footer };
  } finally {
    await handle.close();
  }
}

/** How a log compares with the expected bytes. */
export type LogCheck =
  | { kind: 'exact' }
  /** A prefix of the expected bytes: the end was lost. */
  | { kind: 'short'; lost: number }
  /** Anything else; bytes from `firstDifference` on did not arrive intact. */
  | { kind: 'different'; firstDifference: number; detail: string };

/** Compares a log held in memory with the expected bytes. */
export function compareBytes(actual: Buffer, expected: Buffer): LogCheck {
  if (actual.equals(expected)) return { kind: 'exact' };
  if (actual.length < expected.length && expected.subarray(0, actual.length).equals(actual)) {
    return { kind: 'short', lost: expected.length - actual.length };
  }
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  return { kind: 'different', firstDifference: at, detail: `${actual.length} bytes instead of ${expected.length}, first difference at byte ${at}` };
}
