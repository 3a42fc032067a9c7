/**
 * The receiving side of a hand-off's work tree: a checkout elsewhere must be the same repository
 * at the commit the job started from, with nothing changed in it; then the job's patch is
 * applied (`git apply --binary`), and the job goes on from exactly where it stopped. The checks
 * come first and change nothing; a refused checkout is left as it was.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { git, gitText } from '../git/git.js';
import { repoOf, resolveCommit } from '../git/repo.js';
import { err, ok, type Result } from '../util/result.js';
import type { Handoff } from './handoff-file.js';

/** A checkout that passed the checks: its top folder, and the patch to apply (null: the job changed nothing). */
export interface CheckedCheckout {
  root: string;
  patch: string | null;
}

/** Checks that `workdir` is the job's folder in a clean checkout at the hand-off's base commit. */
export async function checkCheckout(handoffDir: string, state: NonNullable<Handoff['workdir']>, workdir: string): Promise<Result<CheckedCheckout, string>> {
  const repo = await repoOf(workdir);
  if (!repo.ok) return err(`${workdir} is not in a git repository (${repo.error.message}); the job ran in one at commit ${state.base}: clone it and check that commit out`);
  const { root, relative } = repo.value;
  const head = await resolveCommit(root, 'HEAD');
  if (!head.ok || head.value !== state.base) {
    const known = (await resolveCommit(root, state.base)).ok;
    const at = head.ok ? `is at ${head.value.slice(0, 12)}` : 'has no commit checked out';
    return err(
      `${root} ${at}, but the job started from ${state.base.slice(0, 12)}: ${known ? `check it out first (git -C ${root} checkout ${state.base})` : `that commit is not in this repository (git fetch, then git checkout ${state.base})`}`,
    );
  }
  if (relative !== state.relative) {
    const expected = state.relative === '' ? 'the top of the repository' : state.relative;
    return err(`${workdir} is ${relative === '' ? 'the top of the repository' : relative} in ${root}, but the job worked in ${expected}: pass --workdir ${path.join(root, ...state.relative.split('/').filter((p) => p !== ''))}`);
  }
  const status = await gitText(['status', '--porcelain', '--untracked-files=all'], { cwd: root });
  if (!status.ok) return err(status.error.message);
  if (status.value !== '') {
    const lines = status.value.split('\n');
    const shown = lines.slice(0, 5).map((l) => `  ${l}`).join('\n');
    return err(`${root} has uncommitted changes; the job's patch is applied to a clean checkout only (commit or move them, or use a fresh clone):\n${shown}${lines.length > 5 ? `\n  … ${lines.length - 5} more` : ''}`);
  }
  const patch = path.join(handoffDir, state.patch);
  let size: number;
  try {
    size = (await stat(patch)).size;
  } catch {
    return err(`the hand-off in ${handoffDir} names ${state.patch}, which is missing`);
  }
  if (size > 0) {
    const check = await git(['apply', '--check', '--binary', '--', patch], { cwd: root });
    if (!check.ok) return err(`the job's patch does not apply to ${root}: ${check.error.message}`);
  }
  return ok({ root, patch: size > 0 ? patch : null });
}

/** Applies the checked patch to the work tree (not the index). */
export async function applyCheckout(checked: CheckedCheckout): Promise<Result<void, string>> {
  if (checked.patch === null) return ok(undefined);
  const applied = await git(['apply', '--binary', '--', checked.patch], { cwd: checked.root });
  return applied.ok ? ok(undefined) : err(`cannot apply the job's patch to ${checked.root}: ${applied.error.message}`);
}
