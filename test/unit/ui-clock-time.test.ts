import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockTime } from '../../src/ui/clock-time.js';

// Local times, built from their parts so the test reads the same in every time zone.
const at = (y: number, mo: number, d: number, h: number, mi: number): number => new Date(y, mo - 1, d, h, mi).getTime();

test('clockTime: HH:MM for a time today, with the date in front for any other day', { timeout: 5_000 }, () => {
  const now = at(2026, 12, 1, 23, 20);
  assert.equal(clockTime(at(2026, 12, 1, 23, 59), now), '23:59');
  assert.equal(clockTime(at(2026, 12, 1, 7, 5), now), '07:05');
  assert.equal(clockTime(at(2026, 12, 2, 0, 20), now), '2026-12-02 00:20');
  assert.equal(clockTime(at(2027, 1, 1, 9, 0), at(2026, 12, 31, 22, 0)), '2027-01-01 09:00');
  assert.equal(clockTime(at(2026, 11, 30, 23, 0), now), '2026-11-30 23:00');
});
