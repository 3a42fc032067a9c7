import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestFireAtOrBefore, nextFireTimes } from '../../src/schedule/cron.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();
const isoList = (list: number[]): string[] => list.map(iso);
const berlin = (cron: string) => ({ cron, timezone: 'Europe/Berlin' });

test('Berlin spring-forward: 02:30 does not exist, the job fires once that day at 03:30 CEST', () => {
  // 2026-03-29 02:00 CET jumps to 03:00 CEST.
  const fires = nextFireTimes(berlin('30 2 * * *'), Date.UTC(2026, 2, 27, 12), 4);
  assert.deepEqual(isoList(fires), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:30:00.000Z', // 03:30 CEST, the skipped 02:30 shifted by the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
    '2026-03-31T00:30:00.000Z',
  ]);
});

test('Berlin fall-back: 02:30 happens twice, a fixed-time job fires once', () => {
  // 2026-10-25 03:00 CEST falls back to 02:00 CET.
  const fires = nextFireTimes(berlin('30 2 * * *'), Date.UTC(2026, 9, 23, 12), 3);
  assert.deepEqual(isoList(fires), ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
});

test('fall-back: asking from inside the repeated hour does not offer the second 02:30', () => {
  // 01:10Z is 02:10 CET, after the first 02:30 (00:30Z) and before the second (01:30Z).
  assert.deepEqual(isoList(nextFireTimes(berlin('30 2 * * *'), Date.UTC(2026, 9, 25, 1, 10), 1)), ['2026-10-26T01:30:00.000Z']);
  assert.equal(iso(latestFireAtOrBefore(berlin('30 2 * * *'), Date.UTC(2026, 9, 25, 1, 45)) ?? 0), '2026-10-25T00:30:00.000Z');
});

test('spring-forward: asking from after the gap still knows the shifted 03:30 fire', () => {
  // 01:10Z is 03:10 CEST; the shifted fire is 01:30Z.
  assert.deepEqual(isoList(nextFireTimes(berlin('30 2 * * *'), Date.UTC(2026, 2, 29, 1, 10), 1)), ['2026-03-29T01:30:00.000Z']);
  assert.equal(iso(latestFireAtOrBefore(berlin('30 2 * * *'), Date.UTC(2026, 2, 29, 1, 30)) ?? 0), '2026-03-29T01:30:00.000Z');
});

test('interval-style expressions follow real time through both DST changes', () => {
  const fallDay = nextFireTimes(berlin('0 * * * *'), Date.UTC(2026, 9, 24, 22) - 1, 30).filter((t) => t < Date.UTC(2026, 9, 25, 23));
  assert.equal(fallDay.length, 25, 'the local day of 25 hours has 25 hourly fires');
  const springDay = nextFireTimes(berlin('0 * * * *'), Date.UTC(2026, 2, 28, 23) - 1, 30).filter((t) => t < Date.UTC(2026, 2, 29, 22));
  assert.equal(springDay.length, 23, 'the local day of 23 hours has 23 hourly fires');
  for (let i = 1; i < fallDay.length; i++) assert.equal((fallDay[i] ?? 0) - (fallDay[i - 1] ?? 0), HOUR);
});

test('the same cron line in different zones', () => {
  const after = Date.UTC(2026, 0, 5, 0, 0); // Monday 00:00 UTC
  const at9 = (timezone: string) => nextFireTimes({ cron: '0 9 * * *', timezone }, after, 1)[0] ?? 0;
  assert.equal(iso(at9('UTC')), '2026-01-05T09:00:00.000Z');
  assert.equal(iso(at9('Asia/Tokyo')), '2026-01-06T00:00:00.000Z'); // 09:00 JST is 00:00 UTC, already past on Monday
  assert.equal(iso(at9('America/New_York')), '2026-01-05T14:00:00.000Z');
  assert.equal(iso(at9('Asia/Kolkata')), '2026-01-05T03:30:00.000Z');
});

test('weekdays at 02:00 in New York across its spring-forward (2026-03-08)', () => {
  const fires = nextFireTimes({ cron: '0 2 * * 1-5', timezone: 'America/New_York' }, Date.UTC(2026, 2, 5, 12), 4);
  assert.deepEqual(isoList(fires), [
    '2026-03-06T07:00:00.000Z', // Fri 02:00 EST
    '2026-03-09T06:00:00.000Z', // Mon 02:00 EDT
    '2026-03-10T06:00:00.000Z',
    '2026-03-11T06:00:00.000Z',
  ]);
});

test('fire times are strictly after `after`; latest is at or before `at`', () => {
  const spec = { cron: '0 2 * * *', timezone: 'UTC' };
  const at = Date.UTC(2026, 0, 1, 2);
  assert.equal(iso(nextFireTimes(spec, at, 1)[0] ?? 0), '2026-01-02T02:00:00.000Z');
  assert.equal(latestFireAtOrBefore(spec, at), at);
  assert.equal(latestFireAtOrBefore(spec, at - 1), at - DAY);
});

test('rare schedules are found far back', () => {
  const leap = { cron: '0 0 29 2 *', timezone: 'UTC' };
  assert.equal(iso(latestFireAtOrBefore(leap, Date.UTC(2026, 5, 1)) ?? 0), '2024-02-29T00:00:00.000Z');
  assert.equal(iso(nextFireTimes(leap, Date.UTC(2026, 5, 1), 1)[0] ?? 0), '2028-02-29T00:00:00.000Z');
});

// Whatever instant is asked about, next and latest agree with one walk through the transition.
test('next and latest agree with one continuous walk around every DST change (Berlin, New York, Lord Howe)', () => {
  const cases: Array<[string, string, number]> = [
    ['30 2 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 25)],
    ['30 2 * * *', 'Europe/Berlin', Date.UTC(2026, 2, 29)],
    ['*/20 2 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 25)],
    ['*/20 2 * * *', 'Europe/Berlin', Date.UTC(2026, 2, 29)],
    ['30 1-3 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 25)],
    ['0 1 * * *', 'America/New_York', Date.UTC(2026, 10, 1, 5)],
    ['30 1 * * *', 'Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)],
  ];
  for (const [cron, timezone, center] of cases) {
    const spec = { cron, timezone };
    const walk = nextFireTimes(spec, center - 3 * DAY, 200).filter((t) => t < center + 3 * DAY);
    const wallTimes = new Set<string>();
    for (const t of walk) {
      const local = new Date(t).toLocaleString('en-GB', { timeZone: timezone });
      assert.ok(!wallTimes.has(local), `${cron} ${timezone}: ${local} fired twice`);
      wallTimes.add(local);
    }
    for (let at = center - 26 * HOUR; at < center + 26 * HOUR; at += 17 * 60_000 + 13_000) {
      const expectedNext = walk.find((t) => t > at);
      const expectedLatest = [...walk].reverse().find((t) => t <= at) ?? null;
      assert.equal(nextFireTimes(spec, at, 1)[0], expectedNext, `${cron} ${timezone} next after ${iso(at)}`);
      assert.equal(latestFireAtOrBefore(spec, at), expectedLatest, `${cron} ${timezone} latest at ${iso(at)}`);
    }
  }
});
