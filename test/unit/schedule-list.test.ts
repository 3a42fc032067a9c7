import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatScheduleList } from '../../src/schedule/list.js';
import type { ScheduledJob } from '../../src/schedule/daemon.js';

const job = (name: string, spec: Partial<ScheduledJob['spec']> & { cron: string }): ScheduledJob => ({
  manifest: '/repo/jobs.yaml',
  job: name,
  workdir: '/repo',
  spec: { timezone: 'UTC', overlap: 'skip', catchUp: false, jitterMs: 0, ...spec },
});

test('--list shows each job with its next 3 fire times in its own zone', () => {
  const text = formatScheduleList(
    [
      job('nightly-deps', { cron: '0 2 * * 1-5', timezone: 'Europe/Berlin', jitterMs: 300_000 }),
      job('sunday-audit', { cron: '30 2 * * 0', timezone: 'Europe/Berlin', overlap: 'queue', catchUp: true }),
    ],
    { now: Date.UTC(2026, 2, 27, 12) }, // Friday before the spring-forward Sunday
  );
  assert.equal(
    text,
    [
      'nightly-deps  (/repo/jobs.yaml)',
      '  schedule  0 2 * * 1-5  Europe/Berlin',
      '  policy    overlap skip, catchUp false, jitter 5m',
      '  next      2026-03-30 02:00 +02:00',
      '            2026-03-31 02:00 +02:00',
      '            2026-04-01 02:00 +02:00',
      '',
      'sunday-audit  (/repo/jobs.yaml)',
      '  schedule  30 2 * * 0  Europe/Berlin',
      '  policy    overlap queue, catchUp true, jitter none',
      '  next      2026-03-29 03:30 +02:00',
      '            2026-04-05 02:30 +02:00',
      '            2026-04-12 02:30 +02:00',
      '',
    ].join('\n'),
  );
});

test('--list with a count and with no scheduled jobs', () => {
  assert.equal(formatScheduleList([], { now: 0 }), 'No job has a schedule.\n');
  const text = formatScheduleList([job('hourly', { cron: '0 * * * *' })], { now: Date.UTC(2026, 0, 1, 10, 30), count: 1 });
  assert.match(text, /\n {2}next {6}2026-01-01 11:00 \+00:00\n$/);
});
