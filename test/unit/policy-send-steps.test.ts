import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSendSteps, stepsFor, visibleSteps, DEFAULT_SEND_TIMING } from '../../src/session/policies/send-steps.js';
import { FakeClock } from '../helpers/fake-clock.js';

test('text is typed, then Enter after enterDelayMs; keys one per keyDelayMs', () => {
  assert.deepEqual(stepsFor({ kind: 'text', text: 'yes', enter: true }, DEFAULT_SEND_TIMING), [
    { delayMs: 0, data: 'yes' },
    { delayMs: 500, data: '\r' },
  ]);
  assert.deepEqual(stepsFor({ kind: 'text', text: '\r', enter: false }, DEFAULT_SEND_TIMING), [{ delayMs: 0, data: '\r' }]);
  const keys = stepsFor({ kind: 'keys', keys: ['down', 'down', 'enter'], bytes: ['\x1b[B', '\x1b[B', '\r'] }, { enterDelayMs: 500, keyDelayMs: 30 });
  assert.deepEqual(keys, [
    { delayMs: 0, data: '\x1b[B' },
    { delayMs: 30, data: '\x1b[B' },
    { delayMs: 30, data: '\r' },
  ]);
  assert.equal(visibleSteps(keys), '\\x1b[B\\x1b[B\\r');
});

test('runSendSteps types each step when its delay has passed on the clock', async () => {
  const clock = new FakeClock();
  const typed: [number, string][] = [];
  const start = clock.now();
  const run = runSendSteps(stepsFor({ kind: 'text', text: 'y', enter: true }, DEFAULT_SEND_TIMING), (d) => typed.push([clock.now() - start, d]), clock);
  assert.deepEqual(typed, [[0, 'y']]);
  clock.advance(499);
  assert.equal(typed.length, 1);
  clock.advance(1);
  assert.deepEqual(typed, [
    [0, 'y'],
    [500, '\r'],
  ]);
  await run.done;
});

test('a cancelled send types nothing more and leaves no timer', async () => {
  const clock = new FakeClock();
  const typed: string[] = [];
  const run = runSendSteps(
    [
      { delayMs: 0, data: 'a' },
      { delayMs: 100, data: 'b' },
    ],
    (d) => typed.push(d),
    clock,
  );
  run.cancel();
  assert.equal(clock.timerCount, 0);
  clock.advance(1000);
  assert.deepEqual(typed, ['a']);
  await run.done;
});
