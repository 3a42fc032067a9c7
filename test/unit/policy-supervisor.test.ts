import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { parseSupervision } from '../../src/session/policies/spec.js';
import { describeState, Supervisor } from '../../src/session/policies/supervisor.js';
import { findRepeatedBlock } from '../../src/session/policies/loop-guard.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A supervisor over a real screen model; `feed` writes bytes, waits for the parse, observes. */
function harness(raw: Record<string, unknown>, size: { cols?: number; rows?: number } = {}) {
  const clock = new FakeClock();
  const parsed = parseSupervision(raw);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const screen = new ScreenModel({ cols: size.cols ?? 60, rows: size.rows ?? 12, clock, historyLines: Supervisor.historyLinesFor(parsed.value) });
  const decisions: Decision[] = [];
  const sup = new Supervisor({ spec: parsed.value, clock, onDecision: (d) => decisions.push(d) });
  return {
    clock,
    screen,
    sup,
    decisions,
    async feed(data: string): Promise<void> {
      screen.write(data);
      sup.observeOutput(Buffer.byteLength(data));
      await screen.whenParsed();
      sup.observeScreen(screen.snapshot());
    },
    kinds(): string[] {
      return decisions.filter((d) => d.type !== 'progress').map((d) => ('intervention' in d ? `${d.type}:${d.intervention.kind}` : d.type));
    },
    status(): string {
      return describeState(sup.state());
    },
    dispose(): void {
      sup.dispose();
      screen.dispose();
    },
  };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

test('an unanswered question is blocked after blockedAfter, and unblocked when the screen changes', async () => {
  const h = harness({ idle: { blockedAfter: '30s' } });
  await h.feed('Overwrite config.toml? [y/n] ');
  h.clock.advance(29 * SECOND);
  assert.deepEqual(h.kinds(), []);
  assert.equal(h.status(), 'working');
  h.clock.advance(1 * SECOND);
  assert.deepEqual(h.kinds(), ['blocked:blocked']);
  const blocked = h.decisions.find((d) => d.type === 'blocked');
  assert.ok(blocked?.type === 'blocked');
  // The blocked record also says what is asked (the classifier's question; its options depend on the classifier).
  const { question, ...record } = blocked.intervention;
  assert.deepEqual(record, {
    at: h.clock.now(),
    kind: 'blocked',
    rule: null,
    excerpt: ['Overwrite config.toml? [y/n]'],
    sent: null,
  });
  assert.match(question?.text ?? '', /Overwrite config\.toml\?/);
  assert.equal(h.status(), 'waiting for input');
  await h.feed('\r\x1b[2KOverwrite config.toml? [y/n] ');
  assert.deepEqual(h.kinds(), ['blocked:blocked'], 'a redraw is not a change');
  await h.feed('n\r\nkept the old file\r\n');
  assert.deepEqual(h.kinds(), ['blocked:blocked', 'unblocked']);
  assert.equal(h.status(), 'working');
  h.clock.advance(10 * MINUTE);
  assert.deepEqual(h.kinds(), ['blocked:blocked', 'unblocked'], 'no question at the end any more');
  h.dispose();
});

test('a spinning status line does not keep a question from blocking', async () => {
  const h = harness({ idle: { blockedAfter: '10s' } });
  await h.feed('⠋ waiting (0s)\r\nSelect a model:\r\n› 1. fast\r\n  2. smart\r\n');
  for (let s = 1; s <= 10; s++) {
    h.clock.advance(SECOND);
    // A status line at the top, redrawn without moving the cursor, as TUIs do.
    await h.feed(`\x1b7\x1b[1;1H\x1b[2K${'⠋⠙⠹⠸'[s % 4]} waiting (${s}s)\x1b8`);
  }
  assert.equal(h.screen.snapshot().lines[0], '⠹ waiting (10s)');
  assert.deepEqual(h.kinds(), ['blocked:blocked']);
  h.dispose();
});

test('an answered question blocks only if the agent stays on it', async () => {
  const h = harness({ answers: [{ match: 'Proceed\\? \\(y/n\\)', send: 'y' }], idle: { blockedAfter: '30s' } });
  await h.feed('Proceed? (y/n) ');
  assert.deepEqual(h.kinds(), ['send:answer']);
  assert.match(h.status(), /^answered "Proceed/);
  h.clock.advance(30 * SECOND);
  assert.deepEqual(h.kinds(), ['send:answer', 'blocked:blocked'], 'the agent never took the answer');
  h.dispose();
});

test('onBlocked: poke types pokeWith once per blocked period; fail stops the job', async () => {
  const poking = harness({ idle: { blockedAfter: '5s', onBlocked: 'poke', pokeWith: 'continue' } });
  await poking.feed('Press enter to continue');
  poking.clock.advance(5 * SECOND);
  assert.deepEqual(poking.kinds(), ['blocked:blocked', 'send:poke']);
  const poke = poking.decisions.find((d) => d.type === 'send');
  assert.deepEqual(poke?.type === 'send' && poke.steps, [
    { delayMs: 0, data: 'continue' },
    { delayMs: 500, data: '\r' },
  ]);
  assert.equal(poking.status(), 'waiting for input');
  poking.clock.advance(10 * MINUTE);
  assert.equal(poking.kinds().length, 2);
  poking.dispose();

  const failing = harness({ idle: { blockedAfter: '5s', onBlocked: 'fail' } });
  await failing.feed('Continue? [Y/n] ');
  failing.clock.advance(5 * SECOND);
  assert.deepEqual(failing.kinds(), ['blocked:blocked', 'stop:fail']);
  const stop = failing.decisions.find((d) => d.type === 'stop');
  assert.equal(stop?.type === 'stop' && stop.reason, 'waiting-for-input');
  assert.equal(stop?.type === 'stop' && stop.message, 'a question stayed unanswered for 5s');
  assert.equal(failing.status(), 'stopping (waiting-for-input)');
  failing.dispose();
});

test('a spinner and a ticking timer are not progress: poked at poke, stopped at kill', async () => {
  const h = harness({ idle: { poke: '5m', kill: '10m', pokeWith: '\r' } });
  await h.feed('Thinking about the change\r\n⠋ Working (0s • esc to interrupt)');
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴'];
  let elapsed = 0;
  const tick = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10 * SECOND) {
      h.clock.advance(10 * SECOND);
      elapsed += 10;
      const m = Math.floor(elapsed / 60);
      const time = m > 0 ? `${m}m ${String(elapsed % 60).padStart(2, '0')}s` : `${elapsed}s`;
      await h.feed(`\r\x1b[2K${frames[(elapsed / 10) % frames.length]} Working (${time} • esc to interrupt)\x1b]0;${frames[elapsed % 6]} agent\x07`);
    }
  };
  await tick(4 * MINUTE + 50 * SECOND);
  assert.deepEqual(h.kinds(), []);
  assert.equal(h.status(), 'idle 4m');
  await tick(10 * SECOND);
  assert.deepEqual(h.kinds(), ['send:poke']);
  const poke = h.decisions.find((d) => d.type === 'send');
  assert.equal(poke?.type === 'send' && poke.intervention.sent, '\\r');
  assert.equal(h.status(), 'poked');
  await tick(4 * MINUTE + 50 * SECOND);
  assert.deepEqual(h.kinds(), ['send:poke']);
  await tick(10 * SECOND);
  assert.deepEqual(h.kinds(), ['send:poke', 'stop:kill']);
  const stop = h.decisions.find((d) => d.type === 'stop');
  assert.equal(stop?.type === 'stop' && stop.reason, 'idle-killed');
  assert.equal(stop?.type === 'stop' && stop.message, 'no progress for 10m');
  assert.deepEqual(stop?.type === 'stop' && stop.intervention.excerpt, ['Thinking about the change', '⠋ Working (0s • esc to interrupt)']);
  assert.equal(h.status(), 'stopping (idle-killed)');
  assert.equal(h.clock.timerCount, 0, 'no timer left once stopping');
  h.dispose();
});

