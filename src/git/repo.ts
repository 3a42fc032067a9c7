/** Questions about the repository a folder is in. All through the git owner module (git.ts). */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { gitText, type GitError } from './git.js';

/** A folder's place in a repository. */
export interface RepoLocation {
  /** The work tree's top folder, real path. */
  root: string;
  /** The folder relative to `root` ('' for the top), with '/' separators. */
  relative: string;
}

/** Questions being asked now, by folder: jobs starting together in one folder share one `git` (a fork each is main-thread time). */
const asking = new Map<string, Promise<Result<RepoLocation, GitError>>>();

/** The work tree `dir` is in, or an error when it is in none (or git is missing). */
export function repoOf(dir: string): Promise<Result<RepoLocation, GitError>> {
  const key = path.resolve(dir);
  const pending = asking.get(key);
  if (pending !== undefined) return pending;
  const answer = askRepoOf(dir).finally(() => asking.delete(key));
  asking.set(key, answer);
  return answer;
}

/**
 * Whether `dir` or a folder above it holds `.git` (a folder, or the file of a linked worktree or
 * submodule). Without one git cannot find a work tree (the caller's GIT_DIR and GIT_WORK_TREE are
 * dropped, git.ts), so the answer is known without forking git: one fork of the runner per job
 * start was its largest main-thread cost after the pump's own spawn (issue 16).
 */
function dotGitAtOrAbove(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(path.join(current, '.git'))) return true;
    const parent = path.dirname(current);
    if (parent === current) return false;
    current = parent;
  }
}

async function askRepoOf(dir: string): Promise<Result<RepoLocation, GitError>> {
  if (!dotGitAtOrAbove(dir)) {
    return err({ reason: 'git-failed', message: 'git rev-parse --show-toplevel: fatal: not a git repository (or any of the parent directories): .git', exitCode: 128 });
  }
  const top = await gitText(['rev-parse', '--show-toplevel'], { cwd: dir });
  if (!top.ok) return top;
  if (top.value === '') return err({ reason: 'git-failed', message: `${dir} is inside a .git folder, not a work tree`, exitCode: null });
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    real = path.resolve(dir);
  }
  const relative = path.relative(top.value, real);
  if (relative.startsWith('..')) return err({ reason: 'git-failed', message: `${dir} is not inside its work tree ${top.value}`, exitCode: null });
  return ok({ root: top.value, relative: relative.split(path.sep).join('/') });
}

/** The commit `ref` names (`HEAD`, a branch, a tag, a hash), as a full hash. */
export function resolveCommit(root: string, ref: string): Promise<Result<string, GitError>> {
  return gitText(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: root });
}

/** Commits on `branch` that `base` does not have. */
export async function commitsAhead(root: string, base: string, branch: string): Promise<Result<number, GitError>> {
  const count = await gitText(['rev-list', '--count', `${base}..${branch}`, '--'], { cwd: root });
  return count.ok ? ok(Number.parseInt(count.value, 10) || 0) : count;
}
