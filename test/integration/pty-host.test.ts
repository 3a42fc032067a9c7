import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createNodePtyFactory, nodePtyFactory, PtySpawnError } from '../../src/session/pty-host.js';
import { findJobProcesses, isAlive, signalProcesses } from '../../src/session/process-tree.js';
import { DEFAULT_COLS, DEFAULT_ROWS, type PtyExit, type PtyProcess, type PtySpawnOptions } from '../../src/session/pty.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';
import { seededRandom } from '../helpers/seeded-random.js';

const baseEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

function options(file: string, args: string[], overrides: Partial<PtySpawnOptions> = {}): PtySpawnOptions {
  return { file, args, cwd: os.tmpdir(), env: baseEnv, cols: DEFAULT_COLS, rows: DEFAULT_ROWS, ...overrides };
}

interface Finished {
  output: Buffer;
  exit: PtyExit;
  exitedAt: number;
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
      resolve({ output: Buffer.concat(chunks), exit, exitedAt: performance.timeOrigin + performance.now() });
    });
  });
}

/** Polls `condition` until it holds or the deadline passes. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Deterministic bytes per seed, without "\n" so the terminal passes them unchanged.
function payload(seed: number, size: number): Buffer {
  const next = seededRandom(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    const byte = Math.floor(next() * 256);
    bytes[i] = byte === 0x0a ? 0x0b : byte;
  }
  return bytes;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'codex-run-pty-host-'));
}

/** Describes the first difference between two buffers, for a readable failure. */
function firstDifference(actual: Buffer, expected: Buffer): string {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return `got ${actual.length} bytes, expected ${expected.length}; first difference at byte ${i}`;
}

test('50 jobs writing 4-64 KB and exiting at once deliver every byte before onExit', { timeout: 30_000 }, async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const jobs = Array.from({ length: 50 }, (_, i) => {
    const bytes = payload(i + 1, 4096 + Math.floor((i * (65536 - 4096)) / 49));
    const file = path.join(dir, `payload-${i}`);
    fs.writeFileSync(file, bytes, { mode: 0o600 });
    return { bytes, done: collect(nodePtyFactory(options(process.execPath, [fixture('burst-exit.js'), file]))) };
  });
  const results = await Promise.all(jobs.map((job) => job.done));
  let exact = 0;
  results.forEach((result, i) => {
    const expected = jobs[i]!.bytes;
    assert.equal(result.exit.exitCode, 0, `job ${i} exit`);
    assert.ok(result.output.equals(expected), `job ${i}: ${firstDifference(result.output, expected)}`);
    exact += 1;
  });
  console.log(`exit integrity: ${exact}/50 jobs byte-exact, ${results.reduce((n, r) => n + r.output.length, 0)} bytes`);
});

test('non-UTF-8 bytes and a multi-byte character cut at the very end arrive exactly; "\\n" becomes "\\r\\n"', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x1b, 0x5b, 0x33, 0x31, 0x6d]),
    // ~9 KB of 2- and 4-byte characters, so the master's ~4 KB reads split some of them.
    Buffer.from('é€😀'.repeat(1000), 'utf8'),
    Buffer.from('line\n', 'utf8'),
    Buffer.from('😀', 'utf8').subarray(0, 3),
  ]);
  const file = path.join(dir, 'binary');
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  const result = await collect(nodePtyFactory(options(process.execPath, [fixture('burst-exit.js'), file])));
  const expected = Buffer.from(bytes.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
  assert.ok(result.output.equals(expected), firstDifference(result.output, expected));
});

test('no byte is lost when the child exits while the reader is paused', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // More than one read (4095 bytes), yet small enough for the kernel to hold it all, so the
  // child exits while nothing is read.
  const bytes = payload(99, 8000);
  const file = path.join(dir, 'small');
  fs.writeFileSync(file, bytes, { mode: 0o600 });
  const clock = new FakeClock();
  const pty = createNodePtyFactory({ clock, drainTimeoutMs: 200 })(options(process.execPath, [fixture('burst-exit.js'), file]));
  pty.pause();
  let received = 0;
  let exited = false;
  const done = collect(pty);
  pty.onData((chunk) => (received += chunk.length));
  pty.onExit(() => (exited = true));
  // The host arms its drain deadline when it sees the exit.
  await waitFor('the host to see the exit', () => clock.timerCount === 1);
  clock.advance(1000);
  assert.equal(clock.timerCount, 1, 'the deadline is re-armed while paused');
  assert.equal(received, 0, 'no data is delivered while paused');
  assert.equal(exited, false, 'onExit waits for the paused output');
  pty.resume();
  const result = await done;
  assert.ok(result.output.equals(bytes), firstDifference(result.output, bytes));
});

test('exit code and signal are reported', { timeout: 120_000 }, async () => {
  const code = await collect(nodePtyFactory(options('/bin/sh', ['-c', 'exit 3'])));
  assert.deepEqual(code.exit, { exitCode: 3, signal: null });
  const killed = await collect(nodePtyFactory(options('/bin/sh', ['-c', 'kill -9 $$'])));
  assert.equal(killed.exit.signal, 9);
});