test('the ladder fires on time with no output at all (clock timers only)', () => {
  const h = harness({ idle: { poke: '1m', kill: '2m' } });
  h.clock.advance(MINUTE - 1);
  assert.deepEqual(h.kinds(), []);
  h.clock.advance(1);
  assert.deepEqual(h.kinds(), ['send:poke']);
  h.clock.advance(MINUTE);
  assert.deepEqual(h.kinds(), ['send:poke', 'stop:kill']);
  h.dispose();
});

test('real progress resets the ladder: a new idle period may poke again', async () => {
  const h = harness({ idle: { poke: '1m', kill: '3m' } });
  await h.feed('step 1\r\n');
  h.clock.advance(MINUTE);
  assert.deepEqual(h.kinds(), ['send:poke']);
  h.clock.advance(90 * SECOND);
  await h.feed('step 2: wrote src/app.ts\r\n');
  assert.equal(h.status(), 'working');
  h.clock.advance(2 * MINUTE + 59 * SECOND);
  assert.deepEqual(h.kinds(), ['send:poke', 'send:poke'], 'poked again after a minute of the new period, not killed');
  h.clock.advance(SECOND);
  assert.deepEqual(h.kinds(), ['send:poke', 'send:poke', 'stop:kill']);
  h.dispose();
});

