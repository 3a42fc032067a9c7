import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobSession, withLogError, type JobSessionOptions } from '../../src/session/job-session.js';
import { EventBus, type RunEvent } from '../../src/run/events.js';
import type { JobSpec } from '../../src/manifest/model.js';
import type { TreeControl } from '../../src/session/tree-control.js';
import { ok, err } from '../../src/util/result.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { defaultSupervision } from '../helpers/supervision.js';
import { fakePtyFactory, FakePty } from '../helpers/fake-pty.js';
import { MemorySink } from '../helpers/memory-sink.js';

/** A tree control that records what would have been signalled; never touches real pids. */
class RecordingTree implements TreeControl {
  strays: number[] = [];
  readonly calls: Array<{ pids: number[]; signal: NodeJS.Signals }> = [];
  find(rootPid: number): Promise<number[]> {
    return Promise.resolve([rootPid, ...this.strays]);
  }
  signal(pids: number[], signal: NodeJS.Signals): number {
    this.calls.push({ pids: [...pids], signal });
    return pids.length;
  }
}

/** Lets the session act on a finished (shared, asynchronous) process scan. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function job(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'demo',
    agent: 'command',
    prompt: null,
    command: ['/bin/sh', '-c', 'true'],
    workdir: tmpdir(),
    env: {},
    timeoutMs: null,
    schedule: null,
    supervision: defaultSupervision(),
    enterDelayMs: 0,
    resume: null,
    rehearsal: null,
    codex: null,
    location: { file: 'jobs.yaml', line: 1, col: 1, endLine: 1, endCol: 5 },
    ...overrides,
  };
}

function setup(overrides: Partial<JobSessionOptions> = {}, spawnError?: Error) {
  const clock = new FakeClock();
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const sink = new MemorySink();
  const tree = new RecordingTree();
  const { factory, spawned } = fakePtyFactory(spawnError ? { throwOnSpawn: spawnError } : {});
  const options: JobSessionOptions = {
    job: job(),
    launch: ok({ file: '/bin/sh', args: ['-c', 'true'], env: {} }),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    interruptFirst: false,
    sink,
    bus,
    clock,
    ptyFactory: factory,
    tree,
    marker: { name: 'CODEX_RUN_JOB_TOKEN', value: 'test-token' },
    graceMs: 1000,
    cols: 120,
    rows: 40,
    ...overrides,
  };
  const session = new JobSession(options);
  const pty = (): FakePty => {
    const p = spawned[0];
    assert.ok(p, 'no PTY was spawned');
    return p;
  };
  return { clock, bus, events, sink, tree, session, pty, spawned };
}

test('a job that exits 0 succeeds and its bytes reach the sink in order', async () => {
  const { session, pty, sink, events, clock } = setup();
  session.start();
  pty().emit('hello ');
  pty().emit(Buffer.from([0xff, 0xfe, 0x0a]));
  clock.advance(250);
  await settle();
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.equal(result.exitCode, 0);
  assert.equal(result.reason, null);
  assert.deepEqual(Buffer.concat(sink.chunks), Buffer.concat([Buffer.from('hello '), Buffer.from([0xff, 0xfe, 0x0a])]));
  assert.equal(sink.closed, false, 'the run closes the files, not the attempt');
  assert.equal(session.bytes, 9);
  const phases = events.filter((e) => e.type === 'job-state').map((e) => (e.type === 'job-state' ? e.phase : ''));
  assert.deepEqual(phases, ['starting', 'running']);
  assert.ok(!events.some((e) => e.type === 'job-finished'), 'the run announces job-finished, not the attempt');
  assert.equal(result.finishedAt - (result.startedAt ?? 0), 250);
});

test('the child gets exactly the planned env, cwd and argv', () => {
  const { session, pty } = setup({ env: { PATH: '/usr/bin:/bin', ONLY: 'this' } });
  session.start();
  assert.deepEqual(pty().options.env, { PATH: '/usr/bin:/bin', ONLY: 'this' });
  assert.equal(pty().options.cwd, tmpdir());
  assert.equal(pty().options.file, '/bin/sh');
  assert.deepEqual(pty().options.args, ['-c', 'true']);
});

test('a non-zero exit is a failure with the exit code', async () => {
  const { session, pty } = setup();
  session.start();
  pty().exit({ exitCode: 3, signal: null });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'exit-non-zero');
  assert.equal(result.exitCode, 3);
  assert.match(result.message ?? '', /exited with code 3/);
});

test('a signal nobody in codex-run sent is reported as killed', async () => {
  const { session, pty } = setup();
  session.start();
  pty().exit({ exitCode: 0, signal: 9 });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'killed');
  assert.equal(result.signal, 'SIGKILL');
  assert.equal(result.exitCode, null);
  assert.equal(result.stoppedBy, null);
});

test('timeout: TERM to the whole tree after the limit, then timed_out with the step that ended it', async () => {
  const { session, pty, clock, tree, events } = setup({ job: job({ timeoutMs: 45 * 60_000 }) });
  session.start();
  clock.advance(45 * 60_000 - 1);
  await settle();
  assert.equal(tree.calls.length, 0, 'stopped before the timeout');
  clock.advance(1);
  await settle();
  assert.deepEqual(tree.calls, [{ pids: [pty().pid], signal: 'SIGTERM' }]);
  assert.ok(events.some((e) => e.type === 'job-state' && e.phase === 'stopping' && /timeout/.test(e.detail ?? '')));
  pty().exit({ exitCode: 0, signal: 15 });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'timed_out');
  assert.equal(result.reason, 'timeout');
  assert.equal(result.stoppedBy, 'term');
  assert.equal(result.signal, 'SIGTERM');
  assert.match(result.message ?? '', /45m/);
});

test('stop ladder: Ctrl-C first when the adapter says so, then TERM, then KILL, each after the grace period', async () => {
  const { session, pty, clock, tree } = setup({ interruptFirst: true });
  session.start();
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'the run was interrupted' });
  assert.deepEqual(pty().written, ['\x03']);
  assert.equal(tree.calls.length, 0);
  clock.advance(1000);
  await settle();
  assert.deepEqual(tree.calls.map((c) => c.signal), ['SIGTERM']);
  clock.advance(1000);
  await settle();
  assert.deepEqual(tree.calls.map((c) => c.signal), ['SIGTERM', 'SIGKILL']);
  pty().exit({ exitCode: 0, signal: 9 });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'interrupted');
  assert.equal(result.stoppedBy, 'kill');
});

test('a second, immediate stop skips the grace period and kills at once', async () => {
  const { session, pty, tree } = setup({ interruptFirst: true });
  session.start();
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'interrupted' });
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'interrupted' }, { immediate: true });
  assert.deepEqual(tree.calls.map((c) => c.signal), ['SIGKILL']);
  pty().exit({ exitCode: 0, signal: 9 });
  await settle();
  assert.equal((await session.finished).stoppedBy, 'kill');
});

test('backpressure: a full sink pauses the PTY until it drains', async () => {
  const { session, pty, sink } = setup();
  session.start();
  sink.full = true;
  pty().emit('x'.repeat(100));
  pty().emit('y'.repeat(100));
  assert.equal(pty().paused, true);
  sink.drain();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pty().paused, false);
});

test('backpressure: a screen model that is behind pauses the PTY until it caught up, as does the log', async () => {
  let caughtUp: () => void = () => {};
  let disposed = 0;
  const observer = {
    behind: true,
    write: () => !observer.behind,
    whenCaughtUp: () => new Promise<void>((resolve) => (caughtUp = resolve)),
    dispose: () => void disposed++,
  };
  const { session, pty, sink } = setup({ observer });
  session.start();
  sink.full = true;
  pty().emit('x');
  assert.equal(pty().paused, true);
  sink.drain();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pty().paused, true, 'still waiting for the screen model');
  caughtUp();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pty().paused, false);
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  await session.finished;
  assert.equal(disposed, 1, 'supervision is disposed when the job exits');
});

test('processes the job leaves behind are stopped after it exits: TERM, then KILL after the grace', async () => {
  const { session, pty, clock, tree, events } = setup();
  session.start();
  tree.strays = [4242, 4343];
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  assert.deepEqual(tree.calls, [{ pids: [4242, 4343], signal: 'SIGTERM' }]);
  assert.ok(events.some((e) => e.type === 'warning' && /2 process/.test(e.message)));
  tree.strays = [4343];
  clock.advance(1000);
  await settle();
  assert.deepEqual(tree.calls.at(-1), { pids: [4343], signal: 'SIGKILL' });
  tree.strays = [];
  clock.advance(50);
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
});

test('the final KILL rescans until nothing is left: a stray that forked while being killed leaves no child behind', { timeout: 10_000 }, async () => {
  const { session, pty, clock, tree } = setup();
  session.start();
  tree.strays = [4242];
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  clock.advance(1000);
  await settle();
  assert.deepEqual(tree.calls.at(-1), { pids: [4242], signal: 'SIGKILL' });
  // 4242 forked on SIGTERM just after the scan: its child shows up in the next one.
  tree.strays = [5151];
  clock.advance(50);
  await settle();
  assert.deepEqual(tree.calls.at(-1), { pids: [5151], signal: 'SIGKILL' });
  tree.strays = [];
  clock.advance(50);
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(tree.calls.map((c) => c.signal), ['SIGTERM', 'SIGKILL', 'SIGKILL']);
});

test('kill rounds are bounded: a process that survives SIGKILL is reported and the job still finishes', { timeout: 10_000 }, async () => {
  const { session, pty, clock, tree, events } = setup();
  session.start();
  tree.strays = [4242];
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  clock.advance(1000);
  await settle();
  await settle();
  for (let i = 0; i < 100 && clock.timerCount > 0; i++) {
    clock.advance(50);
    await settle();
  }
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.ok(events.some((e) => e.type === 'warning' && /survived SIGKILL \(pid 4242\)/.test(e.message)));
});

test('a missing workdir fails the job before anything is spawned', async () => {
  const { session, spawned } = setup({ job: job({ workdir: path.join(tmpdir(), 'codex-run-no-such-dir-xyz') }) });
  const result = await session.start();
  assert.equal(spawned.length, 0);
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'workdir-missing');
  assert.match(result.message ?? '', /codex-run-no-such-dir-xyz/);
});

test('a missing binary fails the job before anything is spawned', async () => {
  const { session, spawned } = setup({ launch: ok({ file: 'codex-run-no-such-binary', args: [], env: {} }) });
  const result = await session.start();
  assert.equal(spawned.length, 0);
  assert.equal(result.reason, 'binary-missing');
  assert.match(result.message ?? '', /codex-run-no-such-binary/);
});

test('an adapter that could not plan the launch fails the job with its message', async () => {
  const { session } = setup({ launch: err({ reason: 'binary-missing', message: 'codex not found' }) });
  const result = await session.start();
  assert.equal(result.reason, 'binary-missing');
  assert.equal(result.message, 'codex not found');
});

test('a spawn error becomes a spawn-failed result, not an exception', async () => {
  const { session } = setup({}, new Error('forkpty(3) failed'));
  const result = await session.start();
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'spawn-failed');
  assert.match(result.message ?? '', /forkpty/);
});

test('a log write error turns a success into log-write-failed, and is added to a failure', async () => {
  const { session, pty } = setup();
  session.start();
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  const result = withLogError(await session.finished, 'ENOSPC: no space left on device');
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'log-write-failed');
  assert.match(result.message ?? '', /ENOSPC/);
  const failed = withLogError({ ...result, status: 'timed_out', reason: 'timeout', message: 'too slow' }, 'EIO');
  assert.equal(failed.reason, 'timeout');
  assert.match(failed.message ?? '', /too slow; .*EIO/);
  assert.equal(withLogError(result, null), result);
});

test('after the ladder reached KILL, processes left behind are killed at once, without a grace period', async () => {
  const { session, pty, tree, clock } = setup();
  session.start();
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'interrupted' }, { immediate: true });
  tree.strays = [4242];
  pty().exit({ exitCode: 0, signal: 9 });
  await settle();
  assert.deepEqual(tree.calls.at(-1), { pids: [4242], signal: 'SIGKILL' });
  tree.strays = [];
  clock.advance(50);
  await settle();
  const result = await session.finished;
  assert.equal(result.stoppedBy, 'kill');
});

test('processes left behind that exit on SIGTERM end the sweep early, without KILL', async () => {
  const { session, pty, clock, tree } = setup();
  session.start();
  tree.strays = [4242];
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  tree.strays = [];
  clock.advance(50);
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(tree.calls.map((c) => c.signal), ['SIGTERM']);
  assert.equal(result.finishedAt - (result.startedAt ?? 0), 50);
});

test('with a containment (cgroup): the spawn goes through its launcher, KILL kills the whole group, members count as strays, the group is released', { timeout: 10_000 }, async () => {
  const calls: string[] = [];
  let members: number[] = [];
  const tree = new RecordingTree();
  const contained: TreeControl = {
    find: (rootPid) => tree.find(rootPid),
    signal: (pids, signal) => tree.signal(pids, signal),
    contain: () => ({
      kind: 'cgroup',
      cgroup: '/sys/fs/cgroup/test.1',
      fallbackReason: null,
      launch: (file, args) => ({ file: '/bin/sh', args: ['launcher', '/sys/fs/cgroup/test.1', file, ...args] }),
      members: () => members,
      killAll: () => void calls.push('killAll'),
      release: () => (calls.push('release'), null),
    }),
  };
  const { session, pty, clock, events } = setup({ tree: contained });
  session.start();
  assert.deepEqual([pty().options.file, ...pty().options.args], ['/bin/sh', 'launcher', '/sys/fs/cgroup/test.1', '/bin/sh', '-c', 'true']);
  const facts = events.find((e) => e.type === 'job-facts');
  assert.deepEqual(facts?.type === 'job-facts' ? facts.facts.process : null, {
    pid: pty().pid,
    startTime: null,
    bootId: facts?.type === 'job-facts' ? (facts.facts.process?.bootId ?? null) : null,
    containment: 'cgroup',
    cgroup: '/sys/fs/cgroup/test.1',
  });
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'interrupted' }, { immediate: true });
  assert.deepEqual(calls, ['killAll']);
  members = [7777];
  pty().exit({ exitCode: 0, signal: 9 });
  await settle();
  assert.deepEqual(tree.calls.at(-1), { pids: [7777], signal: 'SIGKILL' }, 'a cgroup member is a stray');
  members = [];
  clock.advance(50);
  await settle();
  await session.finished;
  assert.deepEqual(calls, ['killAll', 'killAll', 'release']);
});

test('with a cgroup, the sweep after an exit asks the group, not a /proc scan: its members are the strays', { timeout: 10_000 }, async () => {
  let finds = 0;
  let members: number[] = [];
  const tree = new RecordingTree();
  tree.strays = [5555]; // what a scan would (wrongly) add: not in the group
  const contained: TreeControl = {
    find: (rootPid) => {
      finds++;
      return tree.find(rootPid);
    },
    signal: (pids, signal) => tree.signal(pids, signal),
    contain: () => ({
      kind: 'cgroup',
      cgroup: '/sys/fs/cgroup/test.2',
      fallbackReason: null,
      launch: (file, args) => ({ file, args }),
      members: () => members,
      killAll: () => undefined,
      release: () => null,
    }),
  };
  const { session, pty, clock } = setup({ tree: contained });
  session.start();
  members = [pty().pid, 8888];
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  assert.equal(finds, 0, 'no process scan for the exit');
  assert.deepEqual(tree.calls.at(-1), { pids: [8888], signal: 'SIGTERM' }, 'the member left behind gets TERM; the root (its exited agent) does not');
  members = [];
  clock.advance(100);
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.equal(finds, 0);
});

/** A MemorySink whose raw log can be lent (as JobFiles does when the raw log is verbatim). */
class LendingSink extends MemorySink {
  readonly loans: Array<'lent' | { reclaimed: string | null }> = [];
  lendLog(): number | null {
    this.loans.push('lent');
    return 42;
  }
  reclaimLog(error: NodeJS.ErrnoException | null): void {
    this.loans.push({ reclaimed: error?.code ?? null });
  }
}

