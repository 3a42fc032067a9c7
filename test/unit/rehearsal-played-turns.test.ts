/** playedTurns: how far a rehearsed session got in its script, across resumed runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { playedTurns } from '../../src/rehearsal/played-turns.js';
import { tempDir } from '../helpers/temp-dir.js';

function run(root: string, id: string, turns: number[][] | null, resumedFrom: string | null): string {
  const dir = path.join(root, id);
  mkdirSync(dir);
  if (turns !== null) writeFileSync(path.join(dir, 'rehearsal.json'), JSON.stringify({ cx: turns.map((t) => ({ turns: t })) }));
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ resumedFrom: resumedFrom === null ? null : { runId: resumedFrom, job: 'cx', sessionId: 's' } }));
  return dir;
}

test('one past the highest turn played; a resumed run that played none counts as the run it resumed', { timeout: 5_000 }, () => {
  const root = tempDir();
  const a = run(root, 'a', [[0], [1]], null);
  const b = run(root, 'b', [], 'a');
  const c = run(root, 'c', [[2, 3]], 'b');
  const d = run(root, 'd', null, null);
  assert.equal(playedTurns(a, 'cx'), 2);
  assert.equal(playedTurns(b, 'cx'), 2, 'b played nothing: as far as a got');
  assert.equal(playedTurns(c, 'cx'), 4);
  assert.equal(playedTurns(d, 'cx'), null, 'no rehearsal.json');
  assert.equal(playedTurns(a, 'other'), 0);
});
