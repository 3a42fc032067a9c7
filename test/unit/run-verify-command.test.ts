import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runVerify } from '../../src/run/verify-command.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('verify passes on exit 0 and fails otherwise; its output (stdout and stderr) is kept 0600 and its tail returned', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  const clock = new FakeClock();
  const env = { PATH: process.env['PATH'] ?? '' };
  const ok = await runVerify({ verify: { command: [process.execPath, '-e', 'console.log("fine")'], display: 'ok', timeoutMs: 60_000 }, cwd: dir, env, logPath: path.join(dir, 'v-1.log'), logFile: 'v-1.log', clock });
  assert.deepEqual(ok, { exitCode: 0, passed: true, logFile: 'v-1.log', tail: 'fine', problem: null });
  assert.equal(statSync(path.join(dir, 'v-1.log')).mode & 0o777, 0o600);
  const script = 'for (let i = 1; i <= 60; i++) console.log("line " + i); console.error("boom"); process.exit(2)';
  const bad = await runVerify({ verify: { command: ['/bin/sh', '-c', `"$0" -e '${script}'`, process.execPath], display: 'bad', timeoutMs: 60_000 }, cwd: dir, env, logPath: path.join(dir, 'v-2.log'), logFile: 'v-2.log', clock });
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.passed, false);
  assert.equal(bad.tail.split('\n').length, 40);
  assert.match(bad.tail, /line 60\nboom$/);
  assert.match(readFileSync(path.join(dir, 'v-2.log'), 'utf8'), /^line 1\n/);
  const missing = await runVerify({ verify: { command: ['/no/such/program'], display: 'missing', timeoutMs: 60_000 }, cwd: dir, env, logPath: path.join(dir, 'v-3.log'), logFile: 'v-3.log', clock });
  assert.equal(missing.passed, false);
  assert.match(missing.problem ?? '', /could not start/);
});

test('a verify that outlives its timeout is stopped with its whole process group', { timeout: 20_000 }, async (t) => {
  const dir = tempDir();
  const clock = new FakeClock();
  const pidFile = path.join(dir, 'grandchild.pid');
  // The shell starts a grandchild that ignores nothing and would run for a minute.
  const command = ['/bin/sh', '-c', `sleep 60 & echo $! > ${JSON.stringify(pidFile)}; wait`];
  const running = runVerify({ verify: { command, display: 'slow', timeoutMs: 5000 }, cwd: dir, env: { PATH: process.env['PATH'] ?? '' }, logPath: path.join(dir, 'v.log'), logFile: 'v.log', clock });
  const grandchild = await waitFor('the grandchild pid', () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      return pid > 0 ? pid : null;
    } catch {
      return null;
    }
  });
  t.after(() => {
    if (alive(grandchild)) process.kill(grandchild, 'SIGKILL');
  });
  clock.advance(5000);
  const outcome = await running;
  assert.equal(outcome.passed, false);
  assert.match(outcome.problem ?? '', /timed out after 5s/);
  await waitFor('the grandchild to be gone', () => !alive(grandchild));
});
