import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, MAX_DURATION_MS, parseDuration, suggestDuration } from '../../src/manifest/duration.js';
import { manifestSchema } from '../../src/manifest/schema.js';

test('parseDuration reads each unit and combinations, largest unit first', () => {
  const cases: Array<[string, number]> = [
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1s500ms', 1_500],
    ['2h0m5s', 7_205_000],
    ['0s', 0],
    ['90m', 5_400_000],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseDuration(text), { ok: true, value: ms }, text);
});

test('parseDuration rejects other spellings with what was expected and what was found', () => {
  for (const text of ['5 minutes', '5', '', 'm', '1.5h', '30m1h', '5s5s', '-5s', ' 5s', '5S', '1d', 'ms']) {
    assert.deepEqual(
      parseDuration(text),
      { ok: false, error: `expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found ${JSON.stringify(text)}` },
      text,
    );
  }
});

test('parseDuration refuses amounts past what a number holds exactly', () => {
  const result = parseDuration('99999999999999999999h');
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.error, /at most 720h/);
});

test('parseDuration has one bound for every duration: 720h (30 days) is accepted, anything longer is refused', () => {
  assert.deepEqual(parseDuration('720h'), { ok: true, value: MAX_DURATION_MS });
  assert.equal(MAX_DURATION_MS, 30 * 24 * 3_600_000);
  for (const text of ['720h0m0s1ms', '721h', '1000h', '719h60m1s']) {
    assert.deepEqual(parseDuration(text), { ok: false, error: `expected a duration of at most 720h (30 days), found ${JSON.stringify(text)}` }, text);
  }
});

test('formatDuration writes the manifest spelling and round-trips through parseDuration', () => {
  assert.equal(formatDuration(0), '0ms');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(1_500), '1s500ms');
  assert.equal(formatDuration(7_200_000), '2h');
  for (const ms of [1, 999, 1_000, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_001]) {
    assert.deepEqual(parseDuration(formatDuration(ms)), { ok: true, value: ms }, String(ms));
  }
});

test('formatDuration treats a negative duration as a bug', () => {
  assert.throws(() => formatDuration(-1), /^Error: Internal error/);
});

test('suggestDuration offers the short form of spelled-out units only', () => {
  assert.equal(suggestDuration('5 minutes'), '5m');
  assert.equal(suggestDuration('2 hrs'), '2h');
  assert.equal(suggestDuration('30 Seconds'), '30s');
  assert.equal(suggestDuration('250 ms'), '250ms');
  assert.equal(suggestDuration('5 fortnights'), null);
  assert.equal(suggestDuration('soon'), null);
  assert.equal(suggestDuration('1000h'), null, 'no "did you mean" the same text');
});

test('the schema duration pattern accepts exactly what parseDuration accepts', () => {
  const defs = manifestSchema()['$defs'] as Record<string, { pattern?: string }>;
  const pattern = new RegExp(defs['duration']?.pattern ?? 'missing', 'u');
  const samples = ['500ms', '30s', '5m', '2h', '1h30m', '1s500ms', '0s', '5 minutes', '5', '', '30m1h', '5ms5m', '1h1h', 'h', '1.5h', '5mss'];
  for (const text of samples) assert.equal(pattern.test(text), parseDuration(text).ok, text);
});
