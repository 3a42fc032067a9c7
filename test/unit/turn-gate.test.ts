import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnGate } from '../../src/util/turn-gate.js';

// Jobs whose files opened together start one per event-loop turn, in order (issue 16: 50 job
// starts in one turn stalled the loop for 0.3-0.5 s).
test('the turn gate lets one waiter through per event-loop turn, in order', { timeout: 10_000 }, async () => {
  const gate = new TurnGate(1);
  // A counter bumped once per turn by a recurring immediate queued before the waiters.
  let turn = 0;
  let counting = true;
  const bump = (): void => {
    turn++;
    if (counting) setImmediate(bump);
  };
  setImmediate(bump);
  const seen: { index: number; turn: number; pending: number }[] = [];
  const waiters = Array.from({ length: 6 }, (_, index) => gate.next().then(() => seen.push({ index, turn, pending: gate.pending })));
  assert.equal(gate.pending, 6);
  await Promise.all(waiters);
  counting = false;
  assert.deepEqual(
    seen.map((s) => s.index),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    seen.map((s) => s.pending),
    [5, 4, 3, 2, 1, 0],
  );
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.turn > seen[i - 1]!.turn, `waiter ${i} went through in a later turn than waiter ${i - 1}: ${JSON.stringify(seen)}`);
});

test('with perTurn 2, waiters go through two per turn', { timeout: 10_000 }, async () => {
  const gate = new TurnGate(2);
  let turn = 0;
  let counting = true;
  const bump = (): void => {
    turn++;
    if (counting) setImmediate(bump);
  };
  setImmediate(bump);
  const turns: number[] = [];
  await Promise.all(Array.from({ length: 5 }, () => gate.next().then(() => turns.push(turn))));
  counting = false;
  assert.equal(turns[0], turns[1]);
  assert.equal(turns[2], turns[3]);
  assert.ok(turns[2]! > turns[1]! && turns[4]! > turns[3]!, JSON.stringify(turns));
});
