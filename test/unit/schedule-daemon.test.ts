import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { FakeClock } from '../helpers/fake-clock.js';
import { installSignalHandlers } from '../../src/run/signals.js';
import { ScheduleDaemon, type RunRequest, type ScheduledJob } from '../../src/schedule/daemon.js';
import type { DaemonEvent } from '../../src/schedule/daemon-events.js';
import type { ManifestWatcher, WatchManifests, WatchOptions } from '../../src/schedule/manifest-watcher.js';
import type { ScheduleSpec } from '../../src/schedule/schedule-spec.js';
import { readScheduleState, stateFilePath, writeScheduleState } from '../../src/schedule/state-file.js';
import { acquireWorkdirLock } from '../../src/schedule/workdir-lock.js';
import { err, ok, type Result } from '../../src/util/result.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Thursday 2026-01-01 00:00 UTC. */
const T0 = Date.UTC(2026, 0, 1);
const MANIFEST = '/repo/jobs.yaml';
const iso = (ms: number): string => new Date(ms).toISOString();

/** A runner whose runs the test finishes by hand; an aborted run ends as `interrupted` unless told otherwise. */
class FakeRunner {
  readonly runs: Array<{ request: RunRequest; finish(status?: string): void; fail(message: string): void; done: boolean }> = [];
  finishOnAbort = true;

  readonly runJobs = (request: RunRequest): Promise<{ runDir: string; status: string }> =>
    new Promise((resolve, reject) => {
      const index = this.runs.length + 1;
      const run = {
        request,
        done: false,
        finish: (status = 'succeeded') => {
          run.done = true;
          resolve({ runDir: `/runs/${index}`, status });
        },
        fail: (message: string) => {
          run.done = true;
          reject(new Error(message));
        },
      };
      this.runs.push(run);
      request.signal.addEventListener('abort', () => {
        if (this.finishOnAbort) run.finish('interrupted');
      });
    });

  get active(): number {
    return this.runs.filter((r) => !r.done).length;
  }

  run(i: number): FakeRunner['runs'][number] {
    const found = this.runs[i];
    assert.ok(found !== undefined, `run #${i} has not started (runs: ${this.runs.length})`);
    return found;
  }
}

/** Waits for a condition with a deadline, yielding to the event loop between checks. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets promise chains started by a timer callback run (they involve no I/O before the runner is called). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function spec(cron: string, over: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return { cron, timezone: 'UTC', overlap: 'skip', catchUp: false, jitterMs: 0, ...over };
}

interface Harness {
  daemon: ScheduleDaemon;
  clock: FakeClock;
  runner: FakeRunner;
  events: DaemonEvent[];
  runsRoot: string;
  root: string;
  /** What the fake loader returns from now on. */
  setJobs(jobs: Result<ScheduledJob[], string>): void;
  /** Delivers a watcher `changed` event, as chokidar would after debouncing. */
  changed(): void;
  of<K extends DaemonEvent['type']>(type: K): Array<Extract<DaemonEvent, { type: K }>>;
}

/** A fake clock whose machine can sleep: time jumps, and timers due meanwhile fire late on wake. */
class SleepyClock extends FakeClock {
  private slept = 0;

  override now(): number {
    return super.now() + this.slept;
  }

  sleep(ms: number): void {
    this.slept += ms;
  }
}

interface HarnessOptions {
  clock?: FakeClock;
  start?: number;
  random?: () => number;
  root?: string;
  lockPollMs?: number;
}

