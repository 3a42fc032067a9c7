import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import { classifySnapshot } from '../../src/session/classify/classify-snapshot.js';
import { ScreenJudge } from '../../src/session/policies/self-input.js';
import { FakeClock } from '../helpers/fake-clock.js';

// The snapshot classifier and the progress judge keep what they read of lines they saw before
// (issue 16: per-line idle cost); what they say must not depend on it.

async function screenOf(text: string): Promise<ScreenModel> {
  const screen = new ScreenModel({ cols: 40, rows: 8, clock: new FakeClock() });
  screen.write(text);
  await screen.whenParsed();
  return screen;
}

test('a question read before on another row is placed on the row it is on now', { timeout: 5000 }, async () => {
  const first = await screenOf('working\r\nDelete the file? [y/n] ');
  const moved = await screenOf('working\r\nline\r\nline 2\r\n\r\nDelete the file? [y/n] ');
  try {
    const a = classifySnapshot(first.snapshot());
    const b = classifySnapshot(moved.snapshot());
    assert.equal(a.state, 'waiting_input');
    assert.equal(b.state, 'waiting_input');
    assert.equal(a.question?.row, 1);
    assert.equal(b.question?.row, 4);
    assert.equal(classifySnapshot(first.snapshot()).question?.row, 1, 'and back again');
  } finally {
    first.dispose();
    moved.dispose();
  }
});

test('a snapshot builds its logical lines once; the judge still sees every change', { timeout: 5000 }, async () => {
  const screen = new ScreenModel({ cols: 40, rows: 8, clock: new FakeClock() });
  try {
    const judge = new ScreenJudge();
    screen.write('⠋ Thinking (3s)\r\nstep 1');
    await screen.whenParsed();
    const snap = screen.snapshot();
    assert.equal(snap.logicalLines(), snap.logicalLines());
    assert.equal(judge.judge(snap, 0), 'agent');
    // Only the spinner and the timer changed: not progress, though the lines differ as shown.
    screen.write('\x1b[1;1H⠙ Thinking (4s)');
    await screen.whenParsed();
    assert.equal(judge.judge(screen.snapshot(), 10), 'unchanged');
    screen.write('\r\n\r\nstep 2');
    await screen.whenParsed();
    assert.equal(judge.judge(screen.snapshot(), 20), 'agent');
  } finally {
    screen.dispose();
  }
});
