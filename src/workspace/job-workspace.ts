/**
 * A job's workspace: where it works and what it changed. Before the first attempt it either
 * creates a git worktree on a new branch (`isolation: worktree`) or, for a job whose workdir is
 * in a git repository, snapshots the work tree as it is (src/git/snapshot.ts); after the last
 * attempt it commits (`commit`), compares the end state with the start, writes `<job>.patch`,
 * announces the changes (`job-changes`), and removes the worktree and branch per `keep`.
 *
 *   idle ──prepare()──▶ plain (no repository: nothing recorded) ──finish()──▶ finished
 *     │                 tracked (snapshot of the user's tree) ──finish()──▶ finished
 *     │                 isolated (worktree on a branch) ──finish()──▶ finished
 *     └─prepare() failed──▶ finished
 *
 * The user's checkout is never written: no checkout, no index change, no stash; a snapshot goes
 * through a temporary index and a worktree through `git worktree add`.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { commitAll, configuredAuthor, CODEX_RUN_IDENTITY, type Identity } from '../git/commit.js';
import { gitText } from '../git/git.js';
import { branchDate, expandBranch } from '../git/ref-name.js';
import { commitsAhead, repoOf, resolveCommit, type RepoLocation } from '../git/repo.js';
import { diffTrees, snapshotTree, treeOf, writePatch, type ChangedFile } from '../git/snapshot.js';
import { addWorktree, deleteBranch, pruneWorktrees, removeWorktree } from '../git/worktree.js';
import type { JobSpec } from '../manifest/model.js';
import type { WorkspaceSpec } from '../manifest/workspace-fields.js';
import type { JobChanges } from '../run/events.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';

/** Where worktrees go inside the run folder: `<run>/worktrees/<job file name>`. */
export const WORKTREES_DIR_NAME = 'worktrees';

/** Longest commit subject taken from the agent's last message. */
export const MAX_SUBJECT_LENGTH = 72;
/** Longest commit message body taken from the agent's last message. */
export const MAX_BODY_LENGTH = 4000;

export interface JobWorkspaceOptions {
  job: JobSpec;
  runId: string;
  /** The run folder (absolute); worktrees, patches and scratch files go here. */
  runDir: string;
  /** When the run started (ms), for `{date}`. */
  runStartedAt: number;
  /** The job's file name base in the run folder (`<base>.log`), for `<base>.patch` and its worktree folder. */
  fileBase: string;
  /** Folders left out of snapshots when they lie inside the repository (the runs root). */
  exclude: readonly string[];
}

/** What finish() returns: the changes (null when the job's folder is in no repository) and problems to show as warnings. */
export interface WorkspaceOutcome {
  changes: JobChanges | null;
  warnings: string[];
}

type State =
  | { kind: 'idle' }
  | { kind: 'plain' }
  | { kind: 'tracked'; repo: RepoLocation; base: string | null; branch: string | null; startTree: string }
  | { kind: 'isolated'; repo: RepoLocation; base: string; baseTree: string; branch: string; folder: string }
  | { kind: 'finished' };

const NO_WORKSPACE: WorkspaceSpec = {
  isolation: 'none',
  worktree: { base: null, branch: '', keep: 'on-change' },
  commit: null,
};

export class JobWorkspace {
  private state: State = { kind: 'idle' };
  private readonly spec: WorkspaceSpec;
  /** Problems met while preparing that did not stop the job (e.g. a snapshot that failed). */
  private readonly early: string[] = [];

  constructor(private readonly o: JobWorkspaceOptions) {
    this.spec = o.job.workspace ?? NO_WORKSPACE;
  }

  /** Before the first attempt: the job as it will run (its workdir inside its worktree), or why it cannot run. */
  async prepare(): Promise<Result<JobSpec, string>> {
    const { job } = this.o;
    if (this.state.kind !== 'idle') throw new Error(`Internal error: workspace of '${job.name}' prepared twice`);
    const repo = await repoOf(job.workdir);
    if (!repo.ok) {
      if (this.spec.isolation === 'worktree') return this.fail(`isolation: worktree: ${job.workdir} is not in a git repository (${repo.error.message})`);
      this.state = { kind: 'plain' };
      return ok(job);
    }
    return this.spec.isolation === 'worktree' ? this.isolate(repo.value) : this.track(repo.value);
  }