function workdir(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Daemons using each temp root: they are stopped (which saves state) before the root is removed. */
const daemonsByRoot = new Map<string, ScheduleDaemon[]>();

function makeRoot(t: { after(fn: () => Promise<void>): void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-daemon-'));
  daemonsByRoot.set(root, []);
  t.after(async () => {
    await Promise.all((daemonsByRoot.get(root) ?? []).map((d) => d.stop()));
    daemonsByRoot.delete(root);
    fs.rmSync(root, { recursive: true, force: true });
  });
  return root;
}

function harness(
  t: { after(fn: () => Promise<void>): void },
  jobs: (root: string) => ScheduledJob[],
  options: HarnessOptions = {},
): Harness {
  const root = options.root ?? makeRoot(t);
  const runsRoot = path.join(root, 'runs');
  const clock = options.clock ?? new FakeClock(options.start ?? T0);
  const runner = new FakeRunner();
  const events: DaemonEvent[] = [];
  let current: Result<ScheduledJob[], string> = ok(jobs(root));
  let watcherOptions: WatchOptions | null = null;
  const fakeWatch: WatchManifests = (_files, opts): ManifestWatcher => {
    watcherOptions = opts;
    return { ready: Promise.resolve(), close: async () => {} };
  };
  const daemon = new ScheduleDaemon({
    manifests: [MANIFEST],
    runsRoot,
    clock,
    loadSchedules: async () => current,
    runJobs: runner.runJobs,
    onEvent: (event) => events.push(event),
    watch: fakeWatch,
    random: options.random ?? (() => 0),
    lockPollMs: options.lockPollMs ?? 5_000,
  });
  daemonsByRoot.get(root)?.push(daemon);
  return {
    daemon,
    clock,
    runner,
    events,
    runsRoot,
    root,
    setJobs: (next) => {
      current = next;
    },
    changed: () => {
      assert.ok(watcherOptions !== null, 'the daemon is watching');
      watcherOptions.onEvent({ type: 'changed', file: MANIFEST });
    },
    of: (type) => events.filter((e) => e.type === type) as never,
  };
}

const job = (name: string, wd: string, s: ScheduleSpec): ScheduledJob => ({ manifest: MANIFEST, job: name, workdir: wd, spec: s });

async function started(h: Harness): Promise<void> {
  const result = await h.daemon.start();
  assert.deepEqual(result, ok(undefined));
  await settle();
}

test('no run at start-up merely because the daemon started, even with catchUp', { timeout: 60_000 }, async (t) => {
  // 02:00:30, half a minute after a fire time; no state file yet.
  const h = harness(t, (root) => [job('nightly', workdir(root, 'repo'), spec('0 2 * * *', { catchUp: true }))], { start: T0 + 2 * HOUR + 30_000 });
  await started(h);
  assert.equal(h.runner.runs.length, 0);
  assert.equal(h.of('skip').length, 0);
  h.clock.advance(DAY - 30_001);
  await settle();
  assert.equal(h.runner.runs.length, 0, 'nothing before the next 02:00');
  h.clock.advance(1);
  await settle();
  assert.equal(h.runner.runs.length, 1);
  assert.equal(iso(h.runner.run(0).request.firedAt), '2026-01-02T02:00:00.000Z');
  assert.deepEqual(h.runner.run(0).request.jobs, ['nightly']);
});

test('a restart right after a handled fire does not run it again', { timeout: 60_000 }, async (t) => {
  const root = makeRoot(t);
  await writeScheduleState(stateFilePath(path.join(root, 'runs')), {
    version: 1,
    jobs: [{ manifest: MANIFEST, job: 'nightly', lastFire: T0 + 2 * HOUR, firstSeen: T0 - DAY }],
  });
  const h = harness(t, (r) => [job('nightly', workdir(r, 'repo'), spec('0 2 * * *', { catchUp: true }))], { root, start: T0 + 2 * HOUR + 5 * MIN });
  await started(h);
  assert.equal(h.runner.runs.length, 0);
  assert.equal(h.of('skip').length, 0);
});

for (const catchUp of [true, false]) {
  test(`downtime of 3 days with catchUp ${String(catchUp)}: ${catchUp ? 'exactly one run at start' : 'no run until the next time'}`, { timeout: 60_000 }, async (t) => {
    const root = makeRoot(t);
    const now = T0 + 10 * HOUR; // Jan 1, 10:00; last handled fire Dec 29, 02:00
    await writeScheduleState(stateFilePath(path.join(root, 'runs')), {
      version: 1,
      jobs: [{ manifest: MANIFEST, job: 'nightly', lastFire: T0 - 3 * DAY + 2 * HOUR, firstSeen: T0 - 30 * DAY }],
    });
    const h = harness(t, (r) => [job('nightly', workdir(r, 'repo'), spec('0 2 * * *', { catchUp }))], { root, start: now });
    await started(h);
    if (catchUp) {
      assert.equal(h.runner.runs.length, 1, 'one run for all the missed fires');
      assert.equal(iso(h.runner.run(0).request.firedAt), '2026-01-01T02:00:00.000Z', 'the latest missed fire time');
      assert.equal(h.of('fire')[0]?.trigger, 'catch-up');
      h.runner.run(0).finish();
    } else {
      assert.equal(h.runner.runs.length, 0);
      const skips = h.of('skip');
      assert.equal(skips.length, 1, 'one skip line, not one per missed fire');
      assert.equal(skips[0]?.reason, 'missed');
    }
    const before = h.runner.runs.length;
    h.clock.setTime(T0 + DAY + 2 * HOUR - 1);
    await settle();
    assert.equal(h.runner.runs.length, before, 'nothing more before the next fire time');
    h.clock.advance(1);
    await settle();
    assert.equal(h.runner.runs.length, before + 1);
    assert.equal(h.of('fire').at(-1)?.trigger, 'schedule');
  });
}

for (const catchUp of [true, false]) {
  test(`the machine sleeps through fire times (catchUp ${String(catchUp)}): one decision on wake, no burst`, { timeout: 60_000 }, async (t) => {
    const clock = new SleepyClock(T0);
    const h = harness(t, (root) => [job('hourly', workdir(root, 'repo'), spec('0 * * * *', { catchUp }))], { clock });
    await started(h);
    clock.sleep(5 * HOUR + 10 * MIN);
    clock.advance(MIN); // woken: the pending timer fires, long after 01:00
    await settle();
    if (catchUp) {
      assert.deepEqual(h.runner.runs.map((r) => iso(r.request.firedAt)), ['2026-01-01T05:00:00.000Z']);
      assert.equal(h.of('fire')[0]?.trigger, 'catch-up');
      h.runner.run(0).finish();
      await waitFor('the catch-up run to end', () => h.of('run-finished').length === 1);
    } else {
      assert.equal(h.runner.runs.length, 0);
      assert.deepEqual(h.of('skip').map((e) => [e.reason, iso(e.firedAt)]), [['missed', '2026-01-01T05:00:00.000Z']]);
    }
    const before = h.runner.runs.length;
    clock.setTime(T0 + 6 * HOUR - 10 * MIN); // the machine's 06:00
    await settle();
    assert.equal(h.runner.runs.length, before + 1);
    assert.equal(iso(h.runner.run(before).request.firedAt), '2026-01-01T06:00:00.000Z');
  });
}

test('overlap skip: a fire while the previous run is going is skipped', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('every10', workdir(root, 'repo'), spec('*/10 * * * *'))]);
  await started(h);
  h.clock.advance(10 * MIN);
  await settle();
  assert.equal(h.runner.runs.length, 1);
  h.clock.advance(10 * MIN);
  await settle();
  assert.equal(h.runner.runs.length, 1);
  assert.deepEqual(
    h.of('skip').map((e) => [e.reason, iso(e.firedAt)]),
    [['previous-run-active', '2026-01-01T00:20:00.000Z']],
  );
  h.runner.run(0).finish();
  await waitFor('the first run to be over', () => h.of('run-finished').length === 1);
  h.clock.advance(10 * MIN);
  await settle();
  assert.equal(h.runner.runs.length, 2);
  assert.equal(iso(h.runner.run(1).request.firedAt), '2026-01-01T00:30:00.000Z');
});

