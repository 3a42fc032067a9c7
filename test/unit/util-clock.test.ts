import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainedTimers, MAX_TIMER_MS, type TimerFunctions } from '../../src/util/clock.js';

/** Node-like timers over a manual time: like Node, a wait past 2^31 - 1 ms fires after 1 ms. */
function fakeTimers() {
  let time = 0;
  let nextId = 1;
  const pending = new Map<number, { due: number; fn: () => void }>();
  const waits: number[] = [];
  const timers: TimerFunctions<number> = {
    setTimeout: (fn, ms) => {
      waits.push(ms);
      const id = nextId++;
      pending.set(id, { due: time + (ms > MAX_TIMER_MS ? 1 : ms), fn });
      return id;
    },
    clearTimeout: (id) => {
      pending.delete(id);
    },
  };
  const advance = (ms: number): void => {
    const target = time + ms;
    for (;;) {
      const next = [...pending.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (next === undefined || next[1].due > target) break;
      pending.delete(next[0]);
      time = next[1].due;
      next[1].fn();
    }
    time = target;
  };
  return { timers, now: () => time, advance, waits, pending };
}

const HOUR = 3_600_000;

test('a timer longer than 2^31 - 1 ms is chained in legs and fires exactly when due, never early', { timeout: 5000 }, () => {
  const fake = fakeTimers();
  const clock = chainedTimers(fake.timers, fake.now);
  let firedAt: number | null = null;
  clock.setTimeout(() => (firedAt = fake.now()), 1000 * HOUR);
  assert.ok(fake.waits.every((w) => w <= MAX_TIMER_MS), `no leg past the limit: ${fake.waits.join(', ')}`);
  fake.advance(1);
  assert.equal(firedAt, null, 'not fired after 1 ms (what Node does with an overlong wait)');
  fake.advance(1000 * HOUR - 2);
  assert.equal(firedAt, null, 'not fired 1 ms before it is due');
  fake.advance(1);
  assert.equal(firedAt, 1000 * HOUR);
  assert.deepEqual(fake.waits, [MAX_TIMER_MS, 1000 * HOUR - MAX_TIMER_MS]);
  assert.equal(fake.pending.size, 0);
});

test('a chained timer can be cleared in any leg; short timers are a single leg', { timeout: 5000 }, () => {
  const fake = fakeTimers();
  const clock = chainedTimers(fake.timers, fake.now);
  let fired = 0;
  const long = clock.setTimeout(() => fired++, 3 * MAX_TIMER_MS);
  fake.advance(MAX_TIMER_MS + 5);
  assert.equal(fake.waits.length, 2, 'in its second leg');
  clock.clearTimeout(long);
  assert.equal(fake.pending.size, 0);
  fake.advance(3 * MAX_TIMER_MS);
  assert.equal(fired, 0);

  const short = clock.setTimeout(() => fired++, 500);
  assert.equal(fake.waits.at(-1), 500);
  clock.clearTimeout(short);
  clock.clearTimeout(short);
  clock.setTimeout(() => fired++, 500);
  fake.advance(500);
  assert.equal(fired, 1);
});
