import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type JobResult, type NotificationDelivery, type RunEvent } from '../../src/run/events.js';
import { Notifier, RETRY_BACKOFF_MS } from '../../src/notify/notifier.js';
import type { Channel, TryResult } from '../../src/notify/channel.js';
import type { NotifySpec } from '../../src/notify/spec.js';
import { FakeClock } from '../helpers/fake-clock.js';

// The notifier's delivery state machine (tries, backoff, timeout, flush) on a fake clock, with a
// scripted channel; the real channels are tested against real servers in test/integration/notify.test.ts.

const spec = (over: Partial<NotifySpec> = {}): NotifySpec => ({ on: ['failed', 'finished', 'usage-limit', 'run-finished', 'blocked'], channel: { kind: 'command', argv: ['x'] }, timeoutMs: 5_000, retries: 2, ...over });

function scripted(outcomes: Array<TryResult | 'hang'>): { channel: Channel; sent: Array<{ at: number; json: string }>; clock: FakeClock } {
  const clock = new FakeClock();
  const sent: Array<{ at: number; json: string }> = [];
  const channel: Channel = {
    kind: 'command',
    target: 'x',
    unavailable: () => null,
    send: (json) => {
      sent.push({ at: clock.now(), json });
      const outcome = outcomes.shift() ?? { ok: true };
      return { done: outcome === 'hang' ? new Promise<TryResult>(() => undefined) : Promise.resolve(outcome), cancel: () => undefined };
    },
  };
  return { channel, sent, clock };
}

function result(partial: Partial<JobResult>): JobResult {
  return { status: 'failed', reason: 'exit-non-zero', message: null, exitCode: 1, signal: null, stoppedBy: null, startedAt: 0, finishedAt: 0, ...partial };
}

function setup(outcomes: Array<TryResult | 'hang'>, specs: NotifySpec[] = [spec()]) {
  const { channel, sent, clock } = scripted(outcomes);
  const bus = new EventBus();
  const deliveries: NotificationDelivery[] = [];
  const warnings: string[] = [];
  bus.on((e) => {
    if (e.type === 'notification') deliveries.push(e.delivery);
    if (e.type === 'warning') warnings.push(e.message);
  });
  const notifier = new Notifier({ bus, clock, run: specs, jobs: new Map(), env: {}, channelFor: () => channel });
  const emit = (e: RunEvent): void => bus.emit(e);
  emit({ type: 'run-started', at: clock.now(), runId: 'r1', runDir: '/runs/r1', manifest: '/m.yaml', jobs: [] });
  return { notifier, clock, sent, deliveries, warnings, emit };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a failing try is retried after 0.5s, then 1s; the third try delivers', { timeout: 10_000 }, async () => {
  const { clock, sent, deliveries, warnings, emit } = setup([{ ok: false, error: 'HTTP 500' }, { ok: false, error: 'HTTP 502' }, { ok: true }]);
  const t0 = clock.now();
  emit({ type: 'job-finished', at: t0, job: 'a', result: result({ reason: 'usage-limit', status: 'failed' }) });
  await settle();
  assert.equal(sent.length, 1);
  assert.equal(JSON.parse(sent[0]!.json).event, 'usage-limit', 'the most specific event the entry wants, once');
  clock.advance(RETRY_BACKOFF_MS);
  await settle();
  clock.advance(2 * RETRY_BACKOFF_MS);
  await settle();
  assert.deepEqual(sent.map((s) => s.at - t0), [0, 500, 1500]);
  assert.deepEqual(deliveries.map((d) => [d.outcome, d.tries, d.error]), [['delivered', 3, null]]);
  assert.deepEqual(warnings, []);
});

test('no tries left: failed, with a warning naming the channel and the last error', { timeout: 10_000 }, async () => {
  const { clock, deliveries, warnings, emit } = setup([{ ok: false, error: 'HTTP 500' }], [spec({ retries: 0, on: ['finished'] })]);
  emit({ type: 'job-finished', at: clock.now(), job: 'a', result: result({ status: 'succeeded', reason: null, exitCode: 0 }) });
  await settle();
  assert.deepEqual(deliveries.map((d) => [d.event, d.outcome, d.tries, d.error]), [['finished', 'failed', 1, 'HTTP 500']]);
  assert.deepEqual(warnings, ['finished notification to command x failed after 1 try: HTTP 500']);
});

test('a hanging try times out and is retried; the run’s flush waits at most its limit, then abandons it', { timeout: 10_000 }, async () => {
  const { notifier, clock, sent, deliveries, warnings, emit } = setup(['hang', 'hang', 'hang'], [spec({ timeoutMs: 1_000 })]);
  emit({ type: 'run-finished', at: clock.now(), status: 'succeeded' });
  await settle();
  clock.advance(1_000); // the first try times out; the retry waits 0.5s
  await settle();
  clock.advance(500);
  await settle();
  assert.equal(sent.length, 2);
  let flushed = false;
  const flush = notifier.flush(2_000).then(() => (flushed = true));
  await settle();
  clock.advance(1_999);
  await settle();
  assert.equal(flushed, false, 'still within the flush limit');
  clock.advance(1);
  await flush;
  assert.deepEqual(deliveries.map((d) => [d.event, d.outcome]), [['run-finished', 'abandoned']]);
  assert.match(warnings.at(-1) ?? '', /run-finished notification to command x abandoned: .*timed out after 1\.0s; the run ended before the next try|still being tried/);
  assert.equal(clock.timerCount, 0, 'no timer left behind');
});

test('a flush with nothing in flight returns at once', { timeout: 10_000 }, async () => {
  const { notifier } = setup([]);
  await notifier.flush(60_000);
});

test('a job parked on the usage limit is told once as usage-limit (a second park of the same job is not)', { timeout: 10_000 }, async () => {
  const { sent, deliveries, emit, clock } = setup([]);
  const park = (): void =>
    emit({
      type: 'job-intervention',
      at: clock.now(),
      job: 'a',
      intervention: { at: clock.now(), kind: 'usage-limit', rule: null, excerpt: [], sent: null, sessionId: 's1', why: 'usage limit; parked until 2026-01-01T03:05:00.000Z' },
    });
  park();
  await settle();
  park();
  await settle();
  assert.equal(sent.length, 1);
  const body = JSON.parse(sent[0]!.json);
  assert.equal(body.event, 'usage-limit');
  assert.match(body.text, /a hit the usage limit and waits for its reset: usage limit; parked until 2026-01-01T03:05/);
  assert.deepEqual(body.job, { name: 'a', status: null, reason: 'usage-limit', message: 'usage limit; parked until 2026-01-01T03:05:00.000Z' });
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0]!.outcome, 'delivered');
});
