import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import type { Decision } from '../../src/session/policies/policy.js';
import { parseSupervision } from '../../src/session/policies/spec.js';
import { Supervisor } from '../../src/session/policies/supervisor.js';
import { findQuestion } from '../../src/session/policies/question-detector.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** Feeds `data` to a supervisor (of `agent`) over a real screen model, then waits past blockedAfter. */
async function blockedAfterShowing(data: string, agent?: string): Promise<Decision[]> {
  const clock = new FakeClock();
  const parsed = parseSupervision({ idle: { blockedAfter: '10s' } });
  assert.ok(parsed.ok);
  const screen = new ScreenModel({ cols: 80, rows: 16, clock });
  const decisions: Decision[] = [];
  const sup = new Supervisor({ spec: parsed.value, clock, onDecision: (d) => decisions.push(d), agent });
  try {
    screen.write(data);
    await screen.whenParsed();
    sup.observeScreen(screen.snapshot());
    clock.advance(11_000);
    return decisions.filter((d) => d.type === 'blocked');
  } finally {
    sup.dispose();
    screen.dispose();
  }
}

const OLD_DIALOG = [
  '  Would you like to run the following command?',
  '› 1. Yes, proceed (y)',
  '  2. No, and tell Codex what to do differently (esc)',
  '  Press enter to confirm or esc to cancel',
  '› ',
  '  model-x · ~/src',
].join('\r\n');

test('the supervisor passes its agent to the question detector: codex composer below an old dialog is not blocked', { timeout: 10_000 }, async () => {
  assert.equal((await blockedAfterShowing(OLD_DIALOG, 'codex')).length, 0);
  assert.equal((await blockedAfterShowing(OLD_DIALOG)).length, 1, 'without the agent, the generic rules see a question above a prompt');
});

test('blocked names the question the classifier read; a question under a spinner is not blocked', { timeout: 10_000 }, async () => {
  const blocked = await blockedAfterShowing('Some output\r\n╭──────────────────╮\r\n│ Keep the draft?  │\r\n│ ❯ 1. Keep        │\r\n│   2. Discard     │\r\n╰──────────────────╯\r\n  Enter to choose · Esc to go back');
  assert.equal(blocked.length, 1);
  assert.equal((await blockedAfterShowing('Keep the draft? [y/n]\r\ny\r\n✻ Tidying… (3s · esc to interrupt)')).length, 0);
});

test('findQuestion returns the question, its options and keys, and the row of its text', { timeout: 10_000 }, async () => {
  const screen = new ScreenModel({ cols: 60, rows: 8, clock: new FakeClock() });
  try {
    screen.write('log line\r\nDiscard local changes? [y/N] ');
    await screen.whenParsed();
    const found = findQuestion(screen.snapshot());
    assert.equal(found?.row, 1);
    assert.deepEqual(found?.excerpt, ['log line', 'Discard local changes? [y/N]']);
    assert.deepEqual(found?.question.options, [
      { label: 'Yes', keys: ['y'] },
      { label: 'No', keys: ['n'] },
    ]);
  } finally {
    screen.dispose();
  }
});
