import assert from 'node:assert/strict';
import { EventBus } from '../../src/run/events.js';
import { JobSupervision } from '../../src/session/job-supervision.js';
import { FakeClock } from './fake-clock.js';
import { ANSWER_CONTINUE, floodJobSpec } from './job-spec.js';

/**
 * A job's supervision on a fake clock, with the y/n answer rule of the flood tests, fed by
 * hand: what it types is in `written`; a stop fails the test. `screenBurstBytes`: the job's
 * share of the run's screen burst (default: one job's full burst).
 */
export function floodSupervision(options: { screenBurstBytes?: number } = {}): { clock: FakeClock; written: string[]; supervision: JobSupervision } {
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
    ...options,
  });
  return { clock, written, supervision };
}
