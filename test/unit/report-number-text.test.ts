// numberText groups whole numbers itself (no ICU load at a run's exit): same text as en-US.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberText } from '../../src/report/report-facts.js';

test('numberText writes numbers as en-US does, without toLocaleString for whole numbers', { timeout: 10_000 }, () => {
  const values = [0, 1, 12, 123, 999, 1000, 1001, 12_345, 123_456, 1_234_567, 42_751, 1_000_000_000, Number.MAX_SAFE_INTEGER, -1, -1000, -1_234_567, 1.5, 1234.5678, 1e21];
  for (const n of values) assert.equal(numberText(n), n.toLocaleString('en-US'), String(n));
  assert.equal(numberText(null), '-');
});
