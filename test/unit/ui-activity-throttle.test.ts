import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityThrottle } from '../../src/ui/activity-throttle.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(): { clock: FakeClock; throttle: ActivityThrottle; seen: string[] } {
  const clock = new FakeClock(0);
  const seen: string[] = [];
  const throttle = new ActivityThrottle(clock, 10_000, (job, line) => seen.push(`${clock.now()} ${job} ${line}`));
  return { clock, throttle, seen };
}

test('first line goes out at once, the newest line of a window goes out when it ends', () => {
  const { clock, throttle, seen } = setup();
  throttle.offer('a', 'one');
  clock.advance(1_000);
  throttle.offer('a', 'two');
  clock.advance(1_000);
  throttle.offer('a', 'three');
  assert.deepEqual(seen, ['0 a one']);
  clock.advance(7_999);
  assert.deepEqual(seen, ['0 a one']);
  clock.advance(1);
  assert.deepEqual(seen, ['0 a one', '10000 a three']);
  // A new window started with that line; a quiet window then reopens the job.
  clock.advance(10_000);
  assert.equal(clock.timerCount, 0);
  throttle.offer('a', 'four');
  assert.deepEqual(seen.at(-1), '20000 a four');
});

test('jobs are throttled independently', () => {
  const { clock, throttle, seen } = setup();
  throttle.offer('a', 'a1');
  throttle.offer('b', 'b1');
  throttle.offer('a', 'a2');
  clock.advance(10_000);
  assert.deepEqual(seen, ['0 a a1', '0 b b1', '10000 a a2']);
});

test('cancel drops the pending line and its timer; cancelAll leaves no timer', () => {
  const { clock, throttle, seen } = setup();
  throttle.offer('a', 'a1');
  throttle.offer('a', 'a2');
  throttle.offer('b', 'b1');
  throttle.cancel('a');
  assert.equal(clock.timerCount, 1);
  clock.advance(60_000);
  assert.deepEqual(seen, ['0 a a1', '0 b b1']);
  throttle.offer('c', 'c1');
  throttle.offer('d', 'd1');
  throttle.cancelAll();
  assert.equal(clock.timerCount, 0);
  throttle.offer('c', 'c2');
  assert.equal(seen.at(-1), '60000 c c2');
});
