import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { screenAnswer } from '../../src/agents/gemini/screen-answer.js';
import { repoRoot } from '../helpers/paths.js';

const capture = (name: string): string[] => readFileSync(path.join(repoRoot, '..', 'shared', 'reference', 'gemini-cli-0.61', 'captures', name), 'utf8').split('\n');

test("gemini's last answer is read off its TUI screen: the last ✦ block, wrapped lines joined", { timeout: 5_000 }, () => {
  assert.equal(screenAnswer(capture('05_after_reply.txt')), 'Hello from the mock model (request 84).');
  assert.equal(screenAnswer(capture('07_after_shell_approved.txt')), 'The command ran. Done.');
  assert.equal(screenAnswer([' > go', '', '✦ A long answer that', '  wraps onto a second line', '', ' >   Type your message']), 'A long answer that wraps onto a second line');
  assert.equal(screenAnswer([' > go', '', ' >   Type your message or @path/to/file']), null);
});
