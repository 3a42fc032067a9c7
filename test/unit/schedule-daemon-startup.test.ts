import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ScheduleDaemon, type RunRequest } from '../../src/schedule/daemon.js';
import type { DaemonEvent } from '../../src/schedule/daemon-events.js';
import type { WatchManifests } from '../../src/schedule/manifest-watcher.js';
import { ok } from '../../src/util/result.js';

const T0 = Date.UTC(2026, 0, 1);

// Lets the promise chains a timer callback starts run to the runner.
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a fire time that passes while the watcher is still getting ready fires once ready, and the schedule keeps going', { timeout: 60_000 }, async () => {
  const root = tempDir('codex-run-daemon-startup-');
  const clock = new FakeClock(T0);
  const requests: RunRequest[] = [];
  const events: DaemonEvent[] = [];
  let markReady = (): void => {};
  let watching = (): void => {};
  const watchCalled = new Promise<void>((resolve) => (watching = resolve));
  // chokidar's initial scan can take seconds on a busy machine; this watcher is ready when the test says.
  const watch: WatchManifests = () => {
    watching();
    return {
      ready: new Promise<void>((resolve) => {
        markReady = resolve;
      }),
      close: async () => {},
    };
  };
  const daemon = new ScheduleDaemon({
    manifests: ['/repo/jobs.yaml'],
    runsRoot: path.join(root, 'runs'),
    clock,
    loadSchedules: async () =>
      ok([{ manifest: '/repo/jobs.yaml', job: 'tick', workdir: root, spec: { cron: '*/2 * * * * *', timezone: 'UTC', overlap: 'queue', catchUp: false, jitterMs: 0 } }]),
    runJobs: async (request) => {
      requests.push(request);
      return { runDir: `/runs/${requests.length}`, status: 'succeeded' };
    },
    onEvent: (event) => events.push(event),
    watch,
  });
  const started = daemon.start();
  // Start-up reads the state file from disk first: wait until it is actually watching.
  await watchCalled;
  clock.advance(2_500);
  markReady();
  assert.deepEqual(await started, ok(undefined));
  await settle();
  clock.advance(0);
  await settle();
  assert.deepEqual(requests.map((r) => r.firedAt), [T0 + 2_000], 'the fire during start-up runs once the scheduler is up');
  clock.advance(2_000);
  await settle();
  assert.deepEqual(requests.map((r) => r.firedAt), [T0 + 2_000, T0 + 4_000], 'and the next one follows');
  await daemon.stop();
  assert.equal(events.at(-1)?.type, 'stopped');
});