  /** After the last attempt: commit, compare, write the patch, tidy the worktree. Never throws. */
  async finish(lastMessage: string | null): Promise<WorkspaceOutcome> {
    const s = this.state;
    this.state = { kind: 'finished' };
    const warnings = [...this.early];
    switch (s.kind) {
      case 'idle':
      case 'plain':
      case 'finished':
        return { changes: null, warnings };
      case 'tracked': {
        const end = await this.snapshot(s.repo.root);
        if (!end.ok) return { changes: null, warnings: [...warnings, `cannot record what changed: ${end.error}`] };
        const compared = await this.compare(s.repo.root, s.startTree, end.value);
        if (!compared.ok) return { changes: null, warnings: [...warnings, `cannot record what changed: ${compared.error}`] };
        const changes: JobChanges = { branch: s.branch, base: s.base, worktree: null, commit: null, ...compared.value };
        return { changes, warnings };
      }
      case 'isolated':
        return this.finishIsolated(s, lastMessage, warnings);
      default:
        return unreachable(s);
    }
  }

  /**
   * For `codex-run resume --from`: writes `file` (replacing it), the patch from the commit the
   * job started from to its work tree as it is now (commits, changes and untracked files; ignored
   * files and the runs folder left out), and says which commit it applies to and where the
   * job's folder is in the repository. Null when the job's folder is in no repository.
   */
  async exportPatch(file: string): Promise<Result<{ base: string; relative: string } | null, string>> {
    const s = this.state;
    let at: { root: string; base: string; relative: string };
    switch (s.kind) {
      case 'idle':
      case 'plain':
      case 'finished':
        return ok(null);
      case 'tracked':
        if (s.base === null) return ok(null);
        at = { root: s.repo.root, base: s.base, relative: s.repo.relative };
        break;
      case 'isolated':
        at = { root: s.folder, base: s.base, relative: s.repo.relative };
        break;
      default:
        return unreachable(s);
    }
    const tree = await this.snapshot(at.root);
    if (!tree.ok) return tree;
    await rm(file, { force: true });
    const written = await writePatch(at.root, at.base, tree.value, file);
    return written.ok ? ok({ base: at.base, relative: at.relative }) : err(written.error.message);
  }

  private fail(message: string): Result<JobSpec, string> {
    this.state = { kind: 'finished' };
    return err(message);
  }

