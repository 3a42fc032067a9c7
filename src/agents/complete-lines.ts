import { open } from 'node:fs/promises';

/**
 * The complete lines at the start of an agent's session file (JSON Lines that the agent is still
 * appending to), reading at most `maxBytes`: a last line without its newline yet is left for a
 * later read. Null when the file cannot be read.
 */
export async function readCompleteLines(file: string, maxBytes: number): Promise<string[] | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return null;
  let text: string;
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, (await handle.stat()).size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    text = buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
  const lines = text.split('\n');
  lines.pop();
  return lines;
}
