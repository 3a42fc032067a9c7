import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJobCgroup, launcherPath, openCgroup, CGROUPS_VARIABLE } from '../../src/session/cgroup.js';
import { isAlive } from '../../src/session/process-tree.js';
import { repoRoot } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const asRoot = process.getuid?.() === 0;

test('a job cgroup: the launcher joins it before exec, members are listed, kill empties it (also without cgroup.kill), remove deletes it', { timeout: 30_000 }, async (t) => {
  const made = createJobCgroup({});
  assert.ok(made.ok, `this machine (root, cgroup v2) allows job cgroups: ${made.ok ? '' : made.error}`);
  const group = made.value;
  t.after(() => {
    group.kill();
    group.remove();
  });
  assert.match(path.basename(group.path), new RegExp(`^codex-run\\.${process.pid}\\.[0-9a-f]+$`));
  const launcher = launcherPath();
  assert.ok(launcher !== null);
  // The launched program is the same process (exec) and starts inside the group; its children too.
  const child = spawn('/bin/sh', [launcher, group.path, '/bin/sh', '-c', 'sleep 300 & exec sleep 301'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const members = await waitFor('the child and its own child in the group', () => (group.members().length === 2 ? group.members() : null));
  assert.ok(members.includes(child.pid!));
  assert.match(fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`0::.*/${path.basename(group.path)}\\n`));

  // Without cgroup.kill (older kernels): SIGKILL to each listed member.
  const noKillFile = openCgroup(group.path, { useKillFile: false });
  noKillFile.kill();
  await exited;
  await waitFor('the group to be empty', () => group.members().length === 0);
  assert.equal(members.some(isAlive), false);
  assert.equal(group.remove(), null);
  assert.equal(fs.existsSync(group.path), false);
});

test(`${CGROUPS_VARIABLE}=off, or a user who may not create cgroups, gets no group and a reason (the caller falls back)`, { timeout: 30_000 }, () => {
  const off = createJobCgroup({ [CGROUPS_VARIABLE]: 'off' });
  assert.equal(off.ok, false);
  if (!asRoot) return;
  // As nobody, in a child process: the runner's cgroup is root's and not delegated.
  const module = pathToFileURL(path.join(repoRoot, 'dist', 'src', 'session', 'cgroup.js')).href;
  const script = `const { createJobCgroup } = await import(${JSON.stringify(module)}); const r = createJobCgroup({}); console.log(JSON.stringify(r.ok ? { ok: true, path: r.value.path } : r));`;
  const result = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/' });
  assert.equal(result.status, 0, result.stderr);
  const outcome = JSON.parse(result.stdout) as { ok: boolean; error?: string; path?: string };
  if (outcome.ok && outcome.path) fs.rmdirSync(outcome.path);
  assert.equal(outcome.ok, false, 'nobody cannot create a cgroup here');
  assert.match(outcome.error ?? '', /cannot create a cgroup under .*(EACCES|EPERM|permission denied|read-only)/i);
});

test('the native pump puts its child in the job cgroup before the exec (no launcher shell), and a group it cannot join ends the job with 126 and why', { timeout: 30_000 }, async (t) => {
  const { createPumpFactory } = await import('../../src/session/pump-host.js');
  const { defaultPumpBinary, probePump } = await import('../../src/session/pty-backend.js');
  assert.equal(probePump(defaultPumpBinary()), null, 'the native pump is built');
  const factory = createPumpFactory({ binary: defaultPumpBinary() });
  assert.equal(factory.joinsCgroup, true);
  const made = createJobCgroup({});
  assert.ok(made.ok, `this machine (root, cgroup v2) allows job cgroups: ${made.ok ? '' : made.error}`);
  const group = made.value;
  t.after(() => {
    group.kill();
    group.remove();
  });
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  const run = (cgroup: string): Promise<{ out: string; code: number }> => {
    const pty = factory({ file: 'sh', args: ['-c', 'cat /proc/self/cgroup; sleep 0.2 & cat /proc/$!/cgroup; wait'], cwd: '/', env, cols: 200, rows: 24, cgroup });
    let out = '';
    pty.onData((chunk) => (out += chunk.toString('utf8')));
    return new Promise((resolve) => pty.onExit((exit) => resolve({ out, code: exit.exitCode })));
  };
  const joined = await run(group.path);
  assert.equal(joined.code, 0, joined.out);
  const lines = joined.out.split(/\r?\n/).filter((l) => l.startsWith('0::'));
  assert.equal(lines.length, 2, joined.out);
  for (const line of lines) assert.ok(line.endsWith(`/${path.basename(group.path)}`), `the job and its child are in the group: ${line}`);
  const missing = await run(path.join(group.path, 'no-such-group'));
  assert.equal(missing.code, 126);
  assert.match(missing.out, /could not join the job's cgroup/);
});
