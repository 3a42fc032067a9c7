// The pump spawner (issue 16, fast exits): one `codex-run-pump --spawner` process forks the
// per-job pumps, so the runner does not fork per job. Real spawner, real pumps, real PTYs,
// real files and signals.
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultPumpBinary, probePump } from '../../src/session/pty-backend.js';
import { createPumpFactory } from '../../src/session/pump-host.js';
import { PumpSpawner, sweepStaleFolders } from '../../src/session/pump-spawner.js';
import { isAlive } from '../../src/session/process-tree.js';
import type { PtyExit, PtyProcess } from '../../src/session/pty.js';
import { killTree } from '../helpers/kill-tree.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const binary = defaultPumpBinary();

function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function startSpawner(t: { after(fn: () => void): void }): PumpSpawner {
  assert.equal(probePump(binary), null, 'the native pump is built');
  const spawner = PumpSpawner.start(binary);
  assert.ok(spawner !== null);
  t.after(() => {
    const pid = spawner.pid;
    spawner.close();
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return spawner;
}

/** Runs `pty` to its end: its output and exit. */
function collect(pty: PtyProcess): Promise<{ out: Buffer; exit: PtyExit }> {
  const chunks: Buffer[] = [];
  pty.onData((chunk) => chunks.push(Buffer.from(chunk)));
  return new Promise((resolve) => pty.onExit((exit) => resolve({ out: Buffer.concat(chunks), exit })));
}

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

test('pumps started by the spawner: 100 jobs, 25 at a time, byte-exact output and exit codes; the runner forks none of them', { timeout: 60_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  let next = 0;
  const problems: string[] = [];
  const parents = new Set<number>();
  const worker = async (): Promise<void> => {
    while (next < 100) {
      const i = next++;
      const payload = `job ${i} `.repeat(1 + ((i * 97) % 3000)).trimEnd(); // no newline: the terminal does not change it
      const file = path.join(dir, `p${i}.txt`);
      fs.writeFileSync(file, payload);
      // The job prints its payload, then its pump's parent (the pump's comm has no space: field 4 is its ppid).
      const script = 'cat "$0"; echo; echo "grandparent $(cut -d " " -f 4 /proc/$PPID/stat)"; exit $(( $1 % 7 ))';
      const pty = factory({ file: 'sh', args: ['-c', script, file, String(i)], cwd: dir, env, cols: 80, rows: 24 });
      const { out, exit } = await collect(pty);
      const text = out.toString('latin1');
      const tail = /\r\ngrandparent (\d+)\r\n$/.exec(text);
      if (tail === null) problems.push(`job ${i}: no grandparent line at the end`);
      else parents.add(Number(tail[1]));
      const body = tail === null ? text : text.slice(0, tail.index);
      if (body !== payload) problems.push(`job ${i}: ${body.length} bytes, expected ${payload.length}`);
      if (exit.exitCode !== i % 7) problems.push(`job ${i}: exit ${exit.exitCode}, expected ${i % 7}`);
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  assert.deepEqual(problems, []);
  // Every pump is the spawner's child, none this process's.
  assert.deepEqual([...parents], [spawner.pid]);
  // The spawner carries none of the runner's environment (tokens, keys).
  assert.equal(fs.readFileSync(`/proc/${spawner.pid}/environ`, 'latin1'), '');
});

test('a pump started by the spawner writes the lent log and transcript through its own open file, appending', { timeout: 30_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const logFile = path.join(dir, 'job.log');
  const txtFile = path.join(dir, 'job.txt');
  // As the runner opens them: O_APPEND (src/logs/secure-file.ts), something already written.
  const logFd = fs.openSync(logFile, 'ax', 0o600);
  const txtFd = fs.openSync(txtFile, 'ax', 0o600);
  t.after(() => {
    fs.closeSync(logFd);
    fs.closeSync(txtFd);
  });
  fs.writeSync(logFd, 'before\r\n');
  fs.writeSync(txtFd, 'before\n');
  const pty = factory({ file: 'printf', args: ['one\\ntwo\\n'], cwd: dir, env, cols: 80, rows: 24, logFd, transcriptFd: txtFd });
  assert.equal(pty.writesLog, true);
  assert.equal(pty.writesTranscript, true);
  const { exit } = await collect(pty);
  assert.equal(exit.exitCode, 0);
  assert.equal(pty.logError?.() ?? null, null);
  // The runner writes on after the pump, through its own descriptor: it lands at the end.
  fs.writeSync(logFd, 'after\r\n');
  fs.writeSync(txtFd, 'after\n');
  assert.equal(fs.readFileSync(logFile, 'latin1'), 'before\r\none\r\ntwo\r\nafter\r\n');
  assert.equal(fs.readFileSync(txtFile, 'utf8'), 'before\none\ntwo\nafter\n');
});

test('a pump started bounded sends only the screen budget and the tail of a flood from its first byte', { timeout: 30_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const logFd = fs.openSync(path.join(dir, 'job.log'), 'ax', 0o600);
  const txtFd = fs.openSync(path.join(dir, 'job.txt'), 'ax', 0o600);
  t.after(() => {
    fs.closeSync(logFd);
    fs.closeSync(txtFd);
  });
  const flood = path.join(dir, 'flood.txt');
  fs.writeFileSync(flood, `${'x'.repeat(79)}\n`.repeat(16 * 1024)); // 1.25 MiB
  // No setBounded call at all: the mode is given at the start.
  const pty = factory({ file: 'cat', args: [flood], cwd: dir, env, cols: 80, rows: 24, logFd, transcriptFd: txtFd, bounded: true });
  let skipped = 0;
  pty.onGap?.((n) => (skipped += n));
  const started = performance.now();
  const { out, exit } = await collect(pty);
  const elapsedMs = performance.now() - started;
  assert.equal(exit.exitCode, 0);
  assert.equal(fs.fstatSync(logFd).size, 16 * 1024 * 81, 'every byte is in the log');
  assert.ok(skipped > 0, 'output was skipped');
  assert.equal(out.length + skipped, 16 * 1024 * 81, 'what came plus what was skipped is everything');
  // The burst, then at most a 16 KiB tail per 100 ms tick, or per 10 ms where the flood stutters
  // (a loaded machine: 79,957 bytes once); never the flood itself.
  const bound = 16 * 1024 * (2 + Math.ceil(elapsedMs / 10));
  assert.ok(out.length <= Math.min(bound, (16 * 1024 * 81) / 2), `at most the burst and the tails came to Node (${out.length} bytes in ${Math.round(elapsedMs)} ms)`);
});

test('a spawner killed while a job runs: the job ends normally, and later pumps are forked here instead', { timeout: 30_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const pty = factory({ file: 'sh', args: ['-c', 'read line; echo "got $line"; exit 3'], cwd: dir, env, cols: 80, rows: 24 });
  const result = collect(pty);
  assert.equal(await pty.started, null);
  t.after(() => killTree(pty.pid));
  process.kill(spawner.pid!, 'SIGKILL');
  await waitFor('the spawner is seen gone', () => !spawner.ready(), 10_000);
  pty.write('hello\r');
  const { out, exit } = await result;
  assert.match(out.toString('utf8'), /got hello/);
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.hostLost, undefined);
  // It waits for a line, so its parents can be read while it runs.
  const later = factory({ file: 'sh', args: ['-c', 'read line; exit 5'], cwd: dir, env, cols: 80, rows: 24 });
  const second = collect(later);
  t.after(() => killTree(later.pid));
  assert.equal(parentOf(parentOf(later.pid)), process.pid, 'forked here');
  later.write('go\r');
  assert.equal((await second).exit.exitCode, 5);
});

test("the spawner's socket is private, and a connection that does not know a request's token is dropped", { timeout: 30_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  assert.equal(fs.statSync(spawner.socketFolder).mode & 0o777, 0o700);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const pty = factory({ file: 'sh', args: ['-c', 'read line; echo "got $line"'], cwd: dir, env, cols: 80, rows: 24 });
  const result = collect(pty);
  assert.equal(await pty.started, null);
  t.after(() => killTree(pty.pid));
  // A stranger guesses: the right length, a wrong secret, request 1, as the control channel.
  const stranger = net.connect(path.join(spawner.socketFolder, 's'));
  t.after(() => stranger.destroy());
  const closed = new Promise<void>((resolve) => stranger.on('close', () => resolve()));
  stranger.on('error', () => undefined);
  const hello = Buffer.alloc(17);
  hello.writeUInt32BE(1, 12);
  hello.write('0', 16, 'latin1');
  stranger.write(hello);
  await closed;
  pty.write('still mine\r');
  const { out, exit } = await result;
  assert.match(out.toString('utf8'), /got still mine/);
  assert.equal(exit.exitCode, 0);
});

test('a runner killed with SIGKILL leaves no spawner, pump or job behind', { timeout: 30_000 }, async (t) => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'pids');
  const script = `
    import { createPumpFactory } from ${JSON.stringify(new URL('../../src/session/pump-host.js', import.meta.url).href)};
    import fs from 'node:fs';
    const factory = createPumpFactory({ binary: ${JSON.stringify(binary)}, spawner: true });
    const wait = () => new Promise((r) => setTimeout(r, 20));
    const { sharedSpawner } = await import(${JSON.stringify(new URL('../../src/session/pump-spawner.js', import.meta.url).href)});
    const spawner = sharedSpawner(${JSON.stringify(binary)});
    while (!spawner.ready()) await wait();
    const pty = factory({ file: 'sleep', args: ['300'], cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH }, cols: 80, rows: 24 });
    await pty.started;
    const pump = Number(fs.readFileSync('/proc/' + pty.pid + '/stat', 'utf8').split(') ')[1].split(' ')[1]);
    fs.writeFileSync(${JSON.stringify(pidFile)}, [spawner.pid, pump, pty.pid, spawner.socketFolder].join(' '));
    setInterval(() => undefined, 1000);
  `;
  const runner = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  let pids: number[] = [];
  t.after(() => {
    if (runner.exitCode === null) runner.kill('SIGKILL');
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  await waitFor('the runner started a job', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').split(' ').length === 4, 15_000);
  const written = fs.readFileSync(pidFile, 'utf8').split(' ');
  pids = written.slice(0, 3).map(Number);
  const folder = written[3]!;
  assert.ok(fs.existsSync(folder));
  assert.ok(pids.every((pid) => isAlive(pid)));
  runner.kill('SIGKILL');
  await waitFor('the spawner, the pump and the job are gone', () => pids.every((pid) => !isAlive(pid)), 10_000);
  await waitFor("the spawner's socket folder is gone", () => !fs.existsSync(folder), 10_000);
});

test('a runner that ends normally leaves no socket folder of its spawner', { timeout: 30_000 }, async () => {
  const script = `
    const { sharedSpawner } = await import(${JSON.stringify(new URL('../../src/session/pump-spawner.js', import.meta.url).href)});
    const spawner = sharedSpawner(${JSON.stringify(binary)});
    while (!spawner.ready()) await new Promise((r) => setTimeout(r, 20));
    console.log(spawner.socketFolder);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  const folder = out.trim();
  assert.match(folder, /codex-run-spawner-/);
  assert.equal(fs.existsSync(folder), false);
});

// Runs `count` jobs through `factory`, each appending its number to `ranFile` once and printing
// it; resolves with the outputs and exits once all ended.
async function runMarkedJobs(factory: ReturnType<typeof createPumpFactory>, dir: string, count: number, afterStart: () => void) {
  const ranFile = path.join(dir, 'ran');
  const ptys = Array.from({ length: count }, (_, i) =>
    factory({ file: 'sh', args: ['-c', 'echo "$0" >> "$1"; echo "job $0 ran"', String(i), ranFile], cwd: dir, env, cols: 80, rows: 24 }),
  );
  afterStart();
  const results = await Promise.all(ptys.map((pty) => collect(pty)));
  const ran = fs.existsSync(ranFile) ? fs.readFileSync(ranFile, 'utf8').trim().split('\n').map(Number) : [];
  return { results, ran };
}

test('a spawner killed with requests in flight: every job still runs exactly once, forked there or here', { timeout: 60_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const { results, ran } = await runMarkedJobs(factory, dir, 60, () => process.kill(spawner.pid!, 'SIGKILL'));
  results.forEach(({ out, exit }, i) => {
    assert.equal(exit.exitCode, 0, `job ${i}: ${out.toString('utf8')}`);
    assert.match(out.toString('utf8'), new RegExp(`job ${i} ran`));
  });
  assert.deepEqual([...ran].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i), 'each job ran once');
});

test('a stopped spawner is taken for hung: it is killed and the waiting jobs run anyway, each once', { timeout: 60_000 }, async (t) => {
  const spawner = startSpawner(t);
  await waitFor('the spawner is ready', () => spawner.ready(), 10_000);
  const factory = createPumpFactory({ binary, spawner });
  const dir = tempDir();
  const pid = spawner.pid!;
  process.kill(pid, 'SIGSTOP');
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  const { results, ran } = await runMarkedJobs(factory, dir, 10, () => undefined);
  for (const { exit } of results) assert.equal(exit.exitCode, 0);
  assert.deepEqual([...ran].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i), 'each job ran once');
  assert.equal(spawner.ready(), false);
  await waitFor('the stopped spawner was killed', () => !isAlive(pid), 10_000);
});

test("socket folders of spawners gone without cleaning up are removed; a live one, a young one and others' files are kept", { timeout: 30_000 }, async (t) => {
  const tmp = os.tmpdir();
  const stale = fs.mkdtempSync(path.join(tmp, 'codex-run-spawner-'));
  const live = fs.mkdtempSync(path.join(tmp, 'codex-run-spawner-'));
  const young = fs.mkdtempSync(path.join(tmp, 'codex-run-spawner-'));
  const unrelated = fs.mkdtempSync(path.join(tmp, 'codex-run-spawnerish-'));
  t.after(() => {
    for (const dir of [stale, live, young, unrelated]) fs.rmSync(dir, { recursive: true, force: true });
  });
  // A socket whose listener died without closing it (SIGKILL), and one that still listens.
  const dead = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path.join(stale, 's'))}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' });
  await new Promise((resolve) => dead.once('exit', resolve));
  assert.ok(fs.existsSync(path.join(stale, 's')), 'the killed listener left its socket');
  const server = net.createServer().listen(path.join(live, 's'));
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const old = new Date(Date.now() - 5 * 60_000);
  for (const dir of [stale, live, unrelated]) fs.utimesSync(dir, old, old);
  await sweepStaleFolders(null);
  assert.equal(fs.existsSync(stale), false, 'the stale folder is removed');
  assert.ok(fs.existsSync(live), 'a folder whose socket answers is kept');
  assert.ok(fs.existsSync(young), 'a folder younger than a minute is kept');
  assert.ok(fs.existsSync(unrelated), 'other names are not touched');
});
