// Both PTY backends (node-pty in-process, and the native pump) against real terminals and
// real processes: byte-exact output over floods and fast exits, input, resize, signals, the
// exit ordering, and what the child gets (session, environment, descriptors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { nodePtyFactory, PtySpawnError } from '../../src/session/pty-host.js';
import { createPumpFactory } from '../../src/session/pump-host.js';
import { resultOf } from '../../src/session/job-session.js';
import { defaultPumpBinary, probePump } from '../../src/session/pty-backend.js';
import { findJobProcesses, isAlive, signalProcesses } from '../../src/session/process-tree.js';
import type { PtyExit, PtyFactory, PtyProcess, PtySpawnOptions } from '../../src/session/pty.js';
import { fixture } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const baseEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

function options(file: string, args: string[], overrides: Partial<PtySpawnOptions> = {}): PtySpawnOptions {
  return { file, args, cwd: os.tmpdir(), env: baseEnv, cols: 120, rows: 40, ...overrides };
}

const pumpBinary = defaultPumpBinary();
const backends: Array<[string, PtyFactory]> = [
  ['js', nodePtyFactory],
  ['native', createPumpFactory({ binary: pumpBinary })],
];

interface Finished {
  output: Buffer;
  exit: PtyExit;
}

/** Everything a job wrote and how it ended; fails if any chunk arrives after onExit. */
function collect(pty: PtyProcess): Promise<Finished> {
  const chunks: Buffer[] = [];
  let exited = false;
  pty.onData((chunk) => {
    assert.equal(exited, false, 'data arrived after onExit');
    chunks.push(chunk);
  });
  return new Promise((resolve) => {
    pty.onExit((exit) => {
      exited = true;
      resolve({ output: Buffer.concat(chunks), exit });
    });
  });
}