test('the loop guard stops after the same block repeats `repeats` times in a row, not before', async () => {
  const h = harness({ loop: { repeats: 4 } }, { rows: 6 });
  const block = (ms: number): string => `Running the test suite (took ${ms}ms)\r\nError: expected 1 to equal 2\r\n`;
  await h.feed('Starting\r\n');
  for (let i = 0; i < 3; i++) await h.feed(block(10 + i));
  assert.deepEqual(h.kinds(), []);
  await h.feed(block(99));
  assert.deepEqual(h.kinds(), ['stop:loop']);
  const stop = h.decisions.find((d) => d.type === 'stop');
  assert.equal(stop?.type === 'stop' && stop.reason, 'looping');
  assert.equal(stop?.type === 'stop' && stop.message, 'the same 2-line block was printed 4 times in a row');
  assert.deepEqual(stop?.type === 'stop' && stop.intervention.excerpt, ['Running the test suite (took 10ms)', 'Error: expected 1 to equal 2']);
  h.dispose();
});

test('a block redrawn in place, or varied output, is not a loop', async () => {
  const h = harness({ loop: { repeats: 3 } }, { rows: 6 });
  for (let i = 0; i < 10; i++) await h.feed(`\r\x1b[2KError: expected 1 to equal 2`);
  for (let i = 0; i < 10; i++) await h.feed(`\r\ncompiled file ${i}.ts`);
  assert.deepEqual(h.kinds(), []);
  h.dispose();
});

test('findRepeatedBlock finds the shortest period', () => {
  assert.deepEqual(findRepeatedBlock(['a', 'b', 'c', 'b', 'c', 'b', 'c'], 3, 4), { start: 1, size: 2 });
  assert.deepEqual(findRepeatedBlock(['x', 'x', 'x'], 3, 2), { start: 0, size: 1 });
  assert.equal(findRepeatedBlock(['x', 'x', 'y', 'x', 'x'], 3, 2), null);
});

test('the output cap stops the job once raw output passes maxOutput', async () => {
  const h = harness({ maxOutput: '1KB' });
  await h.feed('x'.repeat(1000));
  assert.deepEqual(h.kinds(), []);
  h.sup.observeOutput(24);
  assert.deepEqual(h.kinds(), []);
  h.sup.observeOutput(1);
  assert.deepEqual(h.kinds(), ['stop:output-limit']);
  const stop = h.decisions.find((d) => d.type === 'stop');
  assert.equal(stop?.type === 'stop' && stop.reason, 'output-limit');
  h.sup.observeOutput(1);
  assert.equal(h.kinds().length, 1);
  h.dispose();
});

test('progress decisions are reported; dispose leaves no timer behind', async () => {
  const h = harness({ idle: { poke: '1m', kill: '2m' } });
  await h.feed('hello');
  await h.feed('\rhello');
  await h.feed(' world');
  assert.equal(h.decisions.filter((d) => d.type === 'progress').length, 2);
  assert.equal(h.clock.timerCount, 1);
  h.dispose();
  assert.equal(h.clock.timerCount, 0);
});