test('overlap queue: the next fire waits for the previous run; fires do not pile up', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('every10', workdir(root, 'repo'), spec('*/10 * * * *', { overlap: 'queue' }))]);
  await started(h);
  h.clock.advance(10 * MIN);
  await settle();
  h.clock.advance(10 * MIN); // 00:20 queues behind the 00:10 run
  h.clock.advance(10 * MIN); // 00:30 is dropped: 00:20 is already waiting
  await settle();
  assert.equal(h.runner.runs.length, 1);
  assert.deepEqual(h.of('queued').map((e) => [e.reason, iso(e.firedAt)]), [['previous-run-active', '2026-01-01T00:20:00.000Z']]);
  assert.deepEqual(h.of('skip').map((e) => [e.reason, iso(e.firedAt)]), [['already-pending', '2026-01-01T00:30:00.000Z']]);
  h.runner.run(0).finish();
  await waitFor('the queued run to start', () => h.runner.runs.length === 2);
  assert.equal(iso(h.runner.run(1).request.firedAt), '2026-01-01T00:20:00.000Z');
  assert.equal(h.runner.active, 1, 'never two runs of the job at once');
});

test('overlap replace: the running run is aborted and the new one starts once it has stopped', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('every10', workdir(root, 'repo'), spec('*/10 * * * *', { overlap: 'replace' }))]);
  h.runner.finishOnAbort = false;
  await started(h);
  h.clock.advance(10 * MIN);
  await settle();
  const first = h.runner.run(0);
  assert.equal(first.request.signal.aborted, false);
  h.clock.advance(10 * MIN);
  await settle();
  assert.equal(first.request.signal.aborted, true, 'the old run was told to stop');
  assert.equal(h.runner.runs.length, 1, 'the new run waits until the old one has stopped');
  assert.equal(h.of('queued')[0]?.reason, 'replacing');
  first.finish('interrupted');
  await waitFor('the replacement run', () => h.runner.runs.length === 2);
  assert.equal(iso(h.runner.run(1).request.firedAt), '2026-01-01T00:20:00.000Z');
  assert.equal(h.runner.run(1).request.signal.aborted, false);
  h.runner.run(1).finish();
});

