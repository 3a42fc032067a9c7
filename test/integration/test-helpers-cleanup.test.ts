import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, repoRoot } from '../helpers/paths.js';
import { killTree } from '../helpers/kill-tree.js';
import { within } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it no longer runs.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// A test that times out while the codex-run it started is still running a job that ignores
// SIGINT, SIGTERM and SIGHUP: the helper must kill the CLI and the job, so the test file ends.
test('a test that times out does not hang the suite: startCli kills the CLI and its jobs', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'job.pid');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\njobs:\n  stubborn:\n    agent: command\n    command: [node, ${fixture('stubborn-pid.js')}, ${pidFile}]\n`);
  const helper = pathToFileURL(path.join(repoRoot, 'dist', 'test', 'helpers', 'run-cli.js')).href;
  const inner = path.join(dir, 'inner.test.mjs');
  writeFileSync(
    inner,
    `import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { startCli } from ${JSON.stringify(helper)};
test('times out with a run going', { timeout: 15000 }, async () => {
  const { result } = startCli(['jobs.yaml', '--grace', '60s'], { cwd: ${JSON.stringify(dir)} });
  await result;
});
`,
  );
  // Without NODE_TEST_CONTEXT the inner `node --test` runs its file instead of reporting to this one.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const runner = spawn(process.execPath, ['--test', inner], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  t.after(() => {
    if (runner.pid !== undefined) killTree(runner.pid);
  });
  let output = '';
  runner.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  runner.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => runner.on('close', (code) => resolve(code)));
  const pid = await waitFor('the job to write its pid', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || null : null), 15_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output}`);
  });
  const code = await within(exited, 60_000, () => `the inner test file hung after its test timed out:\n${output}`);
  assert.equal(code, 1, output);
  assert.match(output, /timed out after 15000ms/, output);
  await waitFor(`the job (pid ${pid}) to be gone`, () => !alive(pid), 10_000);
});

test('killTree kills a process, its descendants and their process groups', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'pids.txt');
  // sh starts two stubborn children in the background, one in a new session (setsid).
  const script = `node ${fixture('stubborn-pid.js')} ${pidFile}.a & setsid node ${fixture('stubborn-pid.js')} ${pidFile}.b & wait`;
  const root = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  t.after(() => {
    for (const suffix of ['a', 'b']) {
      const pid = Number(existsSync(`${pidFile}.${suffix}`) ? readFileSync(`${pidFile}.${suffix}`, 'utf8') : 0);
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  const pids = await waitFor(
    'both children to write their pids',
    () => {
      const read = ['a', 'b'].map((suffix) => (existsSync(`${pidFile}.${suffix}`) ? Number(readFileSync(`${pidFile}.${suffix}`, 'utf8')) : 0));
      return read.every((pid) => pid > 0) ? read : null;
    },
    30_000,
  );
  assert.ok(pids.every((pid) => pid > 0 && alive(pid)));
  killTree(root.pid!);
  await waitFor('the tree to be gone', () => [root.pid!, ...pids].every((pid) => !alive(pid)), 10_000);
});
