import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { EventBus, type RunEvent } from '../../src/run/events.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { ANSWER_CONTINUE, floodJobSpec } from '../helpers/job-spec.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { defaultSupervision } from '../helpers/supervision.js';
import { waitFor } from '../helpers/wait-for.js';
import { floodSupervision } from '../helpers/flood-supervision.js';

function job(): JobSpec {
  return floodJobSpec([ANSWER_CONTINUE]);
}

test('a flood never asks for backpressure, and a prompt at its end is still seen and answered', async () => {
  const clock = new FakeClock();
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const written: string[] = [];
  const supervision = new JobSupervision({
    job: job(),
    cols: 80,
    rows: 24,
    clock,
    bus,
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: (data) => written.push(data), stop: () => assert.fail('nothing should stop the job') },
  });
  const line = Buffer.from(`${'x'.repeat(75)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: 50 }, () => line));
  let asked = 0;
  for (let i = 0; i < 500; i++) if (!supervision.write(chunk)) asked++;
  assert.equal(asked, 0, 'the PTY is never paused for the screen model');
  supervision.write(Buffer.from('Continue? [y/n] '));
  // The held-back tail is replayed on the clock once the screen model has caught up.
  await waitFor('the prompt to be answered', async () => {
    clock.advance(100);
    await supervision.whenCaughtUp();
    clock.advance(5);
    return written.includes('y');
  });
  assert.deepEqual(
    events.filter((e) => e.type === 'job-intervention').map((e) => (e.type === 'job-intervention' ? e.intervention.kind : '')),
    ['answer'],
  );
  supervision.dispose();
});

test("a bounded PTY's flood ends on its quiet word, not between two of its tails; the prompt in the last tail is answered (issue 16)", async () => {
  const { clock, written, supervision } = floodSupervision();
  supervision.setUpstreamBounded(true);
  const lines = (n: number): Buffer => Buffer.from(Array.from({ length: 40 }, (_, i) => `step ${n} line ${i}\r\n`).join(''));
  const snapshots = (): number => supervision.screenWork().snapshots;
  // The pump's tails, one per 100 ms tick: held back, nothing skipped.
  for (let tick = 0; tick < 10; tick++) {
    supervision.skipped(0, Buffer.alloc(0));
    supervision.write(lines(tick));
    await supervision.whenCaughtUp();
    clock.advance(100);
  }
  // A flooding screen shows the policies one snapshot a second, not one per tail.
  assert.ok(snapshots() <= 2, `${snapshots()} snapshots in 1 s of tails`);
  // The last tail ends in a prompt and the pump says the output went quiet: answered now,
  // without waiting for a fallback timer.
  supervision.skipped(0, Buffer.alloc(0));
  supervision.write(Buffer.from('Continue? [y/n] '));
  supervision.quiet();
  await supervision.whenCaughtUp();
  clock.advance(1);
  assert.deepEqual(written, ['y']);
  supervision.dispose();
});

test('one answer at a time: a prompt redrawn while an answer is still being typed gets no second answer', async () => {
  const clock = new FakeClock();
  const bus = new EventBus();
  const written: string[] = [];
  const spec = job();
  spec.supervision = defaultSupervision({ answers: [{ match: 'Pick one:', send: { keys: ['down', 'enter'] } }] });
  const supervision = new JobSupervision({
    job: spec,
    cols: 40,
    rows: 10,
    clock,
    bus,
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: (data) => written.push(data), stop: () => assert.fail('nothing should stop the job') },
  });
  const seen = async (): Promise<void> => {
    await supervision.whenCaughtUp();
    clock.advance(2);
  };
  supervision.write(Buffer.from('Pick one:\r\n> a\r\n  b'));
  await seen();
  assert.deepEqual(written, ['\x1b[B'], 'the first key goes at once, Enter after the key delay');
  // The program redraws: the same question, now further down, looks like a new prompt.
  supervision.write(Buffer.from('\x1b[2J\x1b[H\r\n\r\nPick one:\r\n  a\r\n> b'));
  await seen();
  clock.advance(100);
  assert.deepEqual(written, ['\x1b[B', '\r'], 'no second answer was typed over the first');
  supervision.dispose();
});

test('the live state is re-checked only when time alone can change it: a job printing every 3 s wakes no refresh timer every 5 s, and an idle job still counts up (issue 16)', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  let fired = 0;
  // The same clock, counting the timers that fire.
  const counting = {
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) =>
      clock.setTimeout(() => {
        fired++;
        fn();
      }, ms),
    clearTimeout: (handle: Parameters<FakeClock['clearTimeout']>[0]) => clock.clearTimeout(handle),
  };
  const bus = new EventBus();
  const states: string[] = [];
  bus.on((e) => {
    if (e.type === 'job-state' && e.detail !== null) states.push(`${(e.at - T0) / 1000}s ${e.detail}`);
  });
  const T0 = clock.now();
  const supervision = new JobSupervision({
    job: job(),
    cols: 80,
    rows: 24,
    clock: counting,
    bus,
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: () => {}, stop: () => assert.fail('nothing should stop the job') },
  });
  try {
    for (let tick = 1; tick <= 20; tick++) {
      clock.advance(3000);
      supervision.write(Buffer.from(`still working: tick ${tick}\r\n`));
      await supervision.whenCaughtUp();
    }
    // 60 s of a line every 3 s: a 5 s poll fires 12 times; the grid point after each "could turn idle" moment, twice.
    assert.ok(fired <= 3, `${fired} timers fired while the job kept printing`);
    assert.deepEqual(states, []);
    // Then silence: "idle" appears at the first 5 s grid point 30 s after the last line, and counts up at every one.
    clock.advance(45_000);
    assert.deepEqual(states, ['90s idle 30s', '95s idle 35s', '100s idle 40s', '105s idle 45s']);
  } finally {
    supervision.dispose();
  }
});
