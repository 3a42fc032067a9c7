/** Linked worktrees (git-worktree(1)): add one on a new branch, remove it, prune stale registrations. */
import { ok, type Result } from '../util/result.js';
import { git, gitText, type GitError } from './git.js';

/** `git worktree add -b <branch> <folder> <base>`: a new branch at `base`, checked out in `folder` (which must not exist). */
export async function addWorktree(root: string, folder: string, branch: string, base: string): Promise<Result<void, GitError>> {
  const added = await git(['worktree', 'add', '--quiet', '-b', branch, '--', folder, base], { cwd: root });
  return added.ok ? ok(undefined) : added;
}

/** Removes a linked worktree's folder and registration, uncommitted changes included. */
export async function removeWorktree(root: string, folder: string): Promise<Result<void, GitError>> {
  const removed = await git(['worktree', 'remove', '--force', '--force', '--', folder], { cwd: root });
  return removed.ok ? ok(undefined) : removed;
}

/** Drops registrations whose folder is gone (an interrupted run's). */
export async function pruneWorktrees(root: string): Promise<Result<void, GitError>> {
  const pruned = await git(['worktree', 'prune'], { cwd: root });
  return pruned.ok ? ok(undefined) : pruned;
}

/** Deletes a branch codex-run created (it may hold nothing worth keeping). */
export async function deleteBranch(root: string, branch: string): Promise<Result<void, GitError>> {
  const deleted = await git(['branch', '-D', '--', branch], { cwd: root });
  return deleted.ok ? ok(undefined) : deleted;
}

/** The folders of every worktree of the repository, the main one first. */
export async function listWorktrees(root: string): Promise<Result<string[], GitError>> {
  const listed = await gitText(['worktree', 'list', '--porcelain', '-z'], { cwd: root });
  if (!listed.ok) return listed;
  return ok(
    listed.value
      .split('\0')
      .filter((line) => line.startsWith('worktree '))
      .map((line) => line.slice('worktree '.length)),
  );
}