/** Kills what a test spawned (by pid) when it fails halfway. */
function killOnFailure(t: { after(fn: () => void): void }, pty: PtyProcess): void {
  t.after(() => {
    try {
      process.kill(pty.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
}

// Deterministic bytes per seed, without "\n" so the terminal passes them unchanged.
function payload(seed: number, size: number): Buffer {
  let state = seed >>> 0;
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const byte = (state >>> 16) & 0xff;
    bytes[i] = byte === 0x0a ? 0x0b : byte;
  }
  return bytes;
}

function firstDifference(actual: Buffer, expected: Buffer): string {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return `got ${actual.length} bytes, expected ${expected.length}; first difference at byte ${i}`;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-backends-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the native pump is built and answers its probe (scripts/build-pump.mjs ran at install)', { timeout: 10_000 }, () => {
  assert.equal(probePump(pumpBinary), null);
});

for (const [name, factory] of backends) {
  test(`${name}: 200 jobs that write 1-64 KB and exit at once lose no byte`, { timeout: 120_000 }, async (t) => {
    const dir = tempDir(t);
    const files = Array.from({ length: 200 }, (_, i) => {
      const bytes = payload(i + 7, 1024 + Math.floor((i * (65536 - 1024)) / 199));
      const file = path.join(dir, `payload-${i}`);
      fs.writeFileSync(file, bytes, { mode: 0o600 });
      return { file, bytes };
    });
    // 25 at a time: fast exits side by side, without swamping a loaded 2-core machine.
    let lost = 0;
    for (let start = 0; start < files.length; start += 25) {
      const batch = files.slice(start, start + 25);
      const results = await Promise.all(batch.map(({ file }) => collect(factory(options('/bin/cat', [file])))));
      results.forEach((result, i) => {
        const expected = batch[i]!.bytes;
        assert.equal(result.exit.exitCode, 0);
        if (!result.output.equals(expected)) {
          lost++;
          assert.fail(`job ${start + i}: ${firstDifference(result.output, expected)}`);
        }
      });
    }
    assert.equal(lost, 0);
  });

  test(`${name}: a 20 MB flood arrives byte-exact ("\\n" as "\\r\\n")`, { timeout: 120_000 }, async (t) => {
    const dir = tempDir(t);
    const line = Buffer.from('\x1b[32m+ const result = await runManifest(options); // é€😀\x1b[0m\n', 'utf8');
    const bytes = Buffer.alloc(20 * 1024 * 1024);
    for (let at = 0; at < bytes.length; at += line.length) line.copy(bytes, at);
    const file = path.join(dir, 'flood');
    fs.writeFileSync(file, bytes, { mode: 0o600 });
    const pty = factory(options('/bin/cat', [file]));
    killOnFailure(t, pty);
    const result = await collect(pty);
    const expected = Buffer.from(bytes.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
    assert.equal(result.exit.exitCode, 0);
    assert.ok(result.output.equals(expected), firstDifference(result.output, expected));
  });

  test(`${name}: no byte is lost when the child exits while the reader is paused`, { timeout: 60_000 }, async (t) => {
    const dir = tempDir(t);
    // More than one read, small enough for the kernel's buffer: the child exits while nothing is read.
    const bytes = payload(99, 8000);
    const file = path.join(dir, 'small');
    fs.writeFileSync(file, bytes, { mode: 0o600 });
    const pty = factory(options('/bin/cat', [file]));
    killOnFailure(t, pty);
    pty.pause();
    t.after(() => pty.resume()); // a failed test must not leave a paused pipe holding the process open
    let received = 0;
    const done = collect(pty);
    pty.onData((chunk) => (received += chunk.length));
    await waitFor('the child to exit', () => !isAlive(pty.pid));
    // Past the 200 ms drain deadline: it must not end the job while output waits.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received, 0, 'no data is delivered while paused');
    pty.resume();
    const result = await done;
    assert.ok(result.output.equals(bytes), firstDifference(result.output, bytes));
  });

  test(`${name}: exit code and signal are reported`, { timeout: 30_000 }, async () => {
    assert.deepEqual((await collect(factory(options('/bin/sh', ['-c', 'exit 3'])))).exit, { exitCode: 3, signal: null });
    assert.equal((await collect(factory(options('/bin/sh', ['-c', 'kill -9 $$'])))).exit.signal, 9);
  });

  test(`${name}: the child gets exactly the given environment, with TERM defaulted`, { timeout: 30_000 }, async () => {
    const defaulted = await collect(factory(options('/usr/bin/env', [], { env: { ...baseEnv, ONLY_THIS: 'a b=c' } })));
    assert.deepEqual(defaulted.output.toString('utf8').split('\r\n').filter(Boolean).sort(), [
      'ONLY_THIS=a b=c',
      `PATH=${baseEnv['PATH']}`,
      'TERM=xterm-256color',
    ]);
    const given = await collect(factory(options('/usr/bin/env', [], { env: { TERM: 'dumb' } })));
    assert.equal(given.output.toString('utf8'), 'TERM=dumb\r\n');
  });

  test(`${name}: arguments reach the program unchanged (no shell)`, { timeout: 30_000 }, async () => {
    const args = ['$(touch /tmp/x)', 'a b', '"q"', '*', ''];
    const result = await collect(factory(options(process.execPath, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args])));
    assert.deepEqual(JSON.parse(result.output.toString('utf8')), args);
  });

  test(`${name}: keystrokes reach the child and a resize reaches it as SIGWINCH`, { timeout: 30_000 }, async (t) => {
    const pty = factory(options(process.execPath, [fixture('agent-winch.js')], { cols: 80, rows: 24 }));
    killOnFailure(t, pty);
    let text = '';
    pty.onData((chunk) => (text += chunk.toString('utf8')));
    const done = collect(pty);
    await waitFor('the first size', () => text.includes('size 80x24'));
    pty.resize(132, 50);
    await waitFor('the new size after SIGWINCH', () => text.includes('size 132x50'));
    pty.write('q');
    const result = await done;
    assert.equal(result.exit.exitCode, 0);
    assert.match(result.output.toString('utf8'), /bye\r\n/);
  });

  test(`${name}: Ctrl-C typed into the terminal interrupts the child; kill() signals it`, { timeout: 30_000 }, async (t) => {
    const typed = factory(options('/bin/sh', ['-c', 'echo ready; exec sleep 30']));
    killOnFailure(t, typed);
    let text = '';
    typed.onData((chunk) => (text += chunk.toString('utf8')));
    const typedDone = collect(typed);
    await waitFor('the child to be ready', () => text.includes('ready'));
    typed.write('\x03');
    assert.equal((await typedDone).exit.signal, 2);

    const signalled = factory(options('/bin/sh', ['-c', 'echo ready; exec sleep 30']));
    killOnFailure(t, signalled);
    let text2 = '';
    signalled.onData((chunk) => (text2 += chunk.toString('utf8')));
    const signalledDone = collect(signalled);
    await waitFor('the child to be ready', () => text2.includes('ready'));
    signalled.kill('SIGTERM');
    assert.equal((await signalledDone).exit.signal, 15);
    signalled.kill('SIGKILL'); // after the exit: nothing, and no throw
  });

  test(`${name}: the child leads its own session with the terminal; the runner's session is not its own`, { timeout: 30_000 }, async (t) => {
    const pty = factory(options('/bin/sh', ['-c', 'echo ready; exec sleep 30']));
    killOnFailure(t, pty);
    let text = '';
    pty.onData((chunk) => (text += chunk.toString('utf8')));
    const done = collect(pty);
    await waitFor('the child to be ready', () => text.includes('ready'));
    const stat = fs.readFileSync(`/proc/${pty.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(fields[2]), pty.pid, 'process group = its pid');
    assert.equal(Number(fields[3]), pty.pid, 'session = its pid');
    assert.match(fs.readlinkSync(`/proc/${pty.pid}/fd/0`), /^\/dev\/pts\/\d+$/);
    pty.kill('SIGKILL');
    await done;
  });

  test(`${name}: the child holds no descriptor but its terminal`, { timeout: 30_000 }, async () => {
    // ls lists its own descriptors: what it inherited, plus 3, the directory it reads.
    const result = await collect(factory(options('/bin/ls', ['-l', '/proc/self/fd/'])));
    const targets = result.output
      .toString('utf8')
      .split('\r\n')
      .map((line) => /(\d+) -> (.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), m[2]!] as const);
    for (const [fd, target] of targets) {
      if (fd <= 2) assert.match(target, /^\/dev\/pts\/\d+$/);
      else assert.ok(target !== '/dev/ptmx' && !target.startsWith('/dev/pts/'), `fd ${fd} -> ${target}`);
    }
    // node-pty's children inherit a pipe of the runner (seen: fd 251); the pump's get nothing else.
    if (name === 'native') assert.deepEqual(targets.map(([fd]) => fd).sort((a, b) => a - b), [0, 1, 2, 3], JSON.stringify(targets));
  });

  test(`${name}: an escapee holding the terminal does not hold the exit back past the drain deadline`, { timeout: 30_000 }, async (t) => {
    const marker = { name: 'CODEX_RUN_JOB_TOKEN', value: randomUUID() };
    const pty = factory(options('/bin/sh', [fixture('setsid-grandchild.sh')], { env: { ...baseEnv, [marker.name]: marker.value } }));
    t.after(() => {
      signalProcesses(findJobProcesses(pty.pid, marker), 'SIGKILL');
    });
    const result = await collect(pty);
    const text = result.output.toString('utf8');
    assert.match(text, /ready\r\n/);
    assert.ok(isAlive(Number(/setsid (\d+)/.exec(text)?.[1])), 'the escapee still runs');
  });

  test(`${name}: a missing binary or cwd ends with exit code 1 and a message`, { timeout: 30_000 }, async () => {
    const binary = await collect(factory(options('/nonexistent/codex-run-agent', [])));
    assert.equal(binary.exit.exitCode, 1);
    assert.match(binary.output.toString('utf8'), /execvp\(3\) failed/);
    const cwd = await collect(factory(options('/bin/true', [], { cwd: '/nonexistent/codex-run-dir' })));
    assert.equal(cwd.exit.exitCode, 1);
    assert.match(cwd.output.toString('utf8'), /chdir\(2\) failed/);
  });

  test(`${name}: options that cannot reach execvp intact throw PtySpawnError`, { timeout: 10_000 }, () => {
    for (const bad of [options('/bin/echo', ['a\0b']), options('/bin/echo', [], { env: { 'A=B': 'c' } }), options('', []), options('/bin/echo', [], { cols: 0 })]) {
      assert.throws(() => factory(bad), (error: unknown) => error instanceof PtySpawnError && error.reason === 'spawn-failed');
    }
  });
}

test('native: the pump is not one of the job\'s processes: its environment (the marker, secrets) is wiped once the child has it', { timeout: 30_000 }, async (t) => {
  const marker = { name: 'CODEX_RUN_JOB_TOKEN', value: randomUUID() };
  const pty = createPumpFactory({ binary: pumpBinary })(
    options('/bin/sh', ['-c', 'echo "token=$CODEX_RUN_JOB_TOKEN secret=$API_KEY"; exec sleep 30'], { env: { ...baseEnv, [marker.name]: marker.value, API_KEY: 'sk-test-123' } }),
  );
  killOnFailure(t, pty);
  let text = '';
  pty.onData((chunk) => (text += chunk.toString('utf8')));
  const done = collect(pty);
  await waitFor('the child to print its environment', () => text.includes('secret='));
  assert.match(text, new RegExp(`token=${marker.value} secret=sk-test-123`));
  const pumpPid = Number(fs.readFileSync(`/proc/${pty.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  assert.deepEqual(findJobProcesses(pty.pid, marker), [pty.pid], 'the stop ladder finds the child, not the pump');
  assert.doesNotMatch(fs.readFileSync(`/proc/${pumpPid}/environ`, 'latin1'), /sk-test-123|CODEX_RUN_JOB_TOKEN/);
  pty.kill('SIGKILL');
  await done;
});

for (const [name, factory] of backends) {
  test(`${name}: a lent log descriptor is written byte-exact by the native pump before the bytes are handed over; node-pty leaves it alone`, { timeout: 30_000 }, async (t) => {
    const dir = tempDir(t);
    const bytes = payload(5, 300_000);
    const input = path.join(dir, 'input');
    fs.writeFileSync(input, bytes, { mode: 0o600 });
    const logFile = path.join(dir, 'job.log');
    const logFd = fs.openSync(logFile, 'wx', 0o600);
    t.after(() => fs.closeSync(logFd));
    const pty = factory(options('/bin/cat', [input], { logFd }));
    killOnFailure(t, pty);
    const result = await collect(pty);
    assert.ok(result.output.equals(bytes), firstDifference(result.output, bytes));
    const logged = fs.readFileSync(logFile);
    if (name === 'native') {
      assert.equal(pty.writesLog, true);
      assert.ok(logged.equals(bytes), firstDifference(logged, bytes));
      assert.equal(pty.logError?.() ?? null, null);
    } else {
      assert.notEqual(pty.writesLog, true);
      assert.equal(logged.length, 0);
    }
  });
}

test('native: a log the pump cannot write (a full disk) is reported with its errno; the output still arrives', { timeout: 30_000 }, async (t) => {
  const logFd = fs.openSync('/dev/full', 'w');
  t.after(() => fs.closeSync(logFd));
  const pty = createPumpFactory({ binary: pumpBinary })(options('/bin/echo', ['hello'], { logFd }));
  killOnFailure(t, pty);
  const result = await collect(pty);
  assert.equal(result.output.toString('utf8'), 'hello\r\n');
  assert.equal(pty.logError?.()?.code, 'ENOSPC');
});

test('native: a pump that cannot run is a PtySpawnError, not a hang', { timeout: 10_000 }, () => {
  const missing = createPumpFactory({ binary: '/nonexistent/codex-run-pump' });
  assert.throws(() => missing(options('/bin/true', [])), (error: unknown) => error instanceof PtySpawnError);
});

test('native: the job ends when the pump is killed from outside', { timeout: 30_000 }, async (t) => {
  const pty = createPumpFactory({ binary: pumpBinary })(options('/bin/sh', ['-c', 'echo ready; exec sleep 30']));
  killOnFailure(t, pty);
  let text = '';
  pty.onData((chunk) => (text += chunk.toString('utf8')));
  const done = collect(pty);
  await waitFor('the child to be ready', () => text.includes('ready'));
  const pumpPid = Number(fs.readFileSync(`/proc/${pty.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  assert.notEqual(pumpPid, process.pid, 'the pump, not the runner, is the child\'s parent');
  process.kill(pumpPid, 'SIGKILL');
  const result = await done;
  assert.equal(result.exit.signal, 9);
  // Said as what it is: the pump died, not the agent (which only lost its terminal).
  assert.match(result.exit.hostLost ?? '', /the PTY pump \(codex-run-pump\) died \(SIGKILL\)/);
  assert.match(resultOf(result.exit, null, null, 0, 1).message ?? '', /the PTY pump .* died \(SIGKILL\) and the agent lost its terminal/);
  // The terminal hung up with the pump: the child gets SIGHUP.
  await waitFor('the child to go', () => !isAlive(pty.pid));
});

test('native: spawning does not wait for the pump to report the child; started resolves once it runs, with its pid', { timeout: 30_000 }, async (t) => {
  const pty = createPumpFactory({ binary: pumpBinary })(options('/bin/sh', ['-c', 'echo "pid=$$"; exec sleep 30']));
  t.after(() => pty.kill('SIGKILL'));
  assert.ok(pty.started !== undefined, 'the native PTY starts its child in the background');
  let text = '';
  pty.onData((chunk) => (text += chunk.toString('utf8')));
  assert.equal(await pty.started, null);
  await waitFor('the child to print its pid', () => /pid=\d+/.test(text));
  assert.equal(pty.pid, Number(/pid=(\d+)/.exec(text)?.[1]));
  const done = collect(pty);
  pty.kill('SIGKILL');
  assert.equal((await done).exit.signal, 9);
});

test('native: a pump that ends before it reports a child resolves started with why', { timeout: 30_000 }, async (t) => {
  // A "pump" that exits at once without a pid line (the real one does so when forkpty fails).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-fake-pump-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'pump');
  fs.writeFileSync(fake, '#!/bin/sh\necho "error forkpty: No such device" >&3\nexit 1\n', { mode: 0o700 });
  const pty = createPumpFactory({ binary: fake })(options('/bin/true', []));
  assert.match((await pty.started) ?? '', /forkpty: No such device/);
});

test('native: a pump that neither reports a child nor ends is given up on after pidTimeoutMs, and killed', { timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-fake-pump-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'pump');
  const pidFile = path.join(dir, 'pid');
  fs.writeFileSync(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`, { mode: 0o700 });
  const pty = createPumpFactory({ binary: fake, pidTimeoutMs: 300 })(options('/bin/true', []));
  await waitFor('the fake pump to start', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
  const pumpPid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.after(() => {
    try {
      process.kill(pumpPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  assert.match((await pty.started) ?? '', /reported no child within 300 ms/);
  await waitFor('the fake pump to be killed', () => !isAlive(pumpPid));
});