test('the child gets exactly the given environment, with TERM defaulted to xterm-256color', { timeout: 120_000 }, async () => {
  const defaulted = await collect(nodePtyFactory(options('/usr/bin/env', [], { env: { ...baseEnv, ONLY_THIS: 'a b=c' } })));
  assert.deepEqual(defaulted.output.toString('utf8').split('\r\n').filter(Boolean).sort(), [
    'ONLY_THIS=a b=c',
    `PATH=${baseEnv['PATH']}`,
    'TERM=xterm-256color',
  ]);
  const given = await collect(nodePtyFactory(options('/usr/bin/env', [], { env: { TERM: 'dumb' } })));
  assert.equal(given.output.toString('utf8'), 'TERM=dumb\r\n');
});

test('write reaches the child and resize changes the size it sees', { timeout: 120_000 }, async () => {
  const pty = nodePtyFactory(options('/bin/sh', ['-c', 'read line; echo "got:$line"; stty size'], { cols: 80, rows: 24 }));
  const done = collect(pty);
  pty.resize(132, 50);
  pty.write('hello\r');
  const result = await done;
  const text = result.output.toString('utf8');
  assert.match(text, /got:hello\r\n/);
  assert.match(text, /50 132\r\n/);
});

test("a second job's child holds no descriptor of the first job's terminal", { timeout: 120_000 }, async (t) => {
  const first = nodePtyFactory(options('/usr/bin/sleep', ['30']));
  const firstDone = collect(first);
  t.after(async () => {
    first.kill('SIGKILL');
    await firstDone;
  });
  // Right after fork the child still has the runner's stdin; forkpty then swaps in the terminal.
  const stdinOf = (pid: number): string => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/0`);
    } catch {
      return '';
    }
  };
  await waitFor('the first child to have its terminal', () => /^\/dev\/pts\/\d+$/.test(stdinOf(first.pid)));
  const firstPts = stdinOf(first.pid);
  const second = await collect(nodePtyFactory(options(process.execPath, [fixture('print-fds.js')])));
  const targets = new Map(
    second.output
      .toString('utf8')
      .split('\r\n')
      .filter(Boolean)
      .map((line) => line.split(' ', 2) as [string, string]),
  );
  const ownPts = targets.get('0');
  assert.match(ownPts ?? '', /^\/dev\/pts\/\d+$/, 'stdin is the second job\'s own terminal');
  assert.notEqual(ownPts, firstPts);
  for (const [fd, target] of targets) {
    assert.notEqual(target, '/dev/ptmx', `fd ${fd} is a PTY master`);
    assert.notEqual(target, firstPts, `fd ${fd} is the first job's terminal`);
  }
});

test('onExit is not held back past the drain deadline by an escapee holding the terminal', { timeout: 120_000 }, async (t) => {
  const marker = { name: 'CODEX_RUN_JOB_TOKEN', value: randomUUID() };
  const clock = new FakeClock();
  const pty = createNodePtyFactory({ clock, drainTimeoutMs: 200 })(
    options('/bin/sh', [fixture('setsid-grandchild.sh')], { env: { ...baseEnv, [marker.name]: marker.value } }),
  );
  t.after(() => {
    signalProcesses(findJobProcesses(pty.pid, marker), 'SIGKILL');
  });
  let exited = false;
  const done = collect(pty);
  pty.onExit(() => (exited = true));
  await waitFor('the host to see the exit', () => clock.timerCount === 1);
  assert.equal(exited, false, 'the escapee keeps the terminal open, so the master has not drained');
  clock.advance(200);
  assert.equal(exited, true, 'the drain deadline closes the master and reports the exit');
  const text = (await done).output.toString('utf8');
  assert.match(text, /ready\r\n/);
  assert.ok(isAlive(Number(/setsid (\d+)/.exec(text)?.[1])), 'the escapee still runs');
});

test('a missing binary or cwd ends with exit code 1 and a message instead of hanging', { timeout: 120_000 }, async () => {
  const binary = await collect(nodePtyFactory(options('/nonexistent/codex-run-agent', [])));
  assert.equal(binary.exit.exitCode, 1);
  assert.match(binary.output.toString('utf8'), /execvp\(3\) failed/);
  const cwd = await collect(nodePtyFactory(options('/bin/true', [], { cwd: '/nonexistent/codex-run-dir' })));
  assert.equal(cwd.exit.exitCode, 1);
  assert.match(cwd.output.toString('utf8'), /chdir\(2\) failed/);
});

test('options that cannot reach execvp intact throw PtySpawnError', { timeout: 120_000 }, () => {
  const cases: PtySpawnOptions[] = [
    options('/bin/echo', ['a\0b']),
    options('/bin/echo', [], { env: { 'A=B': 'c' } }),
    options('', []),
    options('/bin/echo', [], { cols: 0 }),
  ];
  for (const bad of cases) {
    assert.throws(() => nodePtyFactory(bad), (error: unknown) => error instanceof PtySpawnError && error.reason === 'spawn-failed');
  }
});

test('onExit follows the child\'s last write within milliseconds (median of 20)', { timeout: 30_000 }, async () => {
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const result = await collect(nodePtyFactory(options(process.execPath, [fixture('exit-stamp.js')])));
    latencies.push(result.exitedAt - Number(result.output.toString('utf8')));
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[10]!;
  console.log(`last write -> onExit: median ${median.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms (includes node's own exit)`);
  // The drain deadline (200 ms) is not involved when nothing else holds the terminal.
  assert.ok(median < 150, `median ${median} ms`);
});