test('two jobs sharing a workdir: the second waits (queue) or is skipped (skip)', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => {
    const shared = workdir(root, 'repo');
    return [
      job('a', shared, spec('0 * * * *')),
      job('b-queue', shared, spec('0 * * * *', { overlap: 'queue' })),
      job('c-skip', shared, spec('0 * * * *')),
    ];
  });
  await started(h);
  h.clock.advance(HOUR);
  await settle();
  assert.deepEqual(h.runner.runs.map((r) => r.request.jobs[0]), ['a']);
  assert.deepEqual(h.of('queued').map((e) => [e.job, e.reason]), [['b-queue', 'workdir-busy']]);
  assert.deepEqual(h.of('skip').map((e) => [e.job, e.reason]), [['c-skip', 'workdir-busy']]);
  assert.match(h.of('skip')[0]?.detail ?? '', /in use by \/repo\/jobs\.yaml#a \(pid \d+\)/);
  h.runner.run(0).finish();
  await waitFor('b to start after a', () => h.runner.runs.length === 2);
  assert.equal(h.runner.run(1).request.jobs[0], 'b-queue');
  assert.equal(h.runner.active, 1);
});

test('a manual run holding the workdir lock makes a queued job wait, polled on the clock', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('nightly', workdir(root, 'repo'), spec('0 2 * * *', { overlap: 'queue' }))], { lockPollMs: 5_000 });
  const manual = acquireWorkdirLock(h.runsRoot, path.join(h.root, 'repo'), 'manual run', { now: T0 });
  assert.equal(manual.kind, 'acquired');
  if (manual.kind !== 'acquired') return;
  await started(h);
  h.clock.advance(2 * HOUR);
  await settle();
  assert.equal(h.runner.runs.length, 0);
  assert.match(h.of('queued')[0]?.detail ?? '', /in use by manual run/);
  h.clock.advance(5_000);
  await settle();
  assert.equal(h.runner.runs.length, 0, 'still held');
  manual.lock.release();
  h.clock.advance(5_000);
  await settle();
  assert.equal(h.runner.runs.length, 1);
  assert.equal(iso(h.runner.run(0).request.firedAt), '2026-01-01T02:00:00.000Z');
});