test('the log is lent to a PTY that writes it and reclaimed at the exit with its error; a PTY that does not gets it back at once', { timeout: 10_000 }, async () => {
  const enospc = Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
  const writing = new LendingSink();
  let given: number | undefined;
  const { session, clock } = setup({
    sink: writing,
    ptyFactory: (o) => {
      given = o.logFd;
      const pty = Object.assign(new FakePty(4242, o), { writesLog: o.logFd !== undefined, logError: () => enospc });
      setImmediate(() => {
        pty.emit('bytes');
        assert.deepEqual(writing.loans, ['lent'], 'still lent while output flows');
        pty.exit({ exitCode: 0, signal: null });
      });
      return pty;
    },
  });
  session.start();
  assert.equal(given, 42);
  clock.advance(0);
  await session.finished;
  assert.deepEqual(writing.loans, ['lent', { reclaimed: 'ENOSPC' }]);
  assert.equal(writing.text(), 'bytes', 'the sink still sees every byte (transcript, counters)');

  const ignoring = new LendingSink();
  const other = setup({ sink: ignoring });
  other.session.start();
  assert.equal(other.pty().options.logFd, 42);
  assert.deepEqual(ignoring.loans, ['lent', { reclaimed: null }], 'node-pty does not write logs: the log is taken back before any byte');
  other.pty().exit({ exitCode: 0, signal: null });
  await other.session.finished;
  assert.equal(ignoring.loans.length, 2);
});

