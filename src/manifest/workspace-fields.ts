/**
 * `isolation`, `worktree` and `commit` (in a job or in `defaults:`): where a job works and what
 * happens to its changes. The field rules check each value alone; {@link workspaceProblems}
 * checks what needs the job as a whole and the disk (the workdir's repository, the base ref, the
 * branch name a template gives for this job). The work itself is src/workspace/.
 */
import { err, ok, type Result } from '../util/result.js';
import { parseIdentity } from '../git/commit.js';
import { repoOf, resolveCommit } from '../git/repo.js';
import { BRANCH_PLACEHOLDERS, checkBranchName, DEFAULT_BRANCH_TEMPLATE, expandBranch, unknownPlaceholders } from '../git/ref-name.js';
import { quote } from './describe-value.js';
import type { FieldContext } from './job-fields.js';
import type { Diagnostic } from './model.js';
import type { ValuePath, YamlSource } from './yaml-source.js';

type FieldResult<T> = Result<T, Diagnostic[]>;

export type Isolation = 'none' | 'worktree';

/** What happens to a job's worktree and branch when it ends. */
export type KeepPolicy = 'always' | 'on-change' | 'never';

export interface WrittenWorktree {
  base?: string;
  branch?: string;
  keep?: KeepPolicy;
}

/** `worktree:` with only what was written (defaults merge key by key). */
export type WorktreeOptions = WrittenWorktree;

export type WrittenCommit = boolean | { author?: string };

/** `commit:` resolved: null for no commit; `author` null means the repository's configured user. */
export type CommitOption = { author: { name: string; email: string } | null } | null;

/** Where a job works and what becomes of its changes; absent on a job means `isolation: none`, no commit. */
export interface WorkspaceSpec {
  isolation: Isolation;
  worktree: {
    /** The ref each job's branch starts from; null: the repository's HEAD at the job's start. */
    base: string | null;
    /** The branch name template ({run} {job} {date}). */
    branch: string;
    keep: KeepPolicy;
  };
  commit: CommitOption;
}

export const DEFAULT_KEEP: KeepPolicy = 'on-change';

/** A stand-in run id for checking a template before any run exists (the real ones have this shape). */
const SAMPLE_RUN_ID = '20260101T000000.000Z-1234-ab12';

export function resolveIsolation(written: Isolation): FieldResult<Isolation> {
  return ok(written);
}

/** `worktree.branch`: every `{...}` must be a placeholder codex-run fills. */
export function resolveWorktree(written: WrittenWorktree, context: FieldContext): FieldResult<WorktreeOptions> {
  const diagnostics: Diagnostic[] = [];
  if (written.branch !== undefined) {
    for (const part of unknownPlaceholders(written.branch)) {
      diagnostics.push(
        context.source.diagnostic([...context.path, 'branch'], `unknown placeholder ${quote(`{${part.name}}`)} in the branch template`, {
          hint: `the branch template may use ${BRANCH_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
          span: { start: part.start, end: part.end },
        }),
      );
    }
  }
  return diagnostics.length === 0 ? ok({ ...written }) : err(diagnostics);
}

export function mergeWorktree(fromDefaults: WorktreeOptions, own: WorktreeOptions): WorktreeOptions {
  return { ...fromDefaults, ...own };
}

/** `commit`: true, false, or `{ author: "Name <email>" }`. */
export function resolveCommitField(written: WrittenCommit, context: FieldContext): FieldResult<CommitOption> {
  if (written === false) return ok(null);
  if (written === true || written.author === undefined) return ok({ author: null });
  const author = parseIdentity(written.author);
  if (author === null) {
    return err([context.source.diagnostic([...context.path, 'author'], `expected an author as "Name <email>", found ${quote(written.author)}`)]);
  }
  return ok({ author });
}

/** The job model's workspace, defaults applied; undefined when nothing about it was written (isolation none, no commit). */
export function workspaceOf(fields: { isolation?: Isolation; worktree?: WorktreeOptions; commit?: CommitOption }): WorkspaceSpec | undefined {
  if (fields.isolation === undefined && fields.worktree === undefined && fields.commit === undefined) return undefined;
  return {
    isolation: fields.isolation ?? 'none',
    worktree: { base: fields.worktree?.base ?? null, branch: fields.worktree?.branch ?? DEFAULT_BRANCH_TEMPLATE, keep: fields.worktree?.keep ?? DEFAULT_KEEP },
    commit: fields.commit ?? null,
  };
}

/**
 * What is wrong with a job's workspace as a whole, each located where the value was written
 * (the job's own, or `defaults:`'): isolation: worktree outside a git repository, a base that is
 * no commit there, a branch template that gives an invalid branch name for this job, and a
 * commit without a worktree (codex-run never commits in your own checkout).
 */
export async function workspaceProblems(source: YamlSource, job: string, workdir: string, spec: WorkspaceSpec | undefined): Promise<Diagnostic[]> {
  if (spec === undefined) return [];
  const where = (...key: string[]): ValuePath => (source.valueAt(['jobs', job, ...key]) !== null ? ['jobs', job, ...key] : ['defaults', ...key]);
  const diagnostics: Diagnostic[] = [];
  if (spec.commit !== null && spec.isolation !== 'worktree') {
    diagnostics.push(
      source.diagnostic(where('commit'), `job '${job}': commit needs isolation: worktree (codex-run never commits in your own checkout)`, {
        hint: 'add `isolation: worktree`, or leave `commit` out: the changes are still recorded in the report and <job>.patch',
      }),
    );
  }
  if (spec.isolation !== 'worktree') return diagnostics;
  const repo = await repoOf(workdir);
  if (!repo.ok) {
    diagnostics.push(
      source.diagnostic(where('isolation'), `job '${job}': isolation: worktree needs a workdir in a git repository; ${workdir} is not in one`, {
        hint: repo.error.reason === 'git-missing' ? repo.error.message : 'run `git init` there, or use isolation: none',
      }),
    );
    return diagnostics;
  }
  const template = spec.worktree.branch;
  if (unknownPlaceholders(template).length === 0) {
    const name = expandBranch(template, { run: SAMPLE_RUN_ID, job, date: '2026-01-01' });
    const checked = checkBranchName(name);
    if (!checked.ok) {
      diagnostics.push(source.diagnostic(where('worktree', 'branch'), `job '${job}': the branch template ${quote(template)} gives ${quote(name)}, not a valid branch name: ${checked.error}`));
    }
  }
  if (spec.worktree.base !== null) {
    const base = await resolveCommit(repo.value.root, spec.worktree.base);
    if (!base.ok) {
      diagnostics.push(source.diagnostic(where('worktree', 'base'), `job '${job}': worktree base ${quote(spec.worktree.base)} is not a commit in ${repo.value.root}`));
    }
  }
  return diagnostics;
}
