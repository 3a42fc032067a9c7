/**
 * A commit of everything in a work tree that codex-run made for a job (`commit: true`), on the
 * job's own branch in its own worktree: `git add -A` on that worktree's index, then `git commit`
 * with hooks off (git.ts), the author configured or the repository's, and codex-run as committer.
 */
import { err, ok, type Result } from '../util/result.js';
import { git, gitText, type GitError } from './git.js';

/** A person as git writes them: `Name <email>`. */
export interface Identity {
  name: string;
  email: string;
}

/** The committer of every commit codex-run makes. */
export const CODEX_RUN_IDENTITY: Identity = { name: 'codex-run', email: 'codex-run@localhost' };

/** Parses `Name <email>`; null when it is not that shape. */
export function parseIdentity(text: string): Identity | null {
  const match = /^\s*([^<>]*[^<>\s])\s*<([^<>\s]+)>\s*$/.exec(text);
  return match === null ? null : { name: match[1]!, email: match[2]! };
}

/** The author git would use in this repository (user.name/user.email), or null when none is configured. */
export async function configuredAuthor(root: string): Promise<Identity | null> {
  const name = await gitText(['config', 'user.name'], { cwd: root });
  const email = await gitText(['config', 'user.email'], { cwd: root });
  return name.ok && email.ok && name.value !== '' && email.value !== '' ? { name: name.value, email: email.value } : null;
}

/**
 * Commits every change in the work tree at `folder` (added, modified, deleted files; ignored ones
 * left out) and returns the new commit, or null when there was nothing to commit.
 */
export async function commitAll(folder: string, message: string, author: Identity): Promise<Result<string | null, GitError>> {
  const added = await git(['add', '-A', '--', ':/'], { cwd: folder });
  if (!added.ok) return added;
  const staged = await git(['diff', '--cached', '--quiet', '--'], { cwd: folder });
  if (staged.ok) return ok(null);
  if (staged.error.exitCode !== 1) return err(staged.error);
  const env = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: CODEX_RUN_IDENTITY.name,
    GIT_COMMITTER_EMAIL: CODEX_RUN_IDENTITY.email,
  };
  const committed = await git(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--cleanup=verbatim', '-F', '-'], { cwd: folder, env, input: message });
  if (!committed.ok) return committed;
  return gitText(['rev-parse', '--verify', 'HEAD'], { cwd: folder });
}
