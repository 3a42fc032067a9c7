import type { JobChanges } from '../run/events.js';

/**
 * One line for what a job changed, for the plain lines and the summary:
 * `3 files changed (+12 −4) on codex-run/20260101-…/fix, commit 1a2b3c4d5e6f`, or `no changes`.
 */
export function describeChanges(changes: JobChanges): string {
  const { files } = changes;
  const added = files.reduce((sum, f) => sum + (f.added ?? 0), 0);
  const removed = files.reduce((sum, f) => sum + (f.removed ?? 0), 0);
  const what = files.length === 0 ? 'no changes' : `${files.length} file${files.length === 1 ? '' : 's'} changed (+${added} −${removed})`;
  const where = changes.branch === null ? '' : ` on ${changes.branch}`;
  const commit = changes.commit === null ? '' : `, commit ${changes.commit.slice(0, 12)}`;
  const kept = changes.worktree === null ? '' : `, worktree ${changes.worktree}`;
  return `${what}${where}${commit}${kept}`;
}
