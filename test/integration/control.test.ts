import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object,
);

interface PsJob {
  name: string;
  status: string;
  state: string;
  label: string;
  question: { text: string; options: Array<{ label: string; keys: string[] }> } | null;
  pid: number | null;
}
interface PsRun {
  runId: string;
  runDir: string;
  state: string;
  status: string;
  pid: number | null;
  jobs: PsJob[];
}
interface ReportJob {
  name: string;
  status: string;
  reason: string | null;
  interventions: Array<{ kind: string; by?: string; sent?: string | null }>;
}

const yn = fixture('agent-yn-prompt.js');

function manifest(dir: string, jobs: string[]): void {
  const body = jobs.map((name) => `  ${name}:\n    command: [node, ${yn}]\n`).join('');
  writeFileSync(path.join(dir, 'jobs.yaml'), `version: 1\ndefaults:\n  agent: command\n  enterDelay: 100ms\njobs:\n${body}`);
}

async function cli(dir: string, args: string[], deadlineMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { cwd: dir, deadlineMs });
}

async function ps(dir: string, all = false): Promise<PsRun[]> {
  const r = await cli(dir, ['ps', '--json', ...(all ? ['--all'] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { runs: PsRun[] }).runs;
}

function report(runDir: string): { status: string; jobs: ReportJob[] } {
  const value = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { status: string; jobs: ReportJob[] };
  assert.ok(validateReport(value), JSON.stringify(validateReport.errors, null, 2));
  return value;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a manifest in the background with `codex-run start`; returns the run and the runner's pid. */
async function startDetached(dir: string): Promise<{ runId: string; runDir: string; pid: number }> {
  const r = await cli(dir, ['start', 'jobs.yaml', '--grace', '1s', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { runId: string; runDir: string; pid: number };
}

/** Ends a background runner this test started, and the jobs it may have left behind. */
function cleanUp(pids: Array<number | null | undefined>): void {
  for (const pid of pids) {
    if (pid == null) continue;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function waitingJob(dir: string, name: string): Promise<{ run: PsRun; job: PsJob }> {
  return waitFor(`job ${name} waiting for input in ps --json`, async () => {
    for (const run of await ps(dir)) {
      const job = run.jobs.find((j) => j.name === name && j.state === 'waiting-for-input' && j.question !== null);
      if (job !== undefined) return { run, job };
    }
    return null;
  }, 20_000, 200);
}

test('start runs in the background; ps --json shows the question; screen shows it; send answers it; logs -f ends with the job', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  manifest(dir, ['ask']);
  const started = await startDetached(dir);
  const pids: Array<number | null> = [started.pid];
  t.after(() => cleanUp(pids));
  assert.ok(existsSync(started.runDir), 'the run folder exists when start returns');
  assert.ok(alive(started.pid), 'the runner runs on after start exited');

  const { run, job } = await waitingJob(dir, 'ask');
  pids.push(job.pid);
  assert.equal(run.runId, started.runId);
  assert.equal(run.state, 'live');
  assert.equal(job.question?.text, 'Apply changes (1/1)? [y/n]');
  assert.deepEqual(job.question?.options.map((o) => o.label), ['Yes', 'No']);
  assert.ok(job.pid !== null && alive(job.pid), 'ps gives the live job pid');

  const human = await cli(dir, ['ps']);
  assert.match(human.stdout, /ask\s+waiting for input: Apply changes \(1\/1\)\? \[y\/n\]/);

  const screen = await cli(dir, ['screen', 'ask', '--json']);
  assert.equal(screen.code, 0, screen.stderr);
  const shown = JSON.parse(screen.stdout) as { lines: string[]; state: string; question: { text: string } | null };
  assert.equal(shown.lines[0]?.trimEnd(), 'Apply changes (1/1)? [y/n]', 'the screen is what the job printed');
  assert.equal(shown.state, 'waiting-for-input');
  const screenText = await cli(dir, ['screen', `${started.runId}/ask`]);
  assert.match(screenText.stdout, /^Apply changes \(1\/1\)\? \[y\/n\]\n── ask: waiting for input: Apply changes/);

  // logs -f follows from before the answer to the job's end.
  const follow = startCli(['logs', '-f', 'ask'], { cwd: dir });
  t.after(() => {
    if (follow.child.exitCode === null) follow.child.kill('SIGKILL');
  });
  const sent = await cli(dir, ['send', 'ask', 'y']);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /sent y\\r to ask/);

  const followed = await Promise.race([
    follow.result,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`logs -f did not end:\n${follow.stdout()}`)), 30_000)),
  ]);
  assert.equal(followed.code, 0, followed.stderr);
  assert.match(followed.stdout, /answer 1: "y\\r"\ndone\n/);

  await waitFor('the background run to finish', () => report(started.runDir).status !== 'running' && !alive(started.pid), 20_000, 100);
  const final = report(started.runDir);
  assert.equal(final.status, 'succeeded');
  const input = final.jobs[0]?.interventions.find((i) => i.kind === 'input');
  assert.deepEqual({ by: input?.by, sent: input?.sent }, { by: 'user', sent: 'y\\r' }, 'the send is recorded as the user\'s intervention');
  const events = readFileSync(path.join(started.runDir, 'events.jsonl'), 'utf8');
  assert.match(events, /"kind":"input"[^\n]*"by":"user"/);
  assert.ok(!existsSync(path.join(started.runDir, 'control.sock')), 'the socket is removed when the run ends');
  assert.ok(!existsSync(path.join(started.runDir, 'live.json')), 'the registry entry is removed when the run ends');
  assert.deepEqual(await ps(dir), [], 'a finished run is not listed without --all');
  const all = await ps(dir, true);
  assert.equal(all[0]?.state, 'finished');
});

test('kill stops one job of three through its ladder, recorded as killed by the user; the others go on', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  manifest(dir, ['a', 'b', 'c']);
  const run = startCli(['jobs.yaml', '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  for (const name of ['a', 'b', 'c']) await waitingJob(dir, name);
  const killed = await cli(dir, ['kill', 'b', '--by', 'night-shift']);
  assert.equal(killed.code, 0, killed.stderr);
  await waitFor('b to be finished and a, c still waiting', async () => {
    const [live] = await ps(dir);
    const state = (name: string): string | undefined => live?.jobs.find((j) => j.name === name)?.state;
    return state('b') === 'finished' && state('a') === 'waiting-for-input' && state('c') === 'waiting-for-input';
  }, 20_000, 200);
  assert.equal((await cli(dir, ['kill', 'b'])).code, 1, 'a finished job cannot be killed again');
  for (const name of ['a', 'c']) assert.equal((await cli(dir, ['send', name, '--key', 'y'])).code, 0);
  for (const name of ['a', 'c']) assert.equal((await cli(dir, ['send', name, '--keys', 'enter'])).code, 0);
  const result = await run.result;
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const runsRoot = path.join(dir, '.codex-run', 'runs');
  const [runId] = readdirSync(runsRoot);
  const jobs = new Map(report(path.join(runsRoot, runId!)).jobs.map((j) => [j.name, j]));
  assert.deepEqual([jobs.get('a')?.status, jobs.get('b')?.status, jobs.get('c')?.status], ['succeeded', 'killed', 'succeeded']);
  assert.equal(jobs.get('b')?.reason, 'killed-by-user');
  assert.deepEqual(jobs.get('b')?.interventions.map((i) => [i.kind, i.by]), [['kill', 'night-shift']]);
  assert.deepEqual(jobs.get('a')?.interventions.map((i) => [i.kind, i.sent]), [['input', 'y'], ['input', '\\r']]);
});

test('a detached run survives SIGHUP to its starter\'s session and to itself; stop ends it like Ctrl-C', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  manifest(dir, ['ask']);
  const out = path.join(dir, 'start.out');
  // The starter runs in a session of its own (as a terminal's shell would), which then hangs up.
  const shell = spawn('sh', ['-c', `"${process.execPath}" "${path.join(repoRoot, 'bin', 'codex-run.js')}" start jobs.yaml --json > "${out}"; sleep 60`], {
    cwd: dir,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  const pids: Array<number | null | undefined> = [];
  t.after(() => {
    try {
      process.kill(-shell.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    cleanUp(pids);
  });
  const started = await waitFor('start to print the run', () => {
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    return text.endsWith('\n') ? (JSON.parse(text) as { runId: string; runDir: string; pid: number }) : null;
  }, 20_000, 100);
  pids.push(started.pid);
  const { job } = await waitingJob(dir, 'ask');
  pids.push(job.pid);
  process.kill(-shell.pid!, 'SIGHUP');
  process.kill(started.pid, 'SIGHUP');
  await waitFor('the starter\'s session to be gone', () => !alive(shell.pid!), 10_000, 50);
  const again = await waitingJob(dir, 'ask');
  assert.equal(again.run.runId, started.runId);
  assert.ok(alive(started.pid), 'the runner survived SIGHUP');
  const stopped = await cli(dir, ['stop', 'latest']);
  assert.equal(stopped.code, 0, stopped.stderr);
  await waitFor('the run to end', () => !alive(started.pid), 20_000, 100);
  const final = report(started.runDir);
  assert.equal(final.status, 'interrupted');
  assert.deepEqual(final.jobs[0]?.interventions.map((i) => [i.kind, i.by]), [['stop', 'user']]);
});

test('the socket is 0600 in a 0700 run folder, and another user cannot connect', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  // An open runs root (as `--out /tmp/shared` could be): the run folder's own mode must keep others out.
  chmodSync(dir, 0o755);
  const runsRoot = path.join(dir, 'runs');
  mkdirSync(runsRoot, { mode: 0o755 });
  chmodSync(runsRoot, 0o755);
  manifest(dir, ['ask']);
  const run = startCli(['jobs.yaml', '--out', runsRoot, '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  const live = await waitFor('the live entry', () => {
    const [runId] = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
    const file = runId === undefined ? '' : path.join(runsRoot, runId, 'live.json');
    return file !== '' && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { runDir: string; socket: string }) : null;
  }, 20_000, 50);
  assert.equal(path.dirname(live.socket), live.runDir, 'the socket is inside the run folder');
  assert.equal(statSync(live.runDir).mode & 0o777, 0o700);
  assert.equal(statSync(live.socket).mode & 0o777, 0o600);
  assert.ok(statSync(live.socket).isSocket());
  assert.equal(statSync(path.join(live.runDir, 'live.json')).mode & 0o777, 0o600);

  if (process.getuid?.() === 0) {
    // As nobody: connecting must be refused by the file system, not merely unanswered.
    const probe = `const s = require('node:net').createConnection(${JSON.stringify(live.socket)});
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const other = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(other.stdout.trim(), 'EACCES', other.stderr);
  }
  const stopped = await cli(dir, ['stop', 'latest', '--out', runsRoot]);
  assert.equal(stopped.code, 0, stopped.stderr);
  await run.result;
});

test('a SIGKILLed runner leaves its socket behind; ps says dead at once, and a hung runner does not hang ps', { timeout: 90_000 }, async (t) => {
  const dir = tempDir();
  manifest(dir, ['ask']);
  const started = await startDetached(dir);
  const pids: Array<number | null> = [started.pid];
  t.after(() => cleanUp(pids));
  const { job } = await waitingJob(dir, 'ask');
  pids.push(job.pid);

  // Stopped (alive, same process, but not answering): ps gives up on it after its bound.
  process.kill(started.pid, 'SIGSTOP');
  const hung = await ps(dir);
  assert.equal(hung[0]?.state, 'unreachable');
  process.kill(started.pid, 'SIGCONT');

  process.kill(started.pid, 'SIGKILL');
  await waitFor('the runner to be gone', () => !alive(started.pid), 10_000, 50);
  assert.ok(existsSync(path.join(started.runDir, 'control.sock')), 'the dead runner left its socket file');
  const runs = await ps(dir);
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.state, 'dead');
  assert.equal(runs[0]?.jobs[0]?.state, 'dead');
  assert.ok(!existsSync(path.join(started.runDir, 'live.json')), 'ps cleaned the stale entry');
  assert.ok(!existsSync(path.join(started.runDir, 'control.sock')), 'ps removed the stale socket');
  const all = await ps(dir, true);
  assert.equal(all[0]?.state, 'dead', 'ps --all still says the unfinished run is dead');
  const screen = await cli(dir, ['screen', 'ask']);
  assert.equal(screen.code, 1);
  assert.match(screen.stderr, /is not running/);
});

test('bad input: unknown job or run exits 2 with a clear message; send needs text or keys', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  manifest(dir, ['ask']);
  const none = await cli(dir, ['screen', 'ask']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^codex-run: error: no runs in /);
  const send = await cli(dir, ['send', 'ask']);
  assert.equal(send.code, 2);
  assert.match(send.stderr, /send needs TEXT or --keys\/--key/);
});

test('a run folder too deep for a socket address gets its socket in a private per-user folder, and works the same', { timeout: 60_000 }, async (t) => {
  const dir = tempDir();
  const deep = path.join(dir, 'x'.repeat(60), 'y'.repeat(40));
  manifest(dir, ['ask']);
  const run = startCli(['jobs.yaml', '--out', deep, '--grace', '1s'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  const live = await waitFor('the live entry', () => {
    const [runId] = existsSync(deep) ? readdirSync(deep) : [];
    const file = runId === undefined ? '' : path.join(deep, runId, 'live.json');
    return file !== '' && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { runId: string; socket: string }) : null;
  }, 20_000, 50);
  assert.ok(!live.socket.startsWith(deep), `the socket is not in the deep run folder: ${live.socket}`);
  assert.equal(path.basename(live.socket), `${live.runId}.sock`);
  assert.equal(statSync(path.dirname(live.socket)).mode & 0o777, 0o700);
  assert.equal(statSync(live.socket).mode & 0o777, 0o600);
  await waitFor('ask to wait for input', async () => {
    const r = await cli(dir, ['ps', '--json', '--out', deep]);
    return (JSON.parse(r.stdout) as { runs: PsRun[] }).runs[0]?.jobs[0]?.state === 'waiting-for-input';
  }, 20_000, 200);
  assert.equal((await cli(dir, ['send', 'ask', 'y', '--out', deep])).code, 0);
  assert.equal((await run.result).code, 0);
  assert.ok(!existsSync(live.socket), 'the socket is removed when the run ends');
});
