/**
 * A claude job's live line read off its screen: in headless mode the newest stream-json event
 * as a person reads it, in the TUI the last meaningful line above the input box (Claude Code
 * 2.1.332 screens from the reference captures).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { claudeScreenActivity } from '../../src/agents/claude/screen-activity.js';
import { renderScreen, screenBytes } from '../../src/rules/screen-file.js';
import { fixture } from '../helpers/paths.js';

async function line(text: string): Promise<string | null> {
  const screen = await renderScreen(screenBytes('txt', Buffer.from(text)), { cols: 120, rows: 40 });
  try {
    return claudeScreenActivity(screen.snap);
  } finally {
    screen.dispose();
  }
}

test('headless: the newest event that fits on screen, as a line', { timeout: 20_000 }, async () => {
  const events = readFileSync(fixture('claude/headless-bash-denied.jsonl'), 'utf8').split('\n');
  // Up to the tool call, then up to the denial.
  assert.equal(await line(events.slice(1, 3).join('\n')), '$ touch made-by-tool.txt && echo hello-from-tool');
  assert.match((await line(events.slice(1, 4).join('\n'))) ?? '', /^denied Bash: touch in '.*made-by-tool\.txt' needs approval/);
  assert.equal(await line(events.slice(1, 6).join('\n')), 'The command ran. Done.');
});

test('tui: the agent\'s latest message or the status line above the input box, never the footer or effort hint', { timeout: 20_000 }, async () => {
  assert.equal(await line(readFileSync(fixture('claude-2.1/07_idle_default_mode.txt'), 'utf8')), null);
  const working = ['❯ SLOW please', '', '✻ Processing… (5s · ↓ 5 tokens)', '  ⎿  Tip: Use /btw to ask a quick side question', '', '─'.repeat(40), '❯ ', '─'.repeat(40), '  ⏸ manual mode on · esc to interrupt'];
  assert.equal(await line(working.join('\n')), '✻ Processing… (5s · ↓ 5 tokens)');
  const done = ['❯ hello', '', '● Hello from the model.', '', '✻ Baked for 1s · done 8:44 AM', '', '─'.repeat(40), '❯ ', '─'.repeat(40), '  ⏸ manual mode on · ? for shortcuts'];
  assert.equal(await line(done.join('\n')), 'Hello from the model.');
});