  // A job in the user's own checkout: its start state is snapshotted, never changed.
  private async track(repo: RepoLocation): Promise<Result<JobSpec, string>> {
    const start = await this.snapshot(repo.root);
    if (!start.ok) {
      this.early.push(`cannot record what changed: ${start.error}`);
      this.state = { kind: 'plain' };
      return ok(this.o.job);
    }
    const base = await resolveCommit(repo.root, 'HEAD');
    const branch = await gitText(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo.root });
    this.state = { kind: 'tracked', repo, base: base.ok ? base.value : null, branch: branch.ok ? branch.value : null, startTree: start.value };
    return ok(this.o.job);
  }

  // A job in its own worktree on a new branch, under the run folder.
  private async isolate(repo: RepoLocation): Promise<Result<JobSpec, string>> {
    const { job, runDir } = this.o;
    // A worktree whose folder went away with an earlier, killed run is still registered: drop it first.
    await pruneWorktrees(repo.root);
    const baseRef = this.spec.worktree.base ?? 'HEAD';
    const base = await resolveCommit(repo.root, baseRef);
    if (!base.ok) return this.fail(`worktree base '${baseRef}' is not a commit in ${repo.root}`);
    const baseTree = await treeOf(repo.root, base.value);
    if (!baseTree.ok) return this.fail(baseTree.error.message);
    const branch = expandBranch(this.spec.worktree.branch, { run: this.o.runId, job: job.name, date: branchDate(this.o.runStartedAt) });
    const parent = path.join(runDir, WORKTREES_DIR_NAME);
    const folder = path.join(parent, this.o.fileBase);
    try {
      await mkdir(parent, { recursive: true, mode: 0o700 });
    } catch (error) {
      return this.fail(`cannot create ${parent}: ${(error as Error).message}`);
    }
    const added = await addWorktree(repo.root, folder, branch, base.value);
    if (!added.ok) return this.fail(`cannot create the job's worktree: ${added.error.message}`);
    this.state = { kind: 'isolated', repo, base: base.value, baseTree: baseTree.value, branch, folder };
    // The job's workdir is the same folder of the repository, inside the worktree.
    const workdir = path.join(folder, ...repo.relative.split('/').filter((part) => part !== ''));
    try {
      if (!(await stat(workdir)).isDirectory()) throw new Error('not a folder');
    } catch {
      const outcome = await this.finish(null);
      const tidy = outcome.warnings.length === 0 ? '' : ` (${outcome.warnings.join('; ')})`;
      return err(`the job's workdir ${repo.relative} does not exist at ${base.value.slice(0, 12)} (${baseRef}), so not in its worktree${tidy}`);
    }
    return ok({ ...job, workdir });
  }

  private async finishIsolated(s: Extract<State, { kind: 'isolated' }>, lastMessage: string | null, warnings: string[]): Promise<WorkspaceOutcome> {
    const { repo, folder, branch, base } = s;
    let commit: string | null = null;
    if (this.spec.commit !== null) {
      const author = this.spec.commit.author ?? (await configuredAuthor(folder)) ?? CODEX_RUN_IDENTITY;
      const committed = await commitAll(folder, commitMessage(this.o.job.name, lastMessage), author satisfies Identity);
      if (committed.ok) commit = committed.value;
      else warnings.push(`cannot commit the job's changes on ${branch}: ${committed.error.message}`);
    }
    const end = await this.snapshot(folder);
    let files: ChangedFile[] = [];
    let patchFile: string | null = null;
    let dirty = true;
    if (end.ok) {
      const compared = await this.compare(folder, s.baseTree, end.value);
      if (compared.ok) ({ files, patchFile } = compared.value);
      else warnings.push(`cannot record what changed: ${compared.error}`);
      const headTree = await treeOf(folder, 'HEAD');
      dirty = !headTree.ok || headTree.value !== end.value;
    } else {
      warnings.push(`cannot record what changed: ${end.error}`);
    }
    const ahead = await commitsAhead(repo.root, base, branch);
    const hasCommits = !ahead.ok || ahead.value > 0;
    if (commit === null && hasCommits && ahead.ok) {
      const head = await resolveCommit(repo.root, branch);
      if (head.ok) commit = head.value;
    }
    const keep = this.spec.worktree.keep;
    const keepFolder = keep === 'always' || (keep === 'on-change' && dirty);
    const keepBranch = keepFolder || (keep === 'on-change' && hasCommits);
    if (!keepFolder) {
      const removed = await removeWorktree(repo.root, folder);
      if (!removed.ok) warnings.push(`cannot remove the worktree ${folder}: ${removed.error.message}`);
    }
    if (!keepBranch) {
      const deleted = await deleteBranch(repo.root, branch);
      if (!deleted.ok) warnings.push(`cannot delete the branch ${branch}: ${deleted.error.message}`);
    }
    const pruned = await pruneWorktrees(repo.root);
    if (!pruned.ok) warnings.push(pruned.error.message);
    const changes: JobChanges = {
      branch: keepBranch ? branch : null,
      base,
      worktree: keepFolder ? folder : null,
      commit: keepBranch ? commit : null,
      files,
      patchFile,
    };
    return { changes, warnings };
  }

  private async snapshot(root: string): Promise<Result<string, string>> {
    const tree = await snapshotTree({ root, scratchDir: this.o.runDir, exclude: this.o.exclude });
    return tree.ok ? tree : err(tree.error.message);
  }

  // The files changed between two trees, and `<job>.patch` when there are any.
  private async compare(root: string, from: string, to: string): Promise<Result<{ files: ChangedFile[]; patchFile: string | null }, string>> {
    const files = await diffTrees(root, from, to);
    if (!files.ok) return err(files.error.message);
    if (files.value.length === 0) return ok({ files: [], patchFile: null });
    const patchFile = `${this.o.fileBase}.patch`;
    const written = await writePatch(root, from, to, path.join(this.o.runDir, patchFile));
    if (!written.ok) return err(written.error.message);
    return ok({ files: files.value, patchFile });
  }
}

/**
 * The commit message of a job's changes: the agent's last message, its first non-empty line as
 * the subject (cut at {@link MAX_SUBJECT_LENGTH}) and the whole message as the body (bounded);
 * `codex-run: <job>` when the agent left none.
 */
export function commitMessage(job: string, lastMessage: string | null): string {
  const text = (lastMessage ?? '').replace(/\r\n?/g, '\n').trim();
  const fallback = `codex-run: ${job}`;
  if (text === '') return `${fallback}\n`;
  const first = text.split('\n').find((line) => line.trim() !== '')?.trim() ?? fallback;
  const subject = Array.from(first).length > MAX_SUBJECT_LENGTH ? `${Array.from(first).slice(0, MAX_SUBJECT_LENGTH - 1).join('')}…` : first;
  const body = Array.from(text).length > MAX_BODY_LENGTH ? `${Array.from(text).slice(0, MAX_BODY_LENGTH - 1).join('')}…` : text;
  return body === subject ? `${subject}\n` : `${subject}\n\n${body}\n\nJob: ${job} (codex-run)\n`;
}
