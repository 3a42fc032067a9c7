/**
 * Linked worktrees (git-worktree(1)): add one on a new branch, remove it, prune stale registrations.
 *
 * Changes to a repository's worktree list run one at a time per repository: `git worktree add`
 * reads every other registration under `.git/worktrees/`, and one that another `add` is still
 * writing fails it with "failed to read .git/worktrees/<name>/commondir" (seen with three
 * worktree jobs starting at once). Another process doing the same (a second run on the same
 * repository) can still race; that error is then retried once.
 */
import path from 'node:path';
import { KeyedQueue } from '../util/keyed-queue.js';
import { ok, type Result } from '../util/result.js';
import { git, gitText, type GitError } from './git.js';

const worktreeAdmin = new KeyedQueue();

// A registration read half-written by a concurrent `git worktree add` (see the file comment).
const HALF_WRITTEN_REGISTRATION = /failed to read .*worktrees\/[^/]+\/(commondir|gitdir)/;

function adminGit(root: string, args: string[]): ReturnType<typeof git> {
  return worktreeAdmin.run(path.resolve(root), async () => {
    const first = await git(args, { cwd: root });
    if (first.ok || !HALF_WRITTEN_REGISTRATION.test(first.error.message)) return first;
    return git(args, { cwd: root });
  });
}

/** `git worktree add -b <branch> <folder> <base>`: a new branch at `base`, checked out in `folder` (which must not exist). */
export async function addWorktree(root: string, folder: string, branch: string, base: string): Promise<Result<void, GitError>> {
  const added = await adminGit(root, ['worktree', 'add', '--quiet', '-b', branch, '--', folder, base]);
  return added.ok ? ok(undefined) : added;
}

/** Removes a linked worktree's folder and registration, uncommitted changes included. */
export async function removeWorktree(root: string, folder: string): Promise<Result<void, GitError>> {
  const removed = await adminGit(root, ['worktree', 'remove', '--force', '--force', '--', folder]);
  return removed.ok ? ok(undefined) : removed;
}

/** Drops registrations whose folder is gone (an interrupted run's). */
export async function pruneWorktrees(root: string): Promise<Result<void, GitError>> {
  const pruned = await adminGit(root, ['worktree', 'prune']);
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