test('jitter delays the start by random() * jitter; firedAt stays the cron time', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('nightly', workdir(root, 'repo'), spec('0 2 * * *', { jitterMs: 10 * MIN }))], { random: () => 0.5 });
  await started(h);
  h.clock.advance(2 * HOUR + 5 * MIN - 1);
  await settle();
  assert.equal(h.runner.runs.length, 0);
  h.clock.advance(1);
  await settle();
  assert.equal(h.runner.runs.length, 1);
  const fire = h.of('fire')[0];
  assert.equal(fire === undefined ? '' : iso(fire.at), '2026-01-01T02:05:00.000Z');
  assert.equal(fire === undefined ? '' : iso(fire.firedAt), '2026-01-01T02:00:00.000Z');
});

test('a runner that throws is reported and does not keep the workdir locked', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('hourly', workdir(root, 'repo'), spec('0 * * * *'))]);
  await started(h);
  h.clock.advance(HOUR);
  await settle();
  h.runner.run(0).fail('binary vanished');
  await waitFor('the error event', () => h.of('error').length === 1);
  assert.match(h.of('error')[0]?.message ?? '', /binary vanished/);
  h.clock.advance(HOUR);
  await settle();
  assert.equal(h.runner.runs.length, 2);
});

test('stop() aborts running jobs, waits for them, and leaves a complete state file', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('nightly', workdir(root, 'repo'), spec('0 2 * * *')), job('late', workdir(root, 'other'), spec('0 3 * * *', { jitterMs: HOUR }))], {
    random: () => 0.9,
  });
  await started(h);
  h.clock.advance(3 * HOUR); // nightly runs from 02:00; late's 03:00 fire sits in its jitter delay
  await settle();
  assert.equal(h.runner.runs.length, 1);
  await h.daemon.stop();
  assert.equal(h.runner.run(0).request.signal.aborted, true);
  assert.equal(h.daemon.phase, 'stopped');
  assert.equal(h.events.at(-1)?.type, 'stopped');
  assert.deepEqual(h.of('skip').map((e) => [e.job, e.reason]), [['late', 'stopping']]);
  const state = await readScheduleState(stateFilePath(h.runsRoot));
  assert.ok(state.ok);
  if (!state.ok) return;
  const byJob = new Map(state.value.jobs.map((j) => [j.job, j]));
  assert.equal(byJob.get('nightly')?.lastFire, T0 + 2 * HOUR);
  assert.equal(byJob.get('late')?.lastFire, null, 'a fire that never started is not recorded: catchUp can still run it');
  assert.deepEqual(fs.readdirSync(h.runsRoot).sort(), ['locks', 'schedule-state.json']);
  assert.deepEqual(fs.readdirSync(path.join(h.runsRoot, 'locks')), [], 'workdir locks released');
  assert.equal(fs.statSync(stateFilePath(h.runsRoot)).mode & 0o777, 0o600);
  assert.equal(h.clock.timerCount, 0, 'no timers left behind');
});

test('SIGTERM through the run layer signal handlers stops the daemon', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('hourly', workdir(root, 'repo'), spec('0 * * * *'))]);
  await started(h);
  h.clock.advance(HOUR);
  await settle();
  const proc = new EventEmitter();
  const handlers = installSignalHandlers(h.daemon, proc as unknown as NodeJS.Process);
  proc.emit('SIGTERM');
  await h.daemon.whenStopped();
  handlers.uninstall();
  assert.equal(h.runner.run(0).request.signal.aborted, true);
  assert.equal(h.events.at(-1)?.type, 'stopped');
});

