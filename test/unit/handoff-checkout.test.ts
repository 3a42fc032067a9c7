import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { applyCheckout, checkCheckout } from '../../src/handoff/apply-to-checkout.js';
import { JobWorkspace } from '../../src/workspace/job-workspace.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { tempDir } from '../helpers/temp-dir.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// A repository with a job folder `app/`, a text file, a binary file and one to delete.
function repository(dir: string): { repo: string; base: string } {
  const repo = path.join(dir, 'origin');
  mkdirSync(path.join(repo, 'app'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'app', 'main.txt'), 'one\ntwo\n');
  writeFileSync(path.join(repo, 'app', 'logo.bin'), Buffer.from([0, 1, 2, 3, 255]));
  writeFileSync(path.join(repo, 'app', 'old.txt'), 'bye\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, base: git(repo, 'rev-parse', 'HEAD') };
}

test("a job's work tree travels as a patch: edits, a binary change, a deletion and an untracked file, applied to a clean clone at its base", { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const { repo, base } = repository(dir);
  const runDir = path.join(dir, 'run');
  mkdirSync(runDir, { mode: 0o700 });
  const job = { name: 'fix', workdir: path.join(repo, 'app'), workspace: null } as unknown as JobSpec;
  const workspace = new JobWorkspace({ job, runId: 'r', runDir, runStartedAt: 0, fileBase: 'fix', exclude: [runDir] });
  assert.ok((await workspace.prepare()).ok);
  // What the agent did: an edit, a binary change, a deletion, a new untracked file, and a commit.
  writeFileSync(path.join(repo, 'app', 'main.txt'), 'one\nTWO\n');
  git(repo, 'commit', '-qam', 'agent commit');
  writeFileSync(path.join(repo, 'app', 'logo.bin'), Buffer.from([0, 1, 2, 3, 254, 0]));
  git(repo, 'rm', '-q', 'app/old.txt');
  writeFileSync(path.join(repo, 'app', 'new.txt'), 'fresh\n');
  const patch = path.join(runDir, 'workdir.patch');
  const exported = await workspace.exportPatch(patch);
  assert.deepEqual(exported, { ok: true, value: { base, relative: 'app' } });
  await workspace.finish(null);

  const clone = path.join(dir, 'clone');
  git(dir, 'clone', '-q', repo, clone);
  git(clone, 'checkout', '-q', base);
  const state = { base, relative: 'app', patch: 'workdir.patch', path: job.workdir };
  // Not the job's folder of the repository: refused with the folder to pass.
  const top = await checkCheckout(runDir, state, clone);
  assert.ok(!top.ok);
  assert.match(top.error, /is the top of the repository in .*, but the job worked in app: pass --workdir .*clone\/app/);
  // Not a repository at all.
  const plain = path.join(dir, 'plain');
  mkdirSync(plain);
  const none = await checkCheckout(runDir, state, plain);
  assert.ok(!none.ok);
  assert.match(none.error, /is not in a git repository .* at commit [0-9a-f]{40}: clone it/);
  // A commit this clone does not have.
  const unknown = await checkCheckout(runDir, { ...state, base: 'f'.repeat(40) }, path.join(clone, 'app'));
  assert.ok(!unknown.ok);
  assert.match(unknown.error, /that commit is not in this repository \(git fetch/);

  const checked = await checkCheckout(runDir, state, path.join(clone, 'app'));
  assert.ok(checked.ok, JSON.stringify(checked));
  assert.ok((await applyCheckout(checked.value)).ok);
  assert.equal(readFileSync(path.join(clone, 'app', 'main.txt'), 'utf8'), 'one\nTWO\n');
  assert.deepEqual([...readFileSync(path.join(clone, 'app', 'logo.bin'))], [0, 1, 2, 3, 254, 0]);
  assert.equal(existsSync(path.join(clone, 'app', 'old.txt')), false);
  assert.equal(readFileSync(path.join(clone, 'app', 'new.txt'), 'utf8'), 'fresh\n');
  // The clone's HEAD and index are untouched: the changes are in the work tree only.
  assert.equal(git(clone, 'rev-parse', 'HEAD'), base);
  assert.equal(git(clone, 'diff', '--cached', '--name-only'), '');
});
