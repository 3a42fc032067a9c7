import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingRow, rowActivity, rowTitle, type JobRow } from '../../src/ui/job-row.js';
import { createPalette } from '../../src/ui/palette.js';

const plain = createPalette(false);
const layout = { now: 100_000, nameWidth: 9, width: 60, palette: plain };

function row(partial: Partial<JobRow>): JobRow {
  return { ...pendingRow('lint'), ...partial };
}

test('rows show phase, ticking elapsed time and detail', () => {
  assert.equal(rowTitle(row({}), layout), 'lint       pending');
  assert.equal(rowTitle(row({ phase: 'starting', since: 100_000 }), layout), 'lint       starting 0s');
  assert.equal(rowTitle(row({ phase: 'running', since: 88_000 }), layout), 'lint       running 12s');
  assert.equal(rowTitle(row({ phase: 'running', since: 88_000 }), { ...layout, now: 113_000 }), 'lint       running 25s');
  assert.equal(rowTitle(row({ phase: 'stopping', since: 0, detail: 'timeout' }), layout), 'lint       stopping 1m40s (timeout)');
});

test('finished rows show status, duration and reason', () => {
  const finished = row({
    phase: 'finished',
    since: 0,
    result: {
      status: 'failed',
      reason: 'exit-non-zero',
      message: '2 tests failed',
      exitCode: 1,
      signal: null,
      stoppedBy: null,
      startedAt: 0,
      finishedAt: 3_200,
    },
  });
  assert.equal(rowTitle(finished, layout), 'lint       failed (exit 1) in 3.2s: 2 tests failed');
  assert.equal(rowActivity({ ...finished, activity: 'old line' }, 40), null);
});

test('titles and activity are cut to the width, colours applied after cutting', () => {
  const long = row({ name: 'a-very-long-job-name-indeed', phase: 'stopping', since: 0, detail: 'x'.repeat(80) });
  const title = rowTitle(long, { ...layout, nameWidth: 10, width: 30 });
  assert.equal(title, 'a-very-lo…  stopping 1m40s (x…');
  assert.equal(Array.from(title).length, 30);
  const colored = rowTitle(long, { ...layout, nameWidth: 10, width: 30, palette: createPalette(true) });
  assert.equal(colored.replace(/\u001b\[[0-9;]*m/g, ''), title);
  assert.match(colored, /\u001b\[33mstopping\u001b\[39m/);
  assert.equal(rowActivity(row({ activity: 'compiling src/index.ts' }), 12), 'compiling s…');
  assert.equal(rowActivity(row({}), 12), null);
});
