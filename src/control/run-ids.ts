import { readdir } from 'node:fs/promises';

/** Run ids in a runs root, oldest first (ids sort by start time); hidden entries (partial runs) are not runs. */
export async function listRunIds(runsRoot: string): Promise<string[]> {
  try {
    const entries = await readdir(runsRoot, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
