import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addWorktree, listWorktrees, removeWorktree } from '../../src/git/worktree.js';
import { KeyedQueue } from '../../src/util/keyed-queue.js';
import { tempDir } from '../helpers/temp-dir.js';

// Real git: many worktrees of one repository added at once, as a run's worktree jobs do.

test('twelve worktrees added to one repository at once all succeed (git reads half-written registrations otherwise)', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const repo = path.join(dir, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' } });
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  const names = Array.from({ length: 12 }, (_, i) => `job-${i}`);
  const added = await Promise.all(names.map((name) => addWorktree(repo, path.join(dir, 'trees', name), `codex-run/${name}`, 'HEAD')));
  assert.deepEqual(added.filter((r) => !r.ok), []);
  const listed = await listWorktrees(repo);
  assert.ok(listed.ok);
  assert.equal(listed.value.length, 13);
  const removed = await Promise.all(names.map((name) => removeWorktree(repo, path.join(dir, 'trees', name))));
  assert.deepEqual(removed.filter((r) => !r.ok), []);
});

test('a keyed queue runs one task at a time per key, in order, and a failure does not block the next', { timeout: 10_000 }, async () => {
  const queue = new KeyedQueue();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const task = (name: string, fail = false) => async () => {
    running++;
    most = Math.max(most, running);
    log.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`end ${name}`);
    running--;
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([queue.run('r', task('a')), queue.run('r', task('b', true)), queue.run('r', task('c'))]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(most, 1);
  // Different keys overlap.
  most = 0;
  await Promise.all([queue.run('x', task('x')), queue.run('y', task('y'))]);
  assert.equal(most, 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(queue.busyKeys, 0, 'idle keys are forgotten');
});
