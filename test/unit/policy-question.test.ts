import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenModel } from '../../src/session/screen.js';
import { findQuestion } from '../../src/session/policies/question-detector.js';
import { FakeClock } from '../helpers/fake-clock.js';

async function question(data: string, cols = 80): Promise<number | null> {
  const screen = new ScreenModel({ cols, rows: 16, clock: new FakeClock() });
  screen.write(data);
  await screen.whenParsed();
  const found = findQuestion(screen.snapshot());
  screen.dispose();
  return found === null ? null : found.row;
}

test('questions and menus at the end of the screen are found, with the row of the question', async () => {
  assert.equal(await question('log\r\nOverwrite? [y/n] '), 1);
  assert.equal(await question('Install the update? (Y/n)'), 0);
  assert.equal(await question('Continue [yes/no]?'), 0);
  assert.equal(await question('Done.\r\nPress Enter to continue'), 1);
  assert.equal(await question('Choose a profile:\r\n  1) dev\r\n  2) prod\r\n'), 0);
  assert.equal(await question('Trust this folder?\r\n\r\n› 1. Trust and continue\r\n  2. Quit\r\n'), 0);
  assert.equal(await question('Pick one\r\n› 1. Trust and continue\r\n  2. Quit\r\n'), 0, 'a menu with a cursor is a question by itself; the line above it is its text');
  assert.equal(await question('What is your name? '), 0, 'a last line ending in ? with the cursor on it');
  assert.equal(await question('Which target?\r\n1) debug\r\n2) release\r\n'), 0, 'a question above menu entries');
  const codex = [
    '• Running touch /tmp/x',
    '  Would you like to run the following command?',
    '  $ touch /tmp/x',
    '› 1. Yes, proceed (y)',
    '  2. Yes, and don\'t ask again for commands that start with `touch` (p)',
    '  3. No, and tell Codex what to do differently (esc)',
    '',
    '  Press enter to confirm or esc to cancel',
  ].join('\r\n');
  assert.equal(await question(codex), 1, 'the row of the question text, above the command and the options');
});

test('plain output, an answered prompt with output below it, or a question left behind is not a question', async () => {
  assert.equal(await question('Compiling...\r\nDone in 3s\r\n'), null);
  assert.equal(await question('Overwrite? [y/n] y\r\nwrote config.toml\r\n'), null);
  assert.equal(await question('Why does this fail?\r\nLet me look at the logs.\r\n'), null);
  assert.equal(await question('Should I continue?\r\n\x1b[5;1H'), null, 'the cursor is elsewhere');
  assert.equal(await question('› Ask Codex to do anything\r\n\r\n  ? for shortcuts'), null);
  assert.equal(await question('Steps:\r\n1. build\r\n2. test\r\n'), null, 'a numbered list without a cursor or a question');
});
