import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BATCH_ENTRIES, BATCH_MS, FINE_ENTRIES, parseTiming, TimingIndex, timingFileFor } from '../../src/logs/timing-index.js';
import { estimatedSchedule, recordedSchedule } from '../../src/rules/log-player.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the timing index: one entry per burst (chunks within 5 ms join), 0600, parsed back', { timeout: 10_000 }, async () => {
  const clock = new FakeClock(1_000_000);
  const file = path.join(tempDir(), 'build.timing');
  const opened = await TimingIndex.open(file, clock);
  assert.ok(opened.ok);
  const index = opened.value;
  index.record(100);
  clock.advance(3);
  index.record(50); // same burst
  clock.advance(497);
  index.record(7);
  index.record(0); // nothing arrived: no entry
  clock.advance(1500);
  index.record(4096);
  await index.close();
  const text = readFileSync(file, 'utf8');
  assert.equal(text, 'codex-run timing 1 start=1000000\n0 150\n500 7\n2000 4096\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(parseTiming(text), { ok: true, value: { start: 1_000_000, entries: [[0, 150], [500, 7], [2000, 4096]] } });
  assert.equal(timingFileFor('build.log'), 'build.timing');
});

test('the timing index stays bounded: after the fine entries, one entry per second at most', { timeout: 30_000 }, async () => {
  const clock = new FakeClock(0);
  const file = path.join(tempDir(), 'flood.timing');
  const opened = await TimingIndex.open(file, clock);
  assert.ok(opened.ok);
  // A chunk every 10 ms for FINE_ENTRIES entries, then 100 s more of the same.
  for (let i = 0; i < FINE_ENTRIES + 10_000; i++) {
    opened.value.record(10);
    clock.advance(10);
  }
  await opened.value.close();
  const parsed = parseTiming(readFileSync(file, 'utf8'));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.entries.length, FINE_ENTRIES + 100);
  assert.equal(parsed.value.entries.reduce((sum, [, bytes]) => sum + bytes, 0), (FINE_ENTRIES + 10_000) * 10);
});

test('the timing index writes its entries in batches, not one file write per line (issue 16)', { timeout: 10_000 }, async () => {
  const clock = new FakeClock(0);
  const file = path.join(tempDir(), 'idle.timing');
  const opened = await TimingIndex.open(file, clock);
  assert.ok(opened.ok);
  const index = opened.value;
  // A line every 3 s: three entries finished, none written yet (the header goes out at once).
  for (let i = 0; i < 4; i++) {
    index.record(20);
    clock.advance(3000);
  }
  await waitFor('the header on disk', () => readFileSync(file, 'utf8').startsWith('codex-run timing 1 start=0\n'), 5000, 5);
  assert.equal(readFileSync(file, 'utf8'), 'codex-run timing 1 start=0\n', 'finished entries wait for their batch');
  // Once the oldest waiting entry is BATCH_MS old, the batch is written in one go.
  clock.setTime(BATCH_MS);
  index.record(20);
  await waitFor('the batch on disk', () => readFileSync(file, 'utf8').split('\n').length > 2, 5000, 5);
  assert.equal(readFileSync(file, 'utf8'), 'codex-run timing 1 start=0\n0 20\n3000 20\n6000 20\n9000 20\n');
  // A burst of BATCH_ENTRIES entries is written without waiting for the time.
  for (let i = 0; i < BATCH_ENTRIES + 1; i++) {
    clock.advance(10);
    index.record(1);
  }
  await waitFor('the full batch on disk', () => readFileSync(file, 'utf8').split('\n').length - 2 >= 4 + BATCH_ENTRIES, 5000, 5);
  await index.close();
  const parsed = parseTiming(readFileSync(file, 'utf8'));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.entries.length, 5 + BATCH_ENTRIES + 1, 'close writes what was left');
});

test('a damaged timing index is an error naming its line', () => {
  assert.deepEqual(parseTiming('hello\n'), { ok: false, error: 'line 1: expected "codex-run timing 1 start=<ms>", found "hello"' });
  assert.deepEqual(parseTiming('codex-run timing 1 start=5\n0 10\nx\n'), { ok: false, error: 'line 3: expected "<ms> <bytes>", found "x"' });
  assert.deepEqual(parseTiming('codex-run timing 1 start=5\n9 10\n3 1\n'), { ok: false, error: 'line 3: time 3 goes back before 9' });
});

test('schedules: recorded entries cut the log in order; an estimate spreads line-cut pieces over the running time', () => {
  const timing = { start: 1000, entries: [[0, 4], [250, 3], [900, 100]] as Array<[number, number]> };
  // The log is longer than the index says (bytes after the last entry) or shorter (cut short).
  assert.deepEqual(recordedSchedule(10, timing).chunks, [
    { at: 1000, start: 0, end: 4 },
    { at: 1250, start: 4, end: 7 },
    { at: 1900, start: 7, end: 10 },
  ]);
  assert.deepEqual(recordedSchedule(5, timing).chunks, [
    { at: 1000, start: 0, end: 4 },
    { at: 1250, start: 4, end: 5 },
  ]);
  const data = Buffer.from(`${'a'.repeat(3000)}\n${'b'.repeat(3000)}\n${'c'.repeat(3000)}`);
  const estimated = estimatedSchedule(data, 0, 1000);
  assert.equal(estimated.timed, false);
  assert.deepEqual(estimated.chunks, [
    { start: 0, end: 3001, at: 0 },
    { start: 3001, end: 6002, at: 500 },
    { start: 6002, end: 9002, at: 1000 },
  ]);
});
