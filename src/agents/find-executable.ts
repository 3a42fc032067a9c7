import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Resolves a program name the way execvp will, against the child's PATH, so a missing
 * binary is reported before spawning (node-pty only prints "execvp(3) failed" and exits 1).
 * Returns the absolute path, or null when nothing executable is found.
 */
export function findExecutable(file: string, cwd: string, pathVar: string | undefined): string | null {
  if (file.includes('/')) {
    const full = path.resolve(cwd, file);
    return isExecutableFile(full) ? full : null;
  }
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const full = path.resolve(cwd, dir, file);
    if (isExecutableFile(full)) return full;
  }
  return null;
}

function isExecutableFile(full: string): boolean {
  try {
    // No exception for a PATH entry without the program (the usual case: thrown errors cost
    // their stack capture, for every job start).
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) return false;
    accessSync(full, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
