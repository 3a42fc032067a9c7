import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { parseSupervision } from '../../src/session/policies/spec.js';
import { Supervisor, type SupervisorOptions } from '../../src/session/policies/supervisor.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A supervisor over a real screen model; `feed` writes bytes, waits for the parse, observes. */
function harness(raw: Record<string, unknown>, size: { cols?: number; rows?: number } = {}, options: Partial<SupervisorOptions> = {}) {
  const clock = new FakeClock();
  const parsed = parseSupervision(raw);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const screen = new ScreenModel({ cols: size.cols ?? 60, rows: size.rows ?? 12, clock, historyLines: Supervisor.historyLinesFor(parsed.value) });
  const decisions: Decision[] = [];
  const sup = new Supervisor({ spec: parsed.value, clock, onDecision: (d) => decisions.push(d), ...options });
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
    /** Everything typed so far, all steps concatenated. */
    typed(): string {
      return decisions.flatMap((d) => (d.type === 'send' ? d.steps.map((s) => s.data) : [])).join('');
    },
    of<T extends Decision['type']>(type: T): Extract<Decision, { type: T }>[] {
      return decisions.filter((d): d is Extract<Decision, { type: T }> => d.type === type);
    },
    dispose(): void {
      sup.dispose();
      screen.dispose();
    },
  };
}

const YN = { answers: [{ match: 'Apply changes\\? \\[y/n\\]', send: 'y' }] };

test('a y/n prompt is answered once even when redrawn five times', async () => {
  const h = harness(YN);
  await h.feed('Reading files\r\nApply changes? [y/n] ');
  const [send] = h.of('send');
  assert.deepEqual(send?.steps, [
    { delayMs: 0, data: 'y' },
    { delayMs: 500, data: '\r' },
  ]);
  assert.deepEqual(send?.intervention, {
    at: h.clock.now(),
    kind: 'answer',
    rule: { index: 0, match: 'Apply changes\\? \\[y/n\\]' },
    excerpt: ['Reading files', 'Apply changes? [y/n]'],
    sent: 'y\\r',
  });
  for (let i = 0; i < 5; i++) {
    h.clock.advance(20);
    await h.feed(`\r\x1b[2KApply changes? [y/n] ${i >= 2 ? 'y' : ''}`);
  }
  await h.feed('\x1b[2J\x1b[HReading files\r\nApply changes? [y/n] y');
  assert.equal(h.typed(), 'y\r');
  h.dispose();
});

test('a prompt split across writes matches once it is whole', async () => {
  const h = harness({ answers: [{ match: 'continue\\? \\[y/n\\]', send: 'y' }] });
  await h.feed('Do you want to con');
  await h.feed('tinue? [y');
  assert.equal(h.typed(), '');
  await h.feed('/n] ');
  assert.equal(h.typed(), 'y\r');
  h.dispose();
});

test('a prompt wrapped on a narrow screen matches across the wrap', async () => {
  const h = harness({ answers: [{ match: 'Do you want to continue\\? \\[y/n\\]', send: 'y' }] }, { cols: 12, rows: 6 });
  await h.feed('Do you want to continue? [y/n] ');
  assert.deepEqual(h.screen.snapshot().lines.slice(0, 3), ['Do you want ', 'to continue?', ' [y/n]']);
  assert.equal(h.typed(), 'y\r');
  assert.deepEqual(h.of('send')[0]?.intervention.excerpt, ['Do you want ', 'to continue?', ' [y/n]']);
  h.dispose();
});

test('a numbered menu is answered with keys [down, enter]: exact bytes, one key per step', async () => {
  const h = harness({ answers: [{ match: '^› 1\\. Yes', send: { keys: ['down', 'enter'] } }] }, {}, { timing: { keyDelayMs: 80 } });
  await h.feed('Select an option:\r\n› 1. Yes, proceed\r\n  2. No, cancel\r\n');
  const [send] = h.of('send');
  assert.deepEqual(send?.steps, [
    { delayMs: 0, data: '\x1b[B' },
    { delayMs: 80, data: '\r' },
  ]);
  assert.equal(send?.intervention.sent, '\\x1b[B\\r');
  await h.feed('\x1b[2A\r\x1b[2K  1. Yes, proceed\r\n\x1b[2K› 2. No, cancel\r\n');
  assert.equal(h.of('send').length, 1, 'the cursor moved away from entry 1: nothing to answer');
  h.dispose();
});

test('max is respected: a third prompt is left alone', async () => {
  const h = harness({ answers: [{ match: 'Apply changes \\(\\d\\)\\? \\[y/n\\]', send: 'y', max: 2 }] });
  await h.feed('Apply changes (1)? [y/n] ');
  await h.feed('y\r\nApply changes (2)? [y/n] ');
  await h.feed('y\r\nApply changes (3)? [y/n] ');
  assert.equal(h.typed(), 'y\ry\r');
  h.dispose();
});

test('a new prompt on the next line is a new instance; an answered one scrolling up is not', async () => {
  const h = harness({ answers: [{ match: 'Continue\\? \\[y/n\\]', send: 'y' }] }, { rows: 4 });
  await h.feed('Continue? [y/n] ');
  await h.feed('y\r\nworking 1\r\nworking 2\r\nworking 3\r\n');
  assert.equal(h.typed(), 'y\r');
  assert.equal(h.screen.snapshot().lines[0], 'working 1', 'the answered prompt scrolled off the screen');
  await h.feed('Continue? [y/n] ');
  assert.equal(h.typed(), 'y\ry\r');
  await h.feed('y\r\nmore\r\n');
  assert.equal(h.screen.snapshot().lines[1], 'Continue? [y/n] y', 'the answered prompt moved up one row');
  assert.equal(h.typed(), 'y\ry\r');
  h.dispose();
});

