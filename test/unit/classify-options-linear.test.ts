import { test } from 'node:test';
import assert from 'node:assert/strict';
import { letterOptions } from '../../src/session/classify/options.js';

// The question detector reads every line of a screen's bottom region on every snapshot. A line
// that wraps over a wide attached terminal can hold tens of thousands of letters; the word-then-
// `(x)` pattern used to be tried at every letter and backtrack over the rest of the run, O(n²):
// 200,000 letters took ~45 s, past this test's timeout. Linear, it is a few milliseconds.
test('letter options on a line of 200,000 letters finish at once (linear, not quadratic)', { timeout: 20_000 }, () => {
  const run = 'x'.repeat(200_000);
  assert.equal(letterOptions(run, false), null);
  assert.equal(letterOptions(`${run} (y)`, false), null, 'one option on a line that asks nothing');
  assert.equal(letterOptions(`${'ab-'.repeat(20_000)} and more`, false), null);
});

test('letter options still read words before (x), after punctuation too', { timeout: 5_000 }, () => {
  assert.deepEqual(
    letterOptions('Overwrite (y) or skip (n)?', false)?.map((o) => [o.label, o.keys]),
    [['Overwrite', ['y']], ['skip', ['n']]],
  );
  assert.deepEqual(
    letterOptions('-accept (a) /reject (r)', false)?.map((o) => o.label),
    ['accept', 'reject'],
  );
});
