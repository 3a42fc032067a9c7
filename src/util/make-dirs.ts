import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p`, one folder at a time. Node's `mkdir(dir, { recursive: true })` loops forever at
 * full CPU where mkdir fails with ENOENT although the parent exists (e.g. under /proc); this
 * creates each missing folder with a plain mkdir and lets that error through. Resolves with the
 * first folder it created (as `recursive: true` does), or undefined when `dir` existed.
 */
export async function makeDirs(dir: string, mode: number): Promise<string | undefined> {
  const missing = await missingFolders(path.resolve(dir), async (d) => (await stat(d)).isDirectory());
  for (const d of missing) {
    try {
      await mkdir(d, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return missing[0];
}

/** {@link makeDirs}, synchronously. */
export function makeDirsSync(dir: string, mode: number): string | undefined {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw notADirectory(d);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || d === path.dirname(d)) throw error;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return missing[0];
}

// The folders from the nearest existing ancestor down to `target`, outermost first.
async function missingFolders(target: string, isDirectory: (dir: string) => Promise<boolean>): Promise<string[]> {
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    try {
      if (!(await isDirectory(d))) throw notADirectory(d);
      return missing;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || d === path.dirname(d)) throw error;
      missing.unshift(d);
    }
  }
}

function notADirectory(dir: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${dir}'`);
  error.code = 'ENOTDIR';
  error.syscall = 'mkdir';
  error.path = dir;
  return error;
}
