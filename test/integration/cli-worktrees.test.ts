import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const reportSchema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(reportSchema);

interface Changes {
  branch: string | null;
  base: string | null;
  worktree: string | null;
  commit: string | null;
  files: Array<{ path: string; from?: string; status: string; added: number | null; removed: number | null }>;
  patchFile: string | null;
}
interface Report {
  runId: string;
  status: string;
  jobs: Array<{ name: string; status: string; workdir: string; changes: Changes | null }>;
}

const EDIT = fixture('edit-file.js');

// git in a test repository, its identity fixed so commits do not depend on the machine's config.
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' },
  }).replace(/\n$/, '');
}

// A repository with shared.txt, sub/keep.txt and a configured user, one commit on main.
function makeRepo(dir: string): string {
  const repo = path.join(dir, 'repo');
  mkdirSync(path.join(repo, 'sub'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Repo User');
  git(repo, 'config', 'user.email', 'repo.user@example.com');
  writeFileSync(path.join(repo, 'shared.txt'), 'first line\nsecond line\nthird line\n');
  writeFileSync(path.join(repo, 'sub', 'keep.txt'), 'keep\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

function onlyRunDir(dir: string): string {
  const root = path.join(dir, '.codex-run', 'runs');
  const runs = readdirSync(root).filter((name) => statSync(path.join(root, name)).isDirectory());
  assert.equal(runs.length, 1, `expected one run folder, found ${runs.join(', ')}`);
  return path.join(root, runs[0]!);
}

function readReport(runDir: string): Report {
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.ok(validateReport(report), JSON.stringify(validateReport.errors, null, 2));
  return report;
}

function worktrees(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

test('three worktree jobs edit the same file in parallel: three branches, three commits, the checkout untouched', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  const head = git(repo, 'rev-parse', 'HEAD');
  // What a killed run leaves: a worktree registered whose folder is gone. The next start prunes it.
  git(repo, 'worktree', 'add', '-q', '-b', 'stale', path.join(dir, 'stale'));
  rmSync(path.join(dir, 'stale'), { recursive: true });
  assert.equal(worktrees(repo).length, 2);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
defaults:
  agent: command
  workdir: ./repo/sub
  isolation: worktree
  commit: true
jobs:
  one: { command: [node, ${EDIT}, ../shared.txt, "one was here"] }
  two:
    command: [node, ${EDIT}, ../shared.txt, "two was here", added.txt, "new\\n"]
    commit: { author: "Release Bot <bot@example.com>" }
  three: { command: [node, ${EDIT}, ../shared.txt, "three was here"] }
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const runDir = onlyRunDir(dir);
  const report = readReport(runDir);

  // The user's checkout: same HEAD, nothing changed, no worktree left registered.
  assert.equal(git(repo, 'rev-parse', 'HEAD'), head);
  assert.equal(git(repo, 'status', '--porcelain', '--untracked-files=all'), '');
  assert.equal(git(repo, 'symbolic-ref', '--short', 'HEAD'), 'main');
  assert.deepEqual(worktrees(repo), [repo]);
  assert.equal(readFileSync(path.join(repo, 'shared.txt'), 'utf8'), 'first line\nsecond line\nthird line\n');

  for (const name of ['one', 'two', 'three']) {
    const job = report.jobs.find((j) => j.name === name)!;
    assert.equal(job.status, 'succeeded', name);
    const changes = job.changes!;
    assert.equal(changes.branch, `codex-run/${report.runId}/${name}`);
    assert.equal(changes.base, head);
    assert.equal(changes.worktree, null, 'the worktree is removed: everything is committed');
    assert.match(changes.commit ?? '', /^[0-9a-f]{40}$/);
    assert.equal(git(repo, 'rev-parse', changes.branch!), changes.commit);
    assert.equal(git(repo, 'rev-parse', `${changes.commit}^`), head, 'one commit on top of the base');
    assert.equal(git(repo, 'show', `${changes.branch}:shared.txt`).split('\n')[0], `${name} was here`);
    const expectedFiles = [{ path: 'shared.txt', status: 'modified', added: 1, removed: 1 }];
    if (name === 'two') expectedFiles.push({ path: 'sub/added.txt', status: 'added', added: 1, removed: 0 });
    assert.deepEqual(changes.files, expectedFiles);
    assert.equal(changes.patchFile, `${name}.patch`);
    const patch = path.join(runDir, changes.patchFile!);
    assert.equal(statSync(patch).mode & 0o777, 0o600);
    assert.equal(readFileSync(patch, 'utf8'), git(repo, 'diff', '--binary', '--full-index', head, changes.commit!) + '\n');
    const [author, committer, subject] = git(repo, 'log', '-1', '--format=%an <%ae>%n%cn <%ce>%n%s', changes.commit!).split('\n');
    assert.equal(author, name === 'two' ? 'Release Bot <bot@example.com>' : 'Repo User <repo.user@example.com>');
    assert.equal(committer, 'codex-run <codex-run@localhost>');
    assert.equal(subject, `codex-run: ${name}`, 'a command job leaves no last message');
  }
  assert.equal(git(repo, 'branch', '--list', 'codex-run/*').split('\n').length, 3);
  assert.match(r.stdout, /one\s+succeeded.*\n\s+1 file changed \(\+1 −1\) on codex-run\/\S+\/one, commit [0-9a-f]{12}/);
});

test('a job in its own git checkout: the files changed and the patch are exactly the difference from its start', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  writeFileSync(path.join(repo, 'gone.txt'), 'to be deleted\n');
  writeFileSync(path.join(repo, 'moved.txt'), 'a file that is renamed\nwith enough lines\nto be seen as a rename\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'more');
  // The start state is not HEAD: an uncommitted edit, an untracked file, and something staged.
  writeFileSync(path.join(repo, 'shared.txt'), 'first line\nsecond line, edited before the run\nthird line\n');
  writeFileSync(path.join(repo, 'untracked.txt'), 'there before the run\n');
  writeFileSync(path.join(repo, 'staged.txt'), 'staged before the run\n');
  git(repo, 'add', 'staged.txt');
  const statusBefore = git(repo, 'status', '--porcelain');
  const indexBefore = git(repo, 'diff', '--cached', '--name-status');
  // A copy of the start state, to apply the patch to.
  const start = path.join(dir, 'start');
  cpSync(repo, start, { recursive: true });

  const script = [
    `node ${EDIT} shared.txt 'changed by the job'`,
    'rm gone.txt',
    'mv moved.txt renamed.txt',
    "printf '\\000\\001\\002binary' > blob.bin",
    "printf 'one more\\n' >> untracked.txt",
    "printf 'a\\nb\\n' > 'ünïcode name.txt'",
  ].join(' && ');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  edit:\n    agent: command\n    workdir: ./repo\n    command: ${JSON.stringify(script)}\n`);
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const runDir = onlyRunDir(dir);
  const changes = readReport(runDir).jobs[0]!.changes!;
  assert.equal(changes.branch, 'main');
  assert.equal(changes.base, git(repo, 'rev-parse', 'HEAD'));
  assert.equal(changes.worktree, null);
  assert.equal(changes.commit, null);
  assert.equal(changes.patchFile, 'edit.patch');

  // The user's index is as it was: codex-run staged nothing.
  assert.equal(git(repo, 'diff', '--cached', '--name-status'), indexBefore);
  assert.notEqual(statusBefore, '');

  // The patch applied to the start state (committed in the copy) gives the end state, file for file.
  git(start, 'add', '-A');
  git(start, 'commit', '-q', '-m', 'start state');
  const patch = path.join(runDir, 'edit.patch');
  git(start, 'apply', '--binary', patch);
  const files = (root: string): string[] =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)))
      .filter((file) => !file.startsWith(`.git${path.sep}`))
      .sort();
  assert.deepEqual(files(start), files(repo));
  for (const file of files(repo)) assert.ok(readFileSync(path.join(start, file)).equals(readFileSync(path.join(repo, file))), file);

  // The files and counts are what `git diff` says between the two states.
  const end = start;
  git(end, 'add', '-A');
  const startCommit = 'HEAD';
  const expected = git(end, '-c', 'core.quotePath=false', 'diff', '--cached', '-M', '--numstat', startCommit)
    .split('\n')
    .map((line) => {
      const [added, removed, ...rest] = line.split('\t');
      const where = rest.join('\t');
      const rename = /^(.*)\{?(.*) => (.*)\}?$/.exec(where);
      return { file: rename === null ? where : where.split(' => ')[1]!, added: added === '-' ? null : Number(added), removed: removed === '-' ? null : Number(removed) };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
  const statuses = Object.fromEntries(
    git(end, '-c', 'core.quotePath=false', 'diff', '--cached', '-M', '--name-status', startCommit)
      .split('\n')
      .map((line) => line.split('\t'))
      .map((parts) => [parts[parts.length - 1]!, parts[0]![0]!]),
  );
  assert.deepEqual(
    changes.files.map((f) => ({ file: f.path, added: f.added, removed: f.removed })).sort((a, b) => a.file.localeCompare(b.file)),
    expected,
  );
  const letter: Record<string, string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R' };
  for (const f of changes.files) assert.equal(letter[f.status], statuses[f.path], f.path);
  assert.deepEqual(changes.files.find((f) => f.path === 'renamed.txt'), { path: 'renamed.txt', from: 'moved.txt', status: 'renamed', added: 0, removed: 0 });
  assert.deepEqual(changes.files.find((f) => f.path === 'blob.bin'), { path: 'blob.bin', status: 'added', added: null, removed: null });
  assert.deepEqual(changes.files.find((f) => f.path === 'ünïcode name.txt'), { path: 'ünïcode name.txt', status: 'added', added: 2, removed: 0 });
  assert.equal(changes.files.length, 6);
});

test('an interrupted run leaves no worktree registered; the work so far is committed on its branch', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  const marker = path.join(dir, 'hanging.pid');
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  hang:\n    agent: command\n    workdir: ./repo\n    isolation: worktree\n    commit: true\n    env: { EDIT_FILE_HANG: ${JSON.stringify(marker)} }\n    command: [node, ${EDIT}, shared.txt, "half done"]\n`,
  );
  const { child, result } = startCli(['jobs.yaml'], { cwd: dir });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitFor('the job to have edited its worktree', () => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 20_000);
  assert.equal(worktrees(repo).length, 2, 'the job runs in a worktree of its own');
  child.kill('SIGINT');
  const r = await result;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  const job = report.jobs[0]!;
  assert.equal(job.status, 'interrupted');
  assert.deepEqual(worktrees(repo), [repo]);
  assert.equal(git(repo, 'status', '--porcelain'), '');
  assert.equal(git(repo, 'show', `${job.changes!.branch}:shared.txt`).split('\n')[0], 'half done');
});

test('keep: never removes the branch too; keep: always keeps the worktree folder and its branch', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
defaults: { agent: command, workdir: ./repo, isolation: worktree }
jobs:
  never: { command: [node, ${EDIT}, shared.txt, "x"], worktree: { keep: never }, commit: true }
  always: { command: [node, ${EDIT}, shared.txt, "y"], worktree: { keep: always, branch: "agents/{date}/{job}" } }
  unchanged: { command: ["true"] }
`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = readReport(onlyRunDir(dir));
  const byName = (name: string): Changes => report.jobs.find((j) => j.name === name)!.changes!;
  assert.equal(byName('never').branch, null);
  assert.equal(byName('never').files.length, 1, 'the changes are still recorded');
  const always = byName('always');
  assert.match(always.branch ?? '', /^agents\/\d{4}-\d{2}-\d{2}\/always$/);
  assert.ok(always.worktree !== null && existsSync(path.join(always.worktree, 'shared.txt')));
  assert.equal(readFileSync(path.join(always.worktree, 'shared.txt'), 'utf8').split('\n')[0], 'y', 'uncommitted, still in its worktree');
  assert.deepEqual(byName('unchanged'), { ...byName('unchanged'), branch: null, worktree: null, commit: null, files: [], patchFile: null });
  assert.deepEqual(worktrees(repo), [repo, always.worktree]);
  assert.deepEqual(git(repo, 'branch', '--list', '--format=%(refname:short)').split('\n').sort(), [always.branch, 'main'].sort());
});

test('rehearsed codex in a worktree: a patch step adds a file; the change is committed with the last message as subject', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  const head = git(repo, 'rev-parse', 'HEAD');
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1
jobs:
  notes:
    prompt: "Add notes.txt"
    workdir: ./repo
    isolation: worktree
    commit: true
    codex: { sandbox: workspace-write }
    rehearsal:
      - patch: |
          *** Begin Patch
          *** Add File: notes.txt
          +written by the rehearsed agent
          *** End Patch
      - say: "Added notes.txt.\\n\\nOne file, one line."
`,
  );
  const r = await runCli(['jobs.yaml', '--rehearse'], { cwd: dir, deadlineMs: 60_000, env: { HOME: dir } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const job = readReport(onlyRunDir(dir)).jobs[0]!;
  const changes = job.changes!;
  assert.deepEqual(changes.files, [{ path: 'notes.txt', status: 'added', added: 1, removed: 0 }]);
  assert.equal(changes.base, head);
  assert.equal(git(repo, 'show', `${changes.branch}:notes.txt`), 'written by the rehearsed agent');
  assert.equal(git(repo, 'log', '-1', '--format=%s', changes.commit!), 'Added notes.txt.');
  assert.equal(existsSync(path.join(repo, 'notes.txt')), false, 'the checkout is untouched');
  assert.deepEqual(worktrees(repo), [repo]);
});

test("a run folder inside the job's repository is never counted as the job's change", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  writeFileSync(path.join(repo, 'jobs.yaml'), `version: 1\njobs:\n  edit:\n    agent: command\n    command: [node, ${EDIT}, shared.txt, "edited"]\n`);
  git(repo, 'add', 'jobs.yaml');
  git(repo, 'commit', '-q', '-m', 'manifest');
  // --out inside the repository, not ignored: its logs, patch and temporary index appear while the job runs.
  const r = await runCli(['jobs.yaml', '--out', 'runs-here', '--json'], { cwd: repo });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.deepEqual(report.jobs[0]!.changes!.files, [{ path: 'shared.txt', status: 'modified', added: 1, removed: 1 }]);
});

test('a branch that already exists fails the job as workspace-failed before it starts, and leaves no worktree', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const repo = makeRepo(dir);
  git(repo, 'branch', 'fixed/a');
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `version: 1\njobs:\n  a:\n    agent: command\n    workdir: ./repo\n    isolation: worktree\n    worktree: { branch: "fixed/{job}" }\n    command: [node, ${EDIT}, shared.txt, "never"]\n`,
  );
  const r = await runCli(['jobs.yaml'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const job = readReport(onlyRunDir(dir)).jobs[0]! as Report['jobs'][number] & { reason: string; message: string; startedAt: string | null };
  assert.equal(job.status, 'failed');
  assert.equal(job.reason, 'workspace-failed');
  assert.match(job.message, /cannot create the job's worktree: git worktree add: fatal: a branch named 'fixed\/a' already exists/);
  assert.equal(job.startedAt, null);
  assert.equal(job.changes, null);
  assert.deepEqual(worktrees(repo), [repo]);
  assert.equal(git(repo, 'rev-parse', 'fixed/a'), git(repo, 'rev-parse', 'main'), 'the existing branch is left alone');
});