test('the screen can drive the supervisor through coalesced notifications', async () => {
  const clock = new FakeClock();
  const parsed = parseSupervision({ answers: [{ match: '\\[y/n\\]', send: 'y' }] });
  assert.ok(parsed.ok);
  const screen = new ScreenModel({ cols: 40, rows: 5, clock, throttleMs: 50 });
  const decisions: Decision[] = [];
  const sup = new Supervisor({ spec: parsed.value, clock, onDecision: (d) => decisions.push(d) });
  const detach = sup.attach(screen);
  screen.write('working\r\n');
  await screen.whenParsed();
  screen.write('Go on? [y/n] ');
  await screen.whenParsed();
  assert.equal(decisions.filter((d) => d.type === 'send').length, 0, 'the trailing snapshot is not due yet');
  clock.advance(50);
  assert.equal(decisions.filter((d) => d.type === 'send').length, 1);
  detach();
  sup.dispose();
  screen.dispose();
});

/**
 * A supervisor over a real screen that records, in order, its decisions (progress only when
 * asked) and each screen anchor a rule takes (a spy on the snapshot's `anchor`, unless asked not
 * to). As a job session does, the first keys of a send are typed when the decision comes, and a
 * stop disposes of the supervisor at once.
 */
function orderHarness(answers: unknown[], record: { progress: boolean; anchors: boolean } = { progress: false, anchors: true }) {
  const clock = new FakeClock();
  const parsed = parseSupervision({ answers });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const screen = new ScreenModel({ cols: 60, rows: 12, clock });
  const order: string[] = [];
  const sup: Supervisor = new Supervisor({
    spec: parsed.value,
    clock,
    onDecision: (d) => {
      if (d.type === 'progress' && !record.progress) return;
      order.push(d.type);
      if (d.type === 'send' && d.steps[0]?.delayMs === 0) sup.observeInput(d.steps[0].data);
      if (d.type === 'stop') sup.dispose();
    },
  });
  return {
    clock,
    order,
    async observe(data: string): Promise<void> {
      screen.write(data);
      await screen.whenParsed();
      const snap = screen.snapshot();
      const anchor = snap.anchor.bind(snap);
      if (record.anchors) {
        snap.anchor = (row) => {
          order.push('anchor');
          return anchor(row);
        };
      }
      sup.observeScreen(snap);
    },
    dispose(): void {
      sup.dispose();
      screen.dispose();
    },
  };
}

test('an answer is typed before the answered prompt is followed, and that prompt is still answered once (issue 16: answer latency)', async () => {
  const h = orderHarness([{ match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } }]);
  await h.observe('Working on the build\r\n');
  h.clock.advance(2000);
  await h.observe('Continue? [y/n] ');
  // The rule takes the answered prompt's line (a screen anchor) to follow it: after the keys.
  assert.deepEqual(h.order, ['send', 'anchor']);
  // The answered prompt redrawn where it was (a spinner above it) is the same prompt: not answered again.
  h.clock.advance(100);
  await h.observe('\x1b7\x1b[1;1H| building\x1b8');
  assert.deepEqual(h.order, ['send', 'anchor']);
  // The agent goes on, then asks again on a new line: a new prompt, answered.
  h.clock.advance(100);
  await h.observe('y\r\nok, continuing\r\nCompiling 3 files\r\n');
  h.clock.advance(2000);
  await h.observe('Continue? [y/n] ');
  assert.deepEqual(h.order, ['send', 'anchor', 'send', 'anchor']);
  h.dispose();
});

test('a supervisor disposed of by its own decision (a denial that fails the job) takes no prompt instance afterwards', async () => {
  const h = orderHarness([{ match: 'rm -rf', action: 'deny', fail: true }]);
  await h.observe('Run rm -rf build? [y/n] ');
  assert.deepEqual(h.order, ['send', 'stop']);
  h.dispose();
});

test('an answer is typed before the snapshot is judged, and the judgement is the one it would have been (issue 16: answer latency)', async () => {
  const { clock, order, observe, dispose } = orderHarness([{ match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } }], { progress: true, anchors: false });
  await observe('Working on the build\r\n');
  assert.deepEqual(order, ['progress']);
  order.length = 0;
  clock.advance(2000);
  await observe('Continue? [y/n] ');
  // The answer first; the prompt is still the agent's progress (judged as if nothing was typed yet).
  assert.deepEqual(order, ['send', 'progress']);
  order.length = 0;
  // The typed key reached the judge after its judgement: its echo is not progress.
  clock.advance(20);
  await observe('y');
  assert.deepEqual(order, [], 'the echo of the answer is not progress');
  clock.advance(20);
  await observe('\r\nok, continuing\r\n');
  assert.deepEqual(order, ['progress'], "the agent's reply is");
  dispose();
});
