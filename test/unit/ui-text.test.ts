import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult } from '../../src/run/events.js';
import { describeOutcome } from '../../src/ui/outcome.js';
import { formatDuration, formatElapsed, sanitizeLine, truncate } from '../../src/ui/text.js';

test('formatDuration: tenths under a minute, then minutes and hours', () => {
  assert.equal(formatDuration(0), '0ms');
  assert.equal(formatDuration(62.7), '62ms');
  assert.equal(formatDuration(449), '0.4s');
  assert.equal(formatDuration(4_130), '4.1s');
  assert.equal(formatDuration(59_999), '59.9s');
  assert.equal(formatDuration(60_000), '1m00s');
  assert.equal(formatDuration(125_400), '2m05s');
  assert.equal(formatDuration(3_725_000), '1h02m');
  assert.equal(formatDuration(-5), '0ms');
});

test('formatElapsed: whole seconds', () => {
  assert.equal(formatElapsed(999), '0s');
  assert.equal(formatElapsed(12_000), '12s');
  assert.equal(formatElapsed(65_000), '1m05s');
});

test('sanitizeLine removes escapes and control characters, joins lines', () => {
  assert.equal(sanitizeLine('\u001b[1;32mok\u001b[0m'), 'ok');
  assert.equal(sanitizeLine('\u001b]0;window title\u0007done'), 'done');
  assert.equal(sanitizeLine('a\r\nb\tc\u0000d\u0007'), 'a b cd');
  assert.equal(sanitizeLine('  spaced  '), 'spaced');
  assert.equal(sanitizeLine('\u009b2Jx'), 'x');
});

test('truncate counts code points and marks the cut', () => {
  assert.equal(truncate('abcdef', 6), 'abcdef');
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('äöüß✓x', 5), 'äöüß…');
  assert.equal(truncate('abc', 0), '');
});

test('describeOutcome: success needs no detail; failures say why', () => {
  const base: JobResult = {
    status: 'succeeded',
    reason: null,
    message: null,
    exitCode: 0,
    signal: null,
    stoppedBy: null,
    startedAt: 1_000,
    finishedAt: 5_100,
  };
  assert.equal(describeOutcome(base), 'succeeded in 4.1s');
  assert.equal(
    describeOutcome({ ...base, status: 'failed', reason: 'exit-non-zero', exitCode: 1, message: 'boom' }),
    'failed (exit 1) in 4.1s: boom',
  );
  assert.equal(describeOutcome({ ...base, status: 'killed', reason: 'killed-by-signal', exitCode: null, signal: 'SIGKILL' }), 'killed (SIGKILL) in 4.1s');
  assert.equal(
    describeOutcome({ ...base, status: 'skipped', reason: 'not-selected', exitCode: null, startedAt: null }),
    'skipped (not-selected)',
  );
});
