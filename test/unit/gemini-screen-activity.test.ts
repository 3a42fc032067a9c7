/** The live line of a gemini job: the newest stream-json event on a headless screen, as a person reads it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiScreenActivity } from '../../src/agents/gemini/screen-activity.js';
import { ScreenSnapshot } from '../../src/session/screen.js';

function snapshot(lines: string[]): ScreenSnapshot {
  return new ScreenSnapshot({ version: 1, at: 0, cols: 120, rows: lines.length, lines, wrapped: lines.map(() => false), history: [], historyWrapped: [], cursor: { row: 0, col: 0 }, buffer: 'normal', hash: 1 });
}

const ev = (o: Record<string, unknown>): string => JSON.stringify(o);

test('headless: tool calls, streamed messages and errors become readable lines; a screen without events gives null', () => {
  const init = ev({ type: 'init', session_id: 's1', model: 'auto' });
  const user = ev({ type: 'message', role: 'user', content: 'Make the files' });
  const shell = ev({ type: 'tool_use', tool_name: 'run_shell_command', tool_id: 't1', parameters: { command: 'npm test', description: 'x' } });
  const write = ev({ type: 'tool_use', tool_name: 'write_file', tool_id: 't2', parameters: { file_path: '/w/notes.txt', content: 'hi' } });
  const refused = ev({ type: 'tool_result', tool_id: 't3', status: 'error', output: '', error: { type: 'tool_not_registered', message: 'Tool "run_shell_command" not found.' } });
  assert.equal(geminiScreenActivity(snapshot(['Warning: True color', init])), 'session s1');
  assert.equal(geminiScreenActivity(snapshot([init, user, shell])), '$ npm test');
  assert.equal(geminiScreenActivity(snapshot([shell, write])), 'write_file /w/notes.txt');
  assert.equal(geminiScreenActivity(snapshot([init, user])), '› Make the files');
  assert.equal(geminiScreenActivity(snapshot([shell, ev({ type: 'tool_result', tool_id: 't1', status: 'success', output: 'ok 3 tests\n' })])), 'done: ok 3 tests');
  assert.equal(geminiScreenActivity(snapshot([ev({ type: 'result', status: 'success', stats: {} })])), 'turn finished');
  assert.equal(geminiScreenActivity(snapshot([shell, refused])), 'tool error: Tool "run_shell_command" not found.');
  assert.equal(
    geminiScreenActivity(snapshot([shell, ev({ type: 'message', role: 'assistant', content: 'All ', delta: true }), ev({ type: 'message', role: 'assistant', content: 'done.', delta: true })])),
    'All done.',
  );
  assert.equal(geminiScreenActivity(snapshot([ev({ type: 'result', status: 'error', error: { type: 'api', message: '[API Error: quota]' } })])), 'error: [API Error: quota]');
  // A screen behind the transcript: no whole event yet, yet never the raw JSON.
  assert.equal(geminiScreenActivity(snapshot(['Warning: True color', '{"type":"in'])), 'Warning: True color');
  assert.equal(geminiScreenActivity(snapshot(['{"type":"in'])), 'starting gemini');
  // The TUI: the transcript's line is used.
  assert.equal(geminiScreenActivity(snapshot([' ▝▜▄     Gemini CLI v0.61.0', ' > Say hello', '✦ Hello.', ' >   Type your message or @path/to/file'])), null);
});