test('reload: a valid edit replaces the schedule from the next fire time, without touching a running job', { timeout: 60_000 }, async (t) => {
  let wd = '';
  const h = harness(t, (root) => {
    wd = workdir(root, 'repo');
    return [job('a', wd, spec('0 * * * *')), job('b', workdir(root, 'b'), spec('0 2 * * *'))];
  });
  await started(h);
  h.clock.advance(HOUR); // a runs from 01:00
  await settle();
  h.setJobs(ok([job('a', wd, spec('30 * * * *'))])); // a moves to :30, b is removed
  h.changed();
  await waitFor('the reload', () => h.of('reload-ok').length === 1);
  assert.deepEqual(h.of('reload-ok')[0], { type: 'reload-ok', at: T0 + HOUR, file: MANIFEST, added: [], removed: ['b'], changed: ['a'] });
  assert.equal(h.runner.run(0).request.signal.aborted, false, 'the running job was not stopped');
  assert.deepEqual(h.daemon.scheduled().map((s) => [s.job, iso(s.nextFire ?? 0)]), [['a', '2026-01-01T01:30:00.000Z']]);
  h.runner.run(0).finish();
  await waitFor('the 01:00 run to be over', () => h.of('run-finished').length === 1);
  h.clock.advance(30 * MIN);
  await settle();
  assert.equal(iso(h.runner.run(1).request.firedAt), '2026-01-01T01:30:00.000Z');
  h.runner.run(1).finish();
  h.clock.setTime(T0 + 2 * HOUR + 1);
  await settle();
  assert.equal(h.runner.runs.length, 2, 'the removed job b did not fire at 02:00');
});

test('reload: an invalid edit keeps the old schedule and reports the diagnostics', { timeout: 60_000 }, async (t) => {
  const h = harness(t, (root) => [job('a', workdir(root, 'repo'), spec('0 * * * *'))]);
  await started(h);
  h.setJobs(err('jobs.yaml:4:15: error: invalid cron expression "0 25 * * *"'));
  h.changed();
  await waitFor('the failed reload', () => h.of('reload-failed').length === 1);
  assert.match(h.of('reload-failed')[0]?.diagnostics ?? '', /jobs\.yaml:4:15: error: invalid cron/);
  h.clock.advance(HOUR);
  await settle();
  assert.equal(h.runner.runs.length, 1, 'the old schedule still fires');
});

test('--once: nothing is due on the first run; later, each overdue job runs once; then nothing again', { timeout: 60_000 }, async (t) => {
  const root = makeRoot(t);
  const jobs = (r: string): ScheduledJob[] => [job('hourly', workdir(r, 'repo'), spec('0 * * * *', { catchUp: false })), job('daily', workdir(r, 'other'), spec('0 2 * * *'))];
  const first = harness(t, jobs, { root, start: T0 + 30 * MIN });
  assert.deepEqual(await first.daemon.runOnce(), ok({ runs: [] }));
  assert.equal(first.daemon.phase, 'stopped');

  // Three and a half hours later: hourly missed 01:00, 02:00, 03:00 -> one run for 03:00; daily 02:00 -> one run.
  const second = harness(t, jobs, { root, start: T0 + 3 * HOUR + 30 * MIN, random: () => 0.99 });
  const once = second.daemon.runOnce();
  await waitFor('both runs', () => second.runner.runs.length === 2);
  for (const run of second.runner.runs) run.finish();
  const result = await once;
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.deepEqual(
    result.value.runs.map((r) => [r.job, iso(r.firedAt), r.outcome?.status]).sort(),
    [
      ['daily', '2026-01-01T02:00:00.000Z', 'succeeded'],
      ['hourly', '2026-01-01T03:00:00.000Z', 'succeeded'],
    ],
  );
  assert.ok(second.of('fire').every((e) => e.trigger === 'once'));

  const third = harness(t, jobs, { root, start: T0 + 3 * HOUR + 40 * MIN });
  assert.deepEqual(await third.daemon.runOnce(), ok({ runs: [] }));
});

test('a manifest that does not load at start-up fails start() with its diagnostics', { timeout: 60_000 }, async (t) => {
  const h = harness(t, () => []);
  h.setJobs(err('jobs.yaml:1:1: error: broken'));
  const result = await h.daemon.start();
  assert.deepEqual(result, err('jobs.yaml:1:1: error: broken'));
  assert.equal(h.daemon.phase, 'stopped');
  assert.equal(h.clock.timerCount, 0);
});
