import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether `dir` is inside a git work tree: it or a parent holds `.git` (a folder, or the file
 * of a linked worktree or submodule). The same test codex exec makes before it refuses to run
 * without `--skip-git-repo-check`.
 */
export function insideGitWorkTree(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(path.join(current, '.git'))) return true;
    const parent = path.dirname(current);
    if (parent === current) return false;
    current = parent;
  }
}