const CODEX_DIALOG = [
  '• Running rm -rf build',
  '',
  '  Would you like to run the following command?',
  '',
  '  $ rm -rf build',
  '',
  '› 1. Yes, proceed (y)',
  '  2. No, and tell Codex what to do differently (esc)',
  '',
  '  Press enter to confirm or esc to cancel',
].join('\r\n');

const DENY_THEN_RESPOND = {
  answers: [
    { match: 'rm -rf|git push --force', action: 'deny' },
    { match: 'Would you like to run the following command\\?', send: 'y' },
  ],
};

test('deny sends the declining key and never "y", even though a later respond rule matches', async () => {
  const h = harness(DENY_THEN_RESPOND);
  await h.feed(CODEX_DIALOG);
  assert.equal(h.typed(), '\x1b');
  const [send] = h.of('send');
  assert.equal(send?.intervention.kind, 'deny');
  assert.deepEqual(send?.intervention.rule, { index: 0, match: 'rm -rf|git push --force' });
  assert.equal(send?.intervention.sent, '\\x1b');
  assert.ok(send?.intervention.excerpt.includes('  $ rm -rf build'));
  // The dialog is redrawn while the agent has not reacted yet: still nothing else typed.
  for (let i = 0; i < 3; i++) await h.feed(`\x1b[2J\x1b[H${CODEX_DIALOG}`);
  assert.equal(h.typed(), '\x1b');
  assert.equal(h.of('stop').length, 0);
  h.dispose();
});

test('deny uses the adapter decline key or the rule own send, and fails the job when asked', async () => {
  const withAdapterKey = harness(DENY_THEN_RESPOND, {}, { decline: { kind: 'text', text: 'n', enter: false } });
  await withAdapterKey.feed(CODEX_DIALOG);
  assert.equal(withAdapterKey.typed(), 'n');
  withAdapterKey.dispose();

  const failing = harness({ answers: [{ match: 'rm -rf', action: 'deny', send: { keys: ['down', 'enter'] }, fail: true }] });
  await failing.feed(CODEX_DIALOG);
  assert.equal(failing.typed(), '\x1b[B\r');
  const [stop] = failing.of('stop');
  assert.equal(stop?.reason, 'denied');
  assert.equal(stop?.message, 'rule #1 "rm -rf" declined a prompt');
  assert.equal(stop?.intervention.kind, 'fail');
  // The answer rules act before the snapshot is judged (supervisor.ts); once stopping, no progress is reported.
  assert.deepEqual(
    failing.decisions.map((d) => d.type),
    ['send', 'stop'],
  );
  failing.dispose();
});

test('a deny pattern in plain output, with no prompt on screen, is not acted on', async () => {
  const h = harness(DENY_THEN_RESPOND);
  await h.feed('I will not run rm -rf on your build folder.\r\nDone.\r\n');
  assert.equal(h.typed(), '');
  assert.equal(h.of('stop').length, 0);
  h.dispose();
});

test('fail and kill stop the job with the rule named; nothing is decided after a stop', async () => {
  const failing = harness({ answers: [{ match: 'rate limit exceeded', action: 'fail' }, { match: 'Retry\\?', send: 'y' }] });
  await failing.feed('error: rate limit exceeded\r\nRetry? ');
  assert.deepEqual(
    failing.decisions.map((d) => d.type),
    ['stop'],
  );
  const [stop] = failing.of('stop');
  assert.equal(stop?.reason, 'rule-failed');
  assert.equal(stop?.message, 'rule #1 "rate limit exceeded" matched');
  assert.deepEqual(stop?.intervention.rule, { index: 0, match: 'rate limit exceeded' });
  await failing.feed('\r\nmore output\r\n');
  failing.sup.observeOutput(10_000);
  failing.clock.advance(3_600_000);
  assert.equal(failing.decisions.length, 1);
  assert.deepEqual(failing.sup.state(), { kind: 'stopping', reason: 'rule-failed' });
  failing.dispose();

  const killing = harness({ answers: [{ match: 'panic:', action: 'kill' }] });
  await killing.feed('thread main panic: oh no\r\n');
  assert.equal(killing.of('stop')[0]?.reason, 'rule-killed');
  assert.equal(killing.of('stop')[0]?.intervention.kind, 'kill');
  killing.dispose();
});

test('notify marks the job blocked without typing; unblocked when the screen moves on; not repeated on redraw', async () => {
  const h = harness({ answers: [{ match: 'Log in at https://\\S+', action: 'notify' }] });
  await h.feed('Log in at https://example.test/device');
  assert.equal(h.typed(), '');
  const [blocked] = h.of('blocked');
  assert.equal(blocked?.intervention.kind, 'notify');
  assert.equal(h.sup.state().kind, 'waiting-for-input');
  await h.feed('\r\x1b[2KLog in at https://example.test/device');
  assert.equal(h.of('blocked').length, 1);
  assert.equal(h.of('unblocked').length, 0);
  await h.feed('\r\nLogged in.\r\n');
  assert.equal(h.of('unblocked').length, 1);
  assert.equal(h.sup.state().kind, 'working');
  h.dispose();
});
