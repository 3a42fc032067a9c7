import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../helpers/fake-clock.js';
import { watchManifests, type WatcherEvent } from '../../src/schedule/manifest-watcher.js';

const DEBOUNCE = 300;

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * chokidar drops a second `change` of the same file within 50 ms of the first (its own
 * throttle; the debounced reload still reads the latest content). So a test that needs each
 * write observed writes again until the watcher reports it, with a deadline.
 */
async function writeUntilSeen(file: string, text: string, seenCount: () => number): Promise<void> {
  const before = seenCount();
  const deadline = Date.now() + 5_000;
  for (;;) {
    fs.writeFileSync(file, text);
    const retryAt = Date.now() + 100;
    while (seenCount() === before && Date.now() < retryAt) await new Promise((resolve) => setImmediate(resolve));
    if (seenCount() > before) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the watcher to see a write');
  }
}

function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h5-watch-'));
  const file = path.join(root, 'jobs.yaml');
  fs.writeFileSync(file, 'jobs: {}\n');
  const clock = new FakeClock();
  const events: WatcherEvent[] = [];
  const watcher = watchManifests([file], { clock, debounceMs: DEBOUNCE, onEvent: (e) => events.push(e) });
  t.after(async () => {
    await watcher.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const count = (type: WatcherEvent['type']) => events.filter((e) => e.type === type).length;
  return { root, file, clock, events, watcher, count };
}

test('rapid writes to a manifest collapse into one debounced `changed`, timed on the injected clock', { timeout: 120_000 }, async (t) => {
  const { file, clock, watcher, count } = setup(t);
  await watcher.ready;
  await writeUntilSeen(file, 'jobs: { a: {} }\n', () => count('seen'));
  clock.advance(DEBOUNCE - 100);
  await writeUntilSeen(file, 'jobs: { a: {}, b: {} }\n', () => count('seen'));
  clock.advance(DEBOUNCE - 100);
  assert.equal(count('changed'), 0, 'the second write restarted the quiet period');
  const deadline = Date.now() + 5_000;
  while (count('changed') === 0) {
    assert.ok(Date.now() < deadline, 'timed out waiting for `changed`');
    clock.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(count('changed'), 1);
});

test('an editor-style save (write a temporary file, rename it over) is one `changed`', { timeout: 120_000 }, async (t) => {
  const { root, file, clock, events, watcher, count } = setup(t);
  await watcher.ready;
  const tmp = path.join(root, '.jobs.yaml.swp');
  fs.writeFileSync(tmp, 'jobs: { renamed: {} }\n');
  fs.renameSync(tmp, file);
  await waitFor('the rename to be seen', () => count('seen') >= 1);
  while (count('changed') === 0) {
    clock.advance(DEBOUNCE);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(events.filter((e) => e.type === 'changed'), [{ type: 'changed', file }]);
});

test('a deleted manifest and its re-creation are both seen', { timeout: 120_000 }, async (t) => {
  const { file, events, watcher } = setup(t);
  await watcher.ready;
  const changes = () => events.flatMap((e) => (e.type === 'seen' ? [e.change] : []));
  fs.unlinkSync(file);
  await waitFor('the delete to be seen', () => changes().includes('unlink'));
  fs.writeFileSync(file, 'jobs: {}\n');
  await waitFor('the re-creation to be seen', () => changes().includes('add'));
});

test('close() cancels a pending debounce', { timeout: 120_000 }, async (t) => {
  const { file, clock, watcher, count } = setup(t);
  await watcher.ready;
  fs.writeFileSync(file, 'jobs: { c: {} }\n');
  await waitFor('the write to be seen', () => count('seen') >= 1);
  assert.equal(clock.timerCount, 1);
  await watcher.close();
  assert.equal(clock.timerCount, 0);
  clock.advance(DEBOUNCE * 10);
  assert.equal(count('changed'), 0);
});
