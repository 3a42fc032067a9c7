import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { EventBus, type RunEvent } from '../../src/run/events.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { ANSWER_CONTINUE, floodJobSpec } from '../helpers/job-spec.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { defaultSupervision } from '../helpers/supervision.js';
import { waitFor } from '../helpers/wait-for.js';

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
