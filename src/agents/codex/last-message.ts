/**
 * Codex's last message: `codex exec -o <file>` writes the final agent message to a file in the
 * job's private folder; codex-run reads it after the exit and puts it in report.json.
 */
import { open } from 'node:fs/promises';

/** The most of a last message kept in the report, in bytes; longer ones are cut with a marker. */
export const MAX_LAST_MESSAGE_BYTES = 64 * 1024;

/** The message, or null when codex wrote none (it failed, or was stopped before the end). */
export async function readLastMessage(file: string, maxBytes = MAX_LAST_MESSAGE_BYTES): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead === 0) return null;
    const truncated = bytesRead > maxBytes;
    // Cutting at a byte count may split a UTF-8 character; decoding replaces the stub with U+FFFD.
    const text = buffer.subarray(0, Math.min(bytesRead, maxBytes)).toString('utf8').replace(/\n$/, '');
    return truncated ? `${text}\n[… cut at ${maxBytes} bytes]` : text;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
