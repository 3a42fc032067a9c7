/**
 * What changed in a work tree, without touching its index or HEAD: the tree is snapshotted as
 * a git tree object through a temporary index (a copy of the work tree's index, or
 * `GIT_INDEX_FILE=<tmp> git read-tree HEAD`; then `git add -A; git write-tree`), once at a job's start and once at its end, and the two trees
 * are compared. The user's own index, stash and refs are never written; the only trace is
 * unreferenced objects in the object store, which `git gc` drops in time.
 */
import { realpathSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { git, gitText, gitToFile, type GitError } from './git.js';

/** How a file changed between two trees. */
export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

/** One changed file; `added`/`removed` are line counts, null for a binary file. */
export interface ChangedFile {
  path: string;
  /** For a rename: the path it had before. */
  from?: string;
  status: FileStatus;
  added: number | null;
  removed: number | null;
}

export interface SnapshotOptions {
  /** The work tree's top folder. */
  root: string;
  /** A private folder for the temporary index (removed afterwards). */
  scratchDir: string;
  /** Folders (absolute) left out of the snapshot, e.g. the run folder when it lies inside the repository. */
  exclude?: readonly string[];
}

/** The tree object of the work tree as it is now: tracked and untracked files, ignored ones left out. */
export async function snapshotTree(options: SnapshotOptions): Promise<Result<string, GitError>> {
  const { root } = options;
  let dir: string;
  try {
    dir = await mkdtemp(path.join(options.scratchDir, 'index-'));
  } catch (error) {
    return err({ reason: 'git-failed', message: `cannot create a temporary index in ${options.scratchDir}: ${(error as Error).message}`, exitCode: null });
  }
  const call = { cwd: root, env: { GIT_INDEX_FILE: path.join(dir, 'index') } };
  try {
    // Start from a copy of the work tree's own index (read, never written): tracked files that
    // match .gitignore stay in, and its stat data spares hashing every unchanged file again.
    // Without one, from HEAD's entries; an unborn HEAD starts empty.
    const own = await gitText(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: root });
    let copied = false;
    if (own.ok) {
      try {
        await copyFile(own.value, call.env.GIT_INDEX_FILE);
        copied = true;
      } catch {
        copied = false;
      }
    }
    const head = copied ? null : await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: root });
    if (head?.ok === true) {
      const read = await git(['read-tree', 'HEAD'], call);
      if (!read.ok) return read;
    }
    const excludes = (options.exclude ?? [])
      .map((folder) => path.relative(root, realFolder(folder)))
      .filter((relative) => relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative))
      .map((relative) => `:(exclude,top,literal)${relative.split(path.sep).join('/')}`);
    const added = await git(['add', '-A', '--', ':/', ...excludes], call);
    if (!added.ok) return added;
    return await gitText(['write-tree'], call);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// A folder by its real path, as git names the work tree's top (a symlinked TMPDIR would not match otherwise).
function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}

/** The tree of a commit. */
export function treeOf(root: string, commit: string): Promise<Result<string, GitError>> {
  return gitText(['rev-parse', '--verify', `${commit}^{tree}`], { cwd: root });
}

// Rename detection as `git diff` does by default (since 2.9), stated so a user's diff.renames=false does not change the report.
const RENAMES = ['-M'];
const DIFF_OPTIONS = ['--no-ext-diff', '--no-textconv', ...RENAMES];

/** The files that differ between two trees, with status and line counts, in path order. */
export async function diffTrees(root: string, from: string, to: string): Promise<Result<ChangedFile[], GitError>> {
  const status = await git(['diff-tree', '-r', '-z', '--name-status', ...RENAMES, from, to, '--'], { cwd: root });
  if (!status.ok) return status;
  const numstat = await git(['diff-tree', '-r', '-z', '--numstat', ...RENAMES, from, to, '--'], { cwd: root });
  if (!numstat.ok) return numstat;
  const counts = parseNumstat(numstat.value.toString('utf8'));
  return ok(parseNameStatus(status.value.toString('utf8')).map((file) => ({ ...file, ...(counts.get(file.path) ?? { added: null, removed: null }) })));
}

/** Writes `git diff --binary from to` (applies with `git apply`) to a new 0600 file. */
export function writePatch(root: string, from: string, to: string, file: string): Promise<Result<void, GitError>> {
  return gitToFile(['diff', '--binary', '--full-index', ...DIFF_OPTIONS, from, to, '--'], { cwd: root }, file);
}

const STATUS_LETTERS: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

// `--name-status -z`: `M\0path\0`, and for renames and copies `R100\0old\0new\0`.
function parseNameStatus(text: string): Omit<ChangedFile, 'added' | 'removed'>[] {
  const fields = text.split('\0');
  const files: Omit<ChangedFile, 'added' | 'removed'>[] = [];
  for (let i = 0; i < fields.length; ) {
    const code = fields[i++] ?? '';
    if (code === '') continue;
    const status = STATUS_LETTERS[code[0] ?? ''] ?? 'modified';
    if (status === 'renamed' || status === 'copied') {
      const from = fields[i++] ?? '';
      files.push({ path: fields[i++] ?? '', from, status });
    } else {
      files.push({ path: fields[i++] ?? '', status });
    }
  }
  return files;
}

// `--numstat -z`: `added\tremoved\tpath\0`, renames `added\tremoved\t\0old\0new\0`; binary files count `-`.
function parseNumstat(text: string): Map<string, { added: number | null; removed: number | null }> {
  const fields = text.split('\0');
  const counts = new Map<string, { added: number | null; removed: number | null }>();
  for (let i = 0; i < fields.length; ) {
    const entry = fields[i++] ?? '';
    if (entry === '') continue;
    const [added = '-', removed = '-', ...rest] = entry.split('\t');
    let file = rest.join('\t');
    if (file === '') {
      i++; // the old path of a rename
      file = fields[i++] ?? '';
    }
    counts.set(file, { added: added === '-' ? null : Number(added), removed: removed === '-' ? null : Number(removed) });
  }
  return counts;
}
