import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ScheduleStateStore,
  readScheduleState,
  stateFilePath,
  writeScheduleState,
  type ScheduleState,
} from '../../src/schedule/state-file.js';

function tempRoot(t: { after(fn: () => void): void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-state-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

test('a missing state file reads as an empty state', async (t) => {
  const file = stateFilePath(tempRoot(t));
  assert.deepEqual(await readScheduleState(file), { ok: true, value: { version: 1, jobs: [] } });
});

test('a damaged state file is an error, not an empty state', async (t) => {
  const file = stateFilePath(tempRoot(t));
  fs.writeFileSync(file, '{"version":1,"jobs":[');
  const broken = await readScheduleState(file);
  assert.equal(broken.ok, false);
  assert.match(broken.ok ? '' : broken.error, /not valid JSON/);
  fs.writeFileSync(file, '{"version":2,"jobs":[]}');
  assert.equal((await readScheduleState(file)).ok, false);
});

test('write then read round-trips; the file is 0600 and its new folder 0700', async (t) => {
  const runsRoot = path.join(tempRoot(t), 'runs');
  const file = stateFilePath(runsRoot);
  const state: ScheduleState = { version: 1, jobs: [{ manifest: '/m.yaml', job: 'a', lastFire: 1000, firstSeen: 10 }] };
  assert.deepEqual(await writeScheduleState(file, state), { ok: true, value: undefined });
  assert.deepEqual(await readScheduleState(file), { ok: true, value: state });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(runsRoot).mode & 0o777, 0o700);
});

// A reader racing many writers must only ever see a complete file: rename replaces it atomically.
test('the file is valid JSON at every moment during many saves, and no temporary files remain', async (t) => {
  const root = tempRoot(t);
  const file = stateFilePath(root);
  const store = new ScheduleStateStore(file, { version: 1, jobs: [] });
  let reads = 0;
  let writing = true;
  const reader = (async () => {
    while (writing) {
      let text: string | null = null;
      try {
        text = await fs.promises.readFile(file, 'utf8');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
      }
      if (text !== null) {
        const parsed = JSON.parse(text) as ScheduleState; // throws on a torn file
        assert.equal(parsed.version, 1);
        reads++;
      }
    }
  })();
  // Direct writes of a sizeable state (about 30 KB, several write() calls if it were not atomic)...
  const big: ScheduleState = {
    version: 1,
    jobs: Array.from({ length: 300 }, (_, i) => ({ manifest: `/some/long/path/to/manifest-${i}.yaml`, job: `job-${i}`, lastFire: i, firstSeen: 0 })),
  };
  for (let i = 0; i < 60; i++) assert.ok((await writeScheduleState(file, big)).ok);
  // ...then many saves through the store, most of them asked for while one is in flight.
  const saves: Array<Promise<unknown>> = [];
  for (let i = 0; i < 300; i++) {
    store.recordFire('/m.yaml', `job-${i % 20}`, 1_000 + i);
    saves.push(store.save());
    if (i % 25 === 0) await saves[saves.length - 1];
  }
  const results = await Promise.all(saves);
  writing = false;
  await reader;
  assert.ok(results.every((r) => (r as { ok: boolean }).ok));
  assert.ok(reads > 0, 'the reader saw the file at least once');
  const final = await readScheduleState(file);
  assert.ok(final.ok);
  if (!final.ok) return;
  assert.equal(final.value.jobs.length, 20);
  assert.equal(final.value.jobs.find((j) => j.job === 'job-19')?.lastFire, 1_299, 'the last save includes the last change');
  assert.deepEqual(fs.readdirSync(root), ['schedule-state.json']);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('the store creates records with firstSeen and only moves lastFire forward', () => {
  const store = new ScheduleStateStore('/unused', { version: 1, jobs: [{ manifest: '/m.yaml', job: 'old', lastFire: 50, firstSeen: 1 }] });
  assert.deepEqual(store.ensure('/m.yaml', 'new', 500), { manifest: '/m.yaml', job: 'new', lastFire: null, firstSeen: 500 });
  assert.deepEqual(store.ensure('/m.yaml', 'new', 900), { manifest: '/m.yaml', job: 'new', lastFire: null, firstSeen: 500 });
  store.recordFire('/m.yaml', 'old', 40);
  assert.equal(store.get('/m.yaml', 'old')?.lastFire, 50);
  store.recordFire('/m.yaml', 'old', 60);
  assert.equal(store.get('/m.yaml', 'old')?.lastFire, 60);
});
