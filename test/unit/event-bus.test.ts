import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus, type RunEvent } from '../../src/run/events.js';

const activity = (job: string, line: string): RunEvent => ({ type: 'job-activity', at: 1, job, line });

test("a job's listener hears that job's events only, redacted like everyone's, after the run-wide listeners", () => {
  const bus = new EventBus();
  const heard: string[] = [];
  bus.addRedaction((e) => (e.type === 'job-activity' ? { ...e, line: e.line.replace('s3cret', '***') } : e));
  const offA = bus.onJob('a', (e) => heard.push(`a:${e.type}:${'line' in e ? e.line : ''}`));
  bus.onJob('b', (e) => heard.push(`b:${e.type}`));
  bus.on((e) => heard.push(`all:${e.type}`));

  bus.emit(activity('a', 'key s3cret'));
  bus.emit(activity('c', 'nobody listens to c'));
  bus.emit({ type: 'warning', at: 2, job: null, message: 'run-wide' });
  bus.emit({ type: 'warning', at: 3, job: 'b', message: 'about b' });
  offA();
  bus.emit(activity('a', 'after unsubscribe'));

  assert.deepEqual(heard, [
    'all:job-activity',
    'a:job-activity:key ***',
    'all:job-activity',
    'all:warning',
    'all:warning',
    'b:warning',
    'all:job-activity',
  ]);
});

test('a job listener that unsubscribes another during an emit does not make it miss the event', () => {
  const bus = new EventBus();
  const heard: string[] = [];
  let offSecond = (): void => {};
  bus.onJob('a', () => {
    heard.push('first');
    offSecond();
  });
  offSecond = bus.onJob('a', () => heard.push('second'));
  bus.emit(activity('a', 'x'));
  bus.emit(activity('a', 'y'));
  assert.deepEqual(heard, ['first', 'second', 'first']);
});
