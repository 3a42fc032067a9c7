import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';
import { ScheduleDaemon, type LoadSchedules, type RunRequest, type ScheduledJob } from '../../src/schedule/daemon.js';
import type { DaemonEvent } from '../../src/schedule/daemon-events.js';
import { watchManifests, type WatchManifests } from '../../src/schedule/manifest-watcher.js';
import { validateSchedule } from '../../src/schedule/schedule-spec.js';
import { err, ok } from '../../src/util/result.js';

const HOUR = 3_600_000;
const DEBOUNCE = 300;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString();

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// A stand-in for the manifest layer: reads the YAML and validates each job's scheduling
// fields with validateSchedule, collecting every problem as `file: jobs.<job>.<field>: message`.
const loadSchedules: LoadSchedules = async (file) => {
  let doc: { jobs?: Record<string, Record<string, unknown>> };
  try {
    doc = parse(await fs.promises.readFile(file, 'utf8')) as typeof doc;
  } catch (cause) {
    return err(`${file}: ${(cause as Error).message}`);
  }
  const jobs: ScheduledJob[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(doc.jobs ?? {})) {
    const spec = validateSchedule(raw);
    if (!spec.ok) problems.push(...spec.error.map((p) => `${file}: jobs.${name}.${p.field}: error: ${p.message}`));
    else if (spec.value !== null) jobs.push({ manifest: file, job: name, workdir: path.dirname(file), spec: spec.value });
  }
  return problems.length > 0 ? err(problems.join('\n')) : ok(jobs);
};

test('manifest reloads through real file writes and chokidar: valid edit, invalid edit, removed job', { timeout: 120_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-reload-'));
  const manifest = path.join(root, 'jobs.yaml');
  const original = fs.readFileSync(fixture('schedule/jobs.yaml'), 'utf8');
  fs.writeFileSync(manifest, original);

  const clock = new FakeClock(T0);
  const events: DaemonEvent[] = [];
  const runs: Array<{ request: RunRequest; finish(): void }> = [];
  let seen = 0;
  // The real chokidar watcher, observed so the test knows when a write has reached it.
  const watch: WatchManifests = (files, options) =>
    watchManifests(files, {
      ...options,
      onEvent: (event) => {
        if (event.type === 'seen') seen++;
        options.onEvent(event);
      },
    });
  const daemon = new ScheduleDaemon({
    manifests: [manifest],
    runsRoot: path.join(root, 'runs'),
    clock,
    loadSchedules,
    runJobs: (request) =>
      new Promise((resolve) => {
        const finish = () => resolve({ runDir: `/runs/${runs.length}`, status: 'succeeded' });
        runs.push({ request, finish });
        request.signal.addEventListener('abort', finish);
      }),
    onEvent: (event) => events.push(event),
    watch,
    debounceMs: DEBOUNCE,
  });
  t.after(async () => {
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  // Writes the manifest, waits until chokidar has seen it, then moves the injected clock past
  // the debounce until the daemon has reacted as `done` says.
  // chokidar drops a second `change` of a file within 50 ms of the previous one, so the write
  // is repeated until the watcher reports it.
  const edit = async (text: string, done: () => boolean, how: 'in-place' | 'rename' = 'in-place'): Promise<void> => {
    const before = seen;
    for (let attempt = 0; seen === before; attempt++) {
      assert.ok(attempt < 50, 'the watcher never saw the write');
      if (how === 'rename') {
        fs.writeFileSync(`${manifest}.tmp`, text);
        fs.renameSync(`${manifest}.tmp`, manifest);
      } else {
        fs.writeFileSync(manifest, text);
      }
      const retryAt = Date.now() + 100;
      while (seen === before && Date.now() < retryAt) await new Promise((resolve) => setImmediate(resolve));
    }
    const deadline = Date.now() + 5_000;
    while (!done()) {
      assert.ok(Date.now() < deadline, 'timed out waiting for the reload');
      clock.advance(DEBOUNCE);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const reloadsOk = () => events.filter((e): e is Extract<DaemonEvent, { type: 'reload-ok' }> => e.type === 'reload-ok');
  const nextFireOf = (job: string) => daemon.scheduled().find((s) => s.job === job)?.nextFire ?? null;

  assert.deepEqual(await daemon.start(), ok(undefined));
  clock.advance(HOUR);
  await waitFor('the 01:00 hourly run', () => runs.length === 1);
  assert.equal(runs[0]?.request.jobs[0], 'hourly');

  // 1. A valid edit (saved editor-style): nightly moves from 02:00 to 03:00.
  const moved = original.replace('"0 2 * * *"', '"0 3 * * *"');
  await edit(moved, () => reloadsOk().some((e) => e.changed.includes('nightly')), 'rename');
  assert.equal(iso(nextFireOf('nightly') ?? 0), '2026-01-01T03:00:00.000Z');

  // 2. An invalid edit: the old schedule stays and the diagnostics are reported.
  await edit(moved.replace('"0 3 * * *"', '"0 25 * * *"'), () => events.some((e) => e.type === 'reload-failed'));
  const failed = events.find((e): e is Extract<DaemonEvent, { type: 'reload-failed' }> => e.type === 'reload-failed');
  assert.match(failed?.diagnostics ?? '', /jobs\.nightly\.schedule\.cron: error: invalid cron expression "0 25 \* \* \*"/);
  assert.equal(iso(nextFireOf('nightly') ?? 0), '2026-01-01T03:00:00.000Z');

  // 3. The hourly job is deleted while its run is going: it stops being scheduled, its run is not stopped.
  const withoutHourly = moved.slice(0, moved.indexOf('  hourly:'));
  await edit(withoutHourly, () => reloadsOk().some((e) => e.removed.includes('hourly')));
  assert.deepEqual(daemon.scheduled().map((s) => s.job), ['nightly']);
  assert.equal(runs[0]?.request.signal.aborted, false, 'a reload never kills a running job');
  runs[0]?.finish();
  await waitFor('the hourly run to end', () => events.some((e) => e.type === 'run-finished'));

  clock.setTime(T0 + 3 * HOUR);
  await waitFor('the 03:00 nightly run', () => runs.length === 2);
  assert.equal(runs[1]?.request.jobs[0], 'nightly');
  assert.equal(iso(runs[1]?.request.firedAt ?? 0), '2026-01-01T03:00:00.000Z');
  assert.equal(
    events.filter((e) => e.type === 'fire').length,
    2,
    'hourly did not fire at 02:00 or 03:00 and nightly did not fire at 02:00',
  );
});
