import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoOf } from '../../src/git/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

// repoOf forks `git` only when a `.git` is in the folder or above it (a fork per job start was
// measurable main-thread time, issue 16). A `git` on PATH that records its calls, then runs the real one.

function withRecordingGit(dir: string): { calls: () => number; restore: () => void } {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const log = path.join(dir, 'git-calls');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(path.join(bin, 'git'), 0o700);
  const saved = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
  return {
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length : 0),
    restore: () => {
      process.env.PATH = saved;
    },
  };
}

test('repoOf: no git process for a folder with no .git at or above it; git still asked inside a repository', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const plain = path.join(dir, 'plain', 'sub');
  mkdirSync(plain, { recursive: true });
  const repo = path.join(dir, 'repo');
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  const git = withRecordingGit(dir);
  try {
    const outside = await repoOf(plain);
    assert.equal(outside.ok, false);
    if (!outside.ok) assert.match(outside.error.message, /not a git repository/);
    assert.equal(git.calls(), 0, 'no git fork for a folder outside any repository');

    const inside = await repoOf(path.join(repo, 'src'));
    assert.ok(inside.ok, JSON.stringify(inside));
    assert.deepEqual(inside.value, { root: realpathSync(repo), relative: 'src' });
    assert.equal(git.calls(), 1, 'git asked once inside a repository');

    // A linked worktree or submodule has a `.git` file, not a folder: still found.
    const linked = path.join(dir, 'linked');
    mkdirSync(linked);
    writeFileSync(path.join(linked, '.git'), `gitdir: ${path.join(repo, '.git')}\n`);
    await repoOf(linked);
    assert.equal(git.calls(), 2, 'a .git file counts as a repository: git is asked');
  } finally {
    git.restore();
  }
});