test("resultOf: a monitor's verdict that restates its own stop (same reason) gives the message; any other verdict leaves the stop cause's", async () => {
  const { resultOf } = await import('../../src/session/job-session.js');
  const cause = { status: 'failed' as const, reason: 'denied' as const, message: 'gemini wanted to run `rm -rf victim`' };
  const killed = { exitCode: 0, signal: 9 };
  const restated = resultOf(killed, cause, 'kill', 0, 1, { reason: 'denied', message: 'gemini ran `rm -rf victim` before the rule could stop it', restatesStop: true });
  assert.equal(restated.message, 'gemini ran `rm -rf victim` before the rule could stop it');
  assert.equal(restated.reason, 'denied');
  assert.equal(resultOf(killed, cause, 'kill', 0, 1, { reason: 'denied', message: 'other words' }).message, cause.message);
  assert.equal(resultOf(killed, cause, 'kill', 0, 1, { reason: 'model-error', message: 'x', restatesStop: true }).message, cause.message);
});

/** A PTY whose child starts in the background (as the native pump's does): it reports later. */
class BackgroundPty extends FakePty {
  private report!: (problem: string | null) => void;
  readonly started = new Promise<string | null>((resolve) => {
    this.report = resolve;
  });
  /** The child runs (null) or could not start (why). */
  reportStart(problem: string | null): void {
    this.report(problem);
  }
}

