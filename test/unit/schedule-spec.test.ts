import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSchedule, type ScheduleProblem } from '../../src/schedule/schedule-spec.js';

function problems(raw: Parameters<typeof validateSchedule>[0]): ScheduleProblem[] {
  const result = validateSchedule(raw);
  assert.equal(result.ok, false, `expected problems for ${JSON.stringify(raw)}`);
  return result.ok ? [] : result.error;
}

test('a job without schedule has no spec', () => {
  assert.deepEqual(validateSchedule({}), { ok: true, value: null });
});

test('a plain cron string gets the defaults', () => {
  assert.deepEqual(validateSchedule({ schedule: '0 2 * * 1-5' }), {
    ok: true,
    value: { cron: '0 2 * * 1-5', timezone: null, overlap: 'skip', catchUp: false, jitterMs: 0 },
  });
});

test('the object form with a time zone, and every field set', () => {
  assert.deepEqual(
    validateSchedule({ schedule: { cron: ' 30 2 * * * ', timezone: 'Europe/Berlin' }, overlap: 'queue', catchUp: true, jitter: '5m' }),
    { ok: true, value: { cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'queue', catchUp: true, jitterMs: 300_000 } },
  );
});

test('six fields (seconds first) are accepted', () => {
  const result = validateSchedule({ schedule: '15 0 2 * * *' });
  assert.equal(result.ok, true);
});

test("bad cron text carries cron-parser's reason", () => {
  const [problem, ...rest] = problems({ schedule: '61 * * * *' });
  assert.equal(rest.length, 0);
  assert.equal(problem?.field, 'schedule');
  assert.match(problem?.message ?? '', /invalid cron expression "61 \* \* \* \*": .*61.*0-59/);
});

test('a cron with the wrong number of fields says how many it expected', () => {
  const [problem] = problems({ schedule: { cron: '* * *' } });
  assert.equal(problem?.field, 'schedule.cron');
  assert.match(problem?.message ?? '', /expected 5 fields .* or 6 .*found 3/);
});

test('a date that never exists is rejected', () => {
  const [problem] = problems({ schedule: '0 0 30 2 *' });
  assert.match(problem?.message ?? '', /invalid cron expression/);
});

test('an unknown time zone is rejected (checked with Intl)', () => {
  const [problem] = problems({ schedule: { cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' } });
  assert.equal(problem?.field, 'schedule.timezone');
  assert.match(problem?.message ?? '', /unknown time zone "Mars\/Olympus_Mons"/);
});

test('every problem is collected before failing', () => {
  const found = problems({ schedule: { cron: 42, tz: 'UTC' }, overlap: 'sometimes', catchUp: 'yes', jitter: 'soon' });
  assert.deepEqual(
    found.map((p) => p.field).sort(),
    ['catchUp', 'jitter', 'overlap', 'schedule.cron', 'schedule.tz'],
  );
  assert.match(found.find((p) => p.field === 'overlap')?.message ?? '', /expected skip, queue or replace, found a string "sometimes"/);
  assert.match(found.find((p) => p.field === 'catchUp')?.message ?? '', /expected true or false/);
  assert.match(found.find((p) => p.field === 'jitter')?.message ?? '', /"soon"/);
});

test('a schedule that is neither text nor a mapping', () => {
  const [problem] = problems({ schedule: ['0 2 * * *'] });
  assert.equal(problem?.field, 'schedule');
  assert.match(problem?.message ?? '', /found a list/);
});

test('jitter must be a duration string of at most a day', () => {
  assert.equal(problems({ schedule: '0 2 * * *', jitter: 300 })[0]?.field, 'jitter');
  assert.match(problems({ schedule: '0 2 * * *', jitter: '25h' })[0]?.message ?? '', /at most 24h/);
});

test('scheduling fields without a schedule are reported', () => {
  assert.deepEqual(
    problems({ overlap: 'queue', jitter: '1m' }).map((p) => p.field),
    ['overlap', 'jitter'],
  );
});
