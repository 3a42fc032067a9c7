/**
 * Codex's OSC 7501 state: the parser on its own, and over the raw PTY streams of real codex
 * 0.169.0 TUI sessions (test/fixtures/codex-0.169/raw_*.log) fed through a real ScreenModel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CODEX_OSC, parseCodexOsc, type CodexOscState } from '../../src/agents/codex/osc-state.js';
import { ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';

test('payloads parse into typed states', () => {
  assert.deepEqual(parseCodexOsc('state=idle:app=codex'), { state: 'idle' });
  assert.deepEqual(parseCodexOsc('state=working:app=codex'), { state: 'working' });
  assert.deepEqual(parseCodexOsc('state=blocked:app=codex:kind=permission'), { state: 'blocked', kind: 'permission' });
  assert.deepEqual(parseCodexOsc('state=blocked:app=codex'), { state: 'blocked', kind: null });
  assert.deepEqual(parseCodexOsc('state=done:app=codex'), { state: 'done' });
  assert.deepEqual(parseCodexOsc('state=error:app=codex'), { state: 'error' });
  assert.deepEqual(parseCodexOsc('state=clear'), { state: 'clear' });
});

test('other apps, unknown states and garbage are ignored', () => {
  assert.equal(parseCodexOsc('state=working:app=other'), null);
  assert.equal(parseCodexOsc('state=working'), null);
  assert.equal(parseCodexOsc('state=thinking:app=codex'), null);
  assert.equal(parseCodexOsc(''), null);
  assert.equal(parseCodexOsc('app=codex:state=idle'), null);
});

// Every 7501 state in a raw capture, as the screen model hands them over while parsing.
async function statesIn(name: string, chunkSize: number): Promise<string[]> {
  const raw = readFileSync(fixture(`codex-0.169/${name}`));
  const screen = new ScreenModel({ cols: 120, rows: 45, clock: new FakeClock() });
  const states: string[] = [];
  const off = screen.onOsc(CODEX_OSC, (payload) => {
    const parsed: CodexOscState | null = parseCodexOsc(payload);
    states.push(parsed === null ? `unparsed ${payload}` : parsed.state === 'blocked' ? `blocked:${parsed.kind ?? ''}` : parsed.state);
  });
  // Small chunks split sequences across writes, as PTY reads do.
  for (let i = 0; i < raw.length; i += chunkSize) screen.write(raw.subarray(i, i + chunkSize));
  await screen.whenParsed();
  off();
  screen.dispose();
  return states;
}

test('a turn that finishes (raw_t3): idle, working, done', async () => {
  assert.deepEqual(await statesIn('raw_t3.log', 97), ['idle', 'working', 'done']);
});

test('two approval dialogs (raw_t4_approval): blocked kind=permission between working, clear at exit', async () => {
  assert.deepEqual(await statesIn('raw_t4_approval.log', 64), [
    'idle',
    'working',
    'idle',
    'working',
    'blocked:permission',
    'working',
    'idle',
    'working',
    'blocked:permission',
    'working',
    'idle',
    'clear',
  ]);
});

test('a stream failure after two good turns (raw_t12): done, done, then error', async () => {
  assert.deepEqual(await statesIn('raw_t12.log', 4096), ['idle', 'working', 'done', 'idle', 'working', 'done', 'idle', 'working', 'error', 'idle', 'clear']);
});

test('codex exec prints no OSC 7501 (exec_in_pty.typescript)', async () => {
  assert.deepEqual(await statesIn('exec_in_pty.typescript', 128), []);
});
