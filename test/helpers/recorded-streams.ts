/**
 * The recorded terminal streams tests replay: raw captures of agents and fixtures (`.ansi`,
 * `.log`, `.bin`, `.typescript`) under a folder, in a stable order.
 */
import fs from 'node:fs';
import path from 'node:path';

const STREAM_EXTENSIONS = new Set(['.ansi', '.log', '.bin', '.typescript']);

/** Every recorded stream under `root` (none when it does not exist), sorted. */
export function recordedStreams(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const file = path.join(root, entry.name);
    if (entry.isDirectory()) found.push(...recordedStreams(file));
    else if (entry.isFile() && STREAM_EXTENSIONS.has(path.extname(entry.name))) found.push(file);
  }
  return found.sort();
}
