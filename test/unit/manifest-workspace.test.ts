import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { checkBranchName, expandBranch, unknownPlaceholders } from '../../src/git/ref-name.js';
import { commitMessage } from '../../src/workspace/job-workspace.js';

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-manifest-workspace-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

// A folder with a git repository `repo/` (one commit on main) and a plain folder `plain/`.
async function freshDir(): Promise<string> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(path.join(dir, 'repo'), { recursive: true });
  await mkdir(path.join(dir, 'plain'), { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: path.join(dir, 'repo'), env });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'start'], { cwd: path.join(dir, 'repo'), env });
  return dir;
}

async function problems(lines: string[]): Promise<string[]> {
  const dir = await freshDir();
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  const result = await loadManifest(file, { env: {} });
  if (result.ok) return [];
  return result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`);
}

test('isolation: worktree on a workdir outside any git repository is located at the isolation value', { timeout: 20_000 }, async () => {
  assert.deepEqual(
    await problems(['version: 1', 'defaults:', '  isolation: worktree', 'jobs:', '  a:', '    agent: command', '    command: ["true"]', '    workdir: ./plain']),
    [`3:14: job 'a': isolation: worktree needs a workdir in a git repository; ${path.join(root, `m${count}`, 'plain')} is not in one`],
  );
});

test('an unknown placeholder in the branch template is located at the placeholder itself', { timeout: 20_000 }, async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a:', '    agent: command', '    command: ["true"]', '    workdir: ./repo', '    isolation: worktree', '    worktree: { branch: "agents/{run}/{task}" }']),
    ['8:39: unknown placeholder "{task}" in the branch template'],
  );
});

test('a branch template that gives an invalid branch name for a job, a base that is no commit, and a commit without a worktree', { timeout: 20_000 }, async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'defaults:',
      '  workdir: ./repo',
      '  agent: command',
      '  command: ["true"]',
      '  worktree:',
      '    branch: "agents/{job}"',
      'jobs:',
      '  "fix tests":',
      '    isolation: worktree',
      '  b:',
      '    isolation: worktree',
      '    worktree: { base: mian }',
      '  c:',
      '    commit: { author: "Bot <bot@example.com>" }',
      '  d:',
      '    isolation: worktree',
      '    commit: { author: "just a name" }',
    ]),
    [
      `7:13: job 'fix tests': the branch template "agents/{job}" gives "agents/fix tests", not a valid branch name: it has a space, which git does not allow in a branch name`,
      `13:23: job 'b': worktree base "mian" is not a commit in ${path.join(root, `m${count}`, 'repo')}`,
      "15:13: job 'c': commit needs isolation: worktree (codex-run never commits in your own checkout)",
      '18:23: expected an author as "Name <email>", found "just a name"',
    ],
  );
});

test('a manifest with worktree fields loads into the job model with defaults applied', { timeout: 20_000 }, async () => {
  const dir = await freshDir();
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(
    file,
    'version: 1\ndefaults:\n  isolation: worktree\n  worktree: { base: main }\n  workdir: ./repo\njobs:\n  a: { agent: command, command: ["true"], worktree: { keep: always }, commit: true }\n  b: { agent: command, command: ["true"], isolation: none }\n',
  );
  const loaded = await loadManifest(file, { env: {} });
  assert.ok(loaded.ok);
  const [a, b] = loaded.value.jobs;
  assert.deepEqual(a?.workspace, { isolation: 'worktree', worktree: { base: 'main', branch: 'codex-run/{run}/{job}', keep: 'always' }, commit: { author: null } });
  assert.equal(b?.workspace?.isolation, 'none');
});

test('branch names follow git check-ref-format; placeholders expand', () => {
  assert.equal(expandBranch('codex-run/{run}/{job}-{date}', { run: 'R', job: 'J', date: '2026-01-02' }), 'codex-run/R/J-2026-01-02');
  assert.deepEqual(unknownPlaceholders('a/{run}/{x}'), [{ name: 'x', start: 8, end: 11 }]);
  for (const bad of ['a..b', 'a/.b', 'a.lock', 'a b', 'a~b', 'a:b', '-a', 'a/', 'a//b', 'a@{b', '@', 'a.', 'a*b']) assert.equal(checkBranchName(bad).ok, false, bad);
  for (const good of ['a', 'codex-run/20261130T110125.995Z-30817-ffbf/fix', 'a-b_c.d/e']) assert.equal(checkBranchName(good).ok, true, good);
});

test("commit messages: the agent's last message, its first line as the subject (bounded), or codex-run: <job>", () => {
  assert.equal(commitMessage('fix', null), 'codex-run: fix\n');
  assert.equal(commitMessage('fix', '  \n'), 'codex-run: fix\n');
  assert.equal(commitMessage('fix', 'Fixed the parser'), 'Fixed the parser\n');
  assert.equal(commitMessage('fix', '\nFixed the parser.\n\n# Details\n- one'), 'Fixed the parser.\n\nFixed the parser.\n\n# Details\n- one\n\nJob: fix (codex-run)\n');
  const subject = commitMessage('fix', 'x'.repeat(200)).split('\n')[0]!;
  assert.equal(Array.from(subject).length, 72);
  assert.ok(subject.endsWith('…'));
});
