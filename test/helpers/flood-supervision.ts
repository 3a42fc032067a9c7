import assert from 'node:assert/strict';
import { EventBus } from '../../src/run/events.js';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { FakeClock } from './fake-clock.js';
import { ANSWER_CONTINUE, floodJobSpec } from './job-spec.js';

/**
 * A job's supervision on a fake clock, with the y/n answer rule of the flood tests, fed by
 * hand: what it types is in `written`; a stop fails the test.
 */
export function floodSupervision(): { clock: FakeClock; written: string[]; supervision: JobSupervision } {
  const clock = new FakeClock();
  const written: string[] = [];
  const supervision = new JobSupervision({
    job: floodJobSpec([ANSWER_CONTINUE]),
    cols: 80,
    rows: 24,
    clock,
    bus: new EventBus(),
    decline: { kind: 'text', text: 'n', enter: true },
    target: { write: (data) => written.push(data), stop: () => assert.fail('nothing should stop the job') },
  });
  return { clock, written, supervision };
}