function backgroundSetup(overrides: Partial<JobSessionOptions> = {}) {
  const spawned: BackgroundPty[] = [];
  const s = setup({
    ptyFactory: (spawnOptions) => {
      const p = new BackgroundPty(91_000 + spawned.length, spawnOptions);
      spawned.push(p);
      return p;
    },
    ...overrides,
  });
  const pty = (): BackgroundPty => {
    assert.ok(spawned[0], 'no PTY was spawned');
    return spawned[0];
  };
  return { ...s, pty };
}

const phasesOf = (events: RunEvent[]): string[] => events.flatMap((e) => (e.type === 'job-state' ? [e.phase] : []));

test('a PTY that starts its child in the background: no pid and not running until it reports, then the job runs as usual', { timeout: 10_000 }, async () => {
  const { session, pty, sink, events } = backgroundSetup();
  session.start();
  await settle();
  assert.equal(session.pid, null, 'no pid before the PTY reported its child');
  assert.deepEqual(phasesOf(events), ['starting']);
  pty().reportStart(null);
  await settle();
  assert.equal(session.pid, 91_000);
  assert.deepEqual(phasesOf(events), ['starting', 'running']);
  pty().emit('hello');
  pty().exit({ exitCode: 0, signal: null });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'succeeded');
  assert.equal(Buffer.concat(sink.chunks).toString(), 'hello');
});

test('a stop while the child is still starting is carried out once it runs', { timeout: 10_000 }, async () => {
  const { session, pty, tree } = backgroundSetup();
  session.start();
  session.stop({ status: 'interrupted', reason: 'interrupted', message: 'interrupted by the user' });
  await settle();
  assert.deepEqual(tree.calls, [], 'nothing to signal before the child runs');
  pty().reportStart(null);
  await settle();
  assert.deepEqual(tree.calls[0], { pids: [91_000], signal: 'SIGTERM' });
  pty().exit({ exitCode: 0, signal: 15 });
  await settle();
  const result = await session.finished;
  assert.equal(result.status, 'interrupted');
  assert.equal(result.stoppedBy, 'term');
});

test('a child the PTY could not start fails the job as spawn-failed, with the reason', { timeout: 10_000 }, async () => {
  const { session, pty, events } = backgroundSetup();
  session.start();
  pty().reportStart('forkpty: No such device');
  const result = await session.finished;
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'spawn-failed');
  assert.match(result.message ?? '', /could not start \/bin\/sh: .*forkpty: No such device/);
  assert.deepEqual(phasesOf(events), ['starting']);
});
