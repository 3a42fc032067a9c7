import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenWorkQueue } from '../../src/session/screen-work.js';
import { ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A queue whose time is a counter the tasks move on, and whose turns end when the test says. */
function queue(budgetMs = 1): { work: ScreenWorkQueue; spend: (ms: number) => void; endTurn: () => void; turnsOwed: () => number } {
  let now = 0;
  const turns: (() => void)[] = [];
  const work = new ScreenWorkQueue({ budgetMs, now: () => now, defer: (fn) => turns.push(fn) });
  return {
    work,
    spend: (ms) => {
      now += ms;
    },
    endTurn: () => turns.shift()?.(),
    turnsOwed: () => turns.length,
  };
}

test('screen work runs at once while the turn has budget; past it, it waits for later turns, in order, a budget per turn', { timeout: 10_000 }, () => {
  const { work, spend, endTurn } = queue(1);
  const ran: string[] = [];
  const task = (name: string, ms: number) => () => {
    ran.push(name);
    spend(ms);
  };
  work.run(task('a', 0.6), false);
  work.run(task('b', 0.6), false);
  assert.deepEqual(ran, ['a', 'b'], 'both in the first turn (0.6 ms spent when b started)');
  work.run(task('c', 0.5), false);
  work.run(task('d', 0.5), false);
  work.run(task('e', 0.5), false);
  assert.deepEqual(ran, ['a', 'b'], 'the turn spent its budget: the rest waits');
  assert.equal(work.pending, 3);
  endTurn();
  assert.deepEqual(ran, ['a', 'b', 'c', 'd'], 'the next turn runs the oldest until its budget is spent');
  endTurn();
  assert.deepEqual(ran, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(work.pending, 0);
  assert.deepEqual(work.stats(), { ran: 5, deferred: 3 });
});

test('urgent screen work never waits, even behind a queue; new work does not jump the queue', { timeout: 10_000 }, () => {
  const { work, spend, endTurn } = queue(1);
  const ran: string[] = [];
  work.run(() => spend(2), false);
  work.run(() => ran.push('later'), false);
  work.run(() => ran.push('urgent'), true);
  assert.deepEqual(ran, ['urgent']);
  endTurn();
  work.run(() => ran.push('after'), false);
  assert.deepEqual(ran, ['urgent', 'later', 'after'], 'in order once the waiting ones ran');
});

test('a task that throws does not strand the ones waiting after it', { timeout: 10_000 }, () => {
  const { work, spend, endTurn, turnsOwed } = queue(1);
  const ran: string[] = [];
  work.run(() => spend(1), false);
  work.run(() => {
    throw new Error('boom');
  }, false);
  work.run(() => ran.push('next'), false);
  assert.throws(() => endTurn(), /boom/);
  assert.ok(turnsOwed() > 0, 'another turn is scheduled');
  endTurn();
  assert.deepEqual(ran, ['next']);
});

function screen(work: ScreenWorkQueue, clock: FakeClock): { screen: ScreenModel; seen: string[] } {
  const model = new ScreenModel({ cols: 40, rows: 4, clock, work, throttleMs: 100, quietMs: 1 });
  const seen: string[] = [];
  model.onSnapshot((s) => seen.push(s.lines.filter((l) => l !== '').at(-1) ?? ''));
  return { screen: model, seen };
}

// Screens past their first burst: the burst after the silence went quiet (its quiet edge fired), 49 ms ago.
async function settle(clock: FakeClock, ...models: ScreenModel[]): Promise<void> {
  for (const text of ['start\r\n', 'ready\r\n']) {
    for (const model of models) model.write(text);
    for (const model of models) await model.whenParsed();
  }
  clock.advance(1);
  clock.advance(49);
}

test("with the turn's budget spent, steady output's parse and snapshot wait for the next turn; a reply to codex-run's input is parsed and shown at once", { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { work, spend, endTurn } = queue(1);
  const busy = screen(work, clock);
  const asked = screen(work, clock);
  // Output after a silence may hold a prompt: it never waits (until its quiet edge).
  await settle(clock, busy.screen, asked.screen);
  endTurn();
  assert.deepEqual(busy.seen, ['start', 'ready']);

  // This turn's screen work is spent: steady output (50 ms after the last) waits for the next turn...
  work.run(() => spend(5), false);
  busy.screen.write('steady 1\r\n');
  await Promise.resolve();
  assert.equal(work.pending, 1, "the busy screen's parse waits in the queue");
  busy.screen.write('steady 2\r\n');
  // ...while the other job's reply to an answer does not wait behind it.
  asked.screen.inputSent();
  asked.screen.write('Continue? [y/n] ');
  asked.screen.outputQuiet();
  await asked.screen.whenParsed();
  assert.equal(asked.seen.at(-1), 'Continue? [y/n]', 'parsed and notified in this turn');
  assert.equal(busy.screen.snapshot().lines[2], '', 'the steady screen is not parsed yet');
  assert.equal(busy.screen.pendingBytes, 'steady 1\r\nsteady 2\r\n'.length, 'its chunks joined the waiting parse');

  endTurn();
  assert.deepEqual(busy.screen.snapshot().lines.slice(0, 3), ['ready', 'steady 1', 'steady 2'], 'one parse for both chunks, in the next turn');
  assert.equal(busy.screen.pendingBytes, 0);
  // Its snapshot comes at the throttle, as without a queue; with the turn spent, in the next turn.
  work.run(() => spend(5), false);
  clock.advance(51);
  assert.equal(busy.seen.at(-1), 'ready', 'the snapshot waits for a turn with budget');
  endTurn();
  assert.deepEqual(busy.seen, ['start', 'ready', 'steady 2']);
  busy.screen.dispose();
  asked.screen.dispose();
});

test('a disposed screen whose parse waits does nothing when its turn comes (its terminal may serve another job)', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { work, spend, endTurn } = queue(1);
  const first = screen(work, clock);
  await settle(clock, first.screen);
  endTurn();
  work.run(() => spend(5), false);
  first.screen.write('late\r\n');
  await Promise.resolve();
  assert.equal(work.pending, 1);
  first.screen.dispose();
  const second = screen(work, clock);
  endTurn();
  endTurn();
  assert.deepEqual(second.screen.snapshot().lines, ['', '', '', ''], "the next screen's terminal got none of it");
  assert.deepEqual(first.seen, ['start', 'ready']);
  second.screen.dispose();
});
