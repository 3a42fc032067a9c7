/** The gemini monitor: facts and refusals from the headless event stream, states from the TUI's window title. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeminiMonitor } from '../../src/agents/gemini/monitor.js';
import type { StopCause } from '../../src/session/job-session.js';
import { compilePattern } from '../../src/session/policies/pattern.js';
import type { AnswerRule } from '../../src/session/policies/spec.js';
import { ScreenSnapshot } from '../../src/session/screen.js';
import type { JobFacts } from '../../src/run/events.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ID = '11111111-2222-3333-4444-555555555555';

function denyRule(source: string): AnswerRule {
  const match = compilePattern(source, { ignoreCase: false });
  assert.ok(match.ok);
  return { index: 0, match: match.value, matchSource: source, action: 'deny', send: null, max: null, failJob: true };
}

function monitor(mode: 'headless' | 'tui', denyRules: AnswerRule[] = []) {
  const clock = new FakeClock();
  const facts: JobFacts[] = [];
  const stops: StopCause[] = [];
  const blocked: boolean[] = [];
  const stopOptions: unknown[] = [];
  const m = new GeminiMonitor({
    clock, mode, sessionId: ID, denyRules,
    target: { facts: (f) => facts.push(f), stop: (c, o) => { stops.push(c); stopOptions.push(o); }, blocked: (b) => blocked.push(b) },
  });
  return { m, clock, facts, stops, blocked, stopOptions };
}

function snapshot(lines: string[]): ScreenSnapshot {
  return new ScreenSnapshot({ version: 1, at: 0, cols: 120, rows: lines.length, lines, wrapped: lines.map(() => false), history: [], historyWrapped: [], cursor: { row: 0, col: 0 }, buffer: 'normal', hash: 1 });
}

const use = (command: string): string =>
  JSON.stringify({ type: 'tool_use', tool_name: 'run_shell_command', tool_id: 't1', parameters: { command, description: 'x' } });

test('headless: the chosen session id is a fact before the spawn; usage and the last message come from the stream', async () => {
  const { m, facts, stops } = monitor('headless');
  assert.ok(m.prepare().ok);
  assert.deepEqual(facts, [{ sessionId: ID }]);
  m.onLine('Ripgrep is not available. Falling back to GrepTool.');
  m.onLine(JSON.stringify({ type: 'message', role: 'user', content: 'go' }));
  m.onLine(JSON.stringify({ type: 'message', role: 'assistant', content: 'All ', delta: true }));
  m.onLine(JSON.stringify({ type: 'message', role: 'assistant', content: 'done.', delta: true }));
  m.onLine(JSON.stringify({ type: 'result', status: 'success', stats: { total_tokens: 45, input_tokens: 30, output_tokens: 15 } }));
  assert.deepEqual(facts.slice(1), [{ tokensUsed: 45 }, { lastMessage: 'All done.' }]);
  assert.equal(await m.finish({ exitCode: 0, signal: null }), null);
  assert.equal(stops.length, 0);
});

test('headless: a tool call a deny rule matches stops the job as denied, before gemini says anything about it', () => {
  const { m, stops, stopOptions } = monitor('headless', [denyRule('rm -rf')]);
  m.onLine(use('ls'));
  assert.equal(stops.length, 0);
  m.onLine(use('rm -rf keep'));
  assert.equal(stops.length, 1);
  assert.equal(stops[0]?.reason, 'denied');
  assert.match(stops[0]?.message ?? '', /rm -rf keep.*deny rule 1/);
  assert.deepEqual(stopOptions[0], { immediate: true, intervention: { at: Date.UTC(2026, 0, 1), kind: 'deny', rule: { index: 0, match: 'rm -rf' }, excerpt: ['rm -rf keep'], sent: null } }, 'killed at once; the intervention names the rule');
});

test("headless: a shell call refused by gemini's approval mode stops the job as denied; an unknown tool does not", () => {
  const { m, stops } = monitor('headless');
  m.onLine(JSON.stringify({ type: 'tool_use', tool_name: 'made_up_tool', tool_id: 'u1', parameters: {} }));
  m.onLine(JSON.stringify({ type: 'tool_result', tool_id: 'u1', status: 'error', error: { type: 'tool_not_registered', message: 'not found' } }));
  assert.equal(stops.length, 0);
  m.onLine(use('touch x'));
  m.onLine(JSON.stringify({ type: 'tool_result', tool_id: 't1', status: 'error', error: { type: 'unknown', message: 'Tool execution denied by policy.' } }));
  assert.equal(stops[0]?.reason, 'denied');
  assert.match(stops[0]?.message ?? '', /approval mode refused `touch x`/);
});

test('headless: a failed exit is classified from the result event', async () => {
  const { m } = monitor('headless');
  m.onLine(JSON.stringify({ type: 'result', status: 'error', error: { type: 'unknown', message: '[API Error: {"error":{"code":401,"message":"bad key"}}]' } }));
  const verdict = await m.finish({ exitCode: 145, signal: null });
  assert.equal(verdict?.reason, 'not-logged-in');
});

test('tui: Action Required marks the job blocked; Ready after Working ends the turn and, after the linger, stops it as succeeded', () => {
  const { m, clock, stops, blocked } = monitor('tui');
  m.onTitle('◇  Ready (work)');
  clock.advance(60_000);
  assert.equal(stops.length, 0, 'Ready before any work is the start, not the end');
  m.onTitle('✦  Working… (work)');
  m.onTitle('✋  Action Required (work)');
  m.onTitle('✦  Working… (work)');
  assert.deepEqual(blocked, [true, false]);
  m.onTitle('◇  Ready (work)');
  clock.advance(1000);
  m.onTitle('✦  Working… (work)');
  clock.advance(10_000);
  assert.equal(stops.length, 0, 'working again cancels the linger');
  m.onTitle('◇  Ready (work)');
  clock.advance(3000);
  assert.deepEqual(stops.map((s) => s.status), ['succeeded']);
});

test('tui: an API error on screen fails the turn with its reason; the auth dialog fails the job as not-logged-in', () => {
  const failed = monitor('tui');
  failed.m.onTitle('✦  Working… (work)');
  failed.m.onScreen(snapshot([' > go', '✕ [API Error: {"error":{"code":401,"message":"API key not valid"}}]', '']));
  failed.m.onTitle('◇  Ready (work)');
  failed.clock.advance(3000);
  assert.equal(failed.stops[0]?.reason, 'not-logged-in');
  const auth = monitor('tui');
  auth.m.onScreen(snapshot(['? Get started', 'How would you like to authenticate for this project?', '● 2. Use Gemini API Key']));
  assert.equal(auth.stops[0]?.reason, 'not-logged-in');
});

test('headless: a clean exit without the result event is a failure (agent-usage), never a silent success', { timeout: 5000 }, async () => {
  const { m } = monitor('headless');
  assert.ok(m.prepare().ok);
  m.onLine('some banner that is not stream-json');
  const verdict = await m.finish({ exitCode: 0, signal: null });
  assert.equal(verdict?.reason, 'agent-usage');
  assert.match(verdict?.message ?? '', /gemini exited 0 but printed no result/);
});

test("tui: gemini's quota dialog is never answered: the attempt stops as usage-limit with the dialog's reset time", () => {
  const { m, stops, stopOptions } = monitor('tui');
  m.onTitle('✦  Working… (work)');
  const box = (text: string): string => `│ ${text.padEnd(116)} │`;
  m.onScreen(snapshot([' > Say hello', '╭' + '─'.repeat(118) + '╮', box(''), box('Usage limit reached for gemini-3.8-flash.')]));
  assert.equal(stops.length, 0, 'not before its options are drawn');
  m.onScreen(snapshot([
    ' > Say hello', '╭' + '─'.repeat(118) + '╮', box(''),
    box('Usage limit reached for gemini-3.8-flash.'), box('Access resets at 2:06\u202fPM UTC.'), box('/stats model for usage details'), box('/model to switch models.'), box(''),
    box('● 1. Keep trying'), box('  2. Stop'), '╰' + '─'.repeat(118) + '╯',
  ]));
  assert.equal(stops.length, 1);
  assert.equal(stops[0]?.status, 'failed');
  assert.equal(stops[0]?.reason, 'usage-limit');
  assert.equal(stops[0]?.message, 'gemini: Usage limit reached for gemini-3.8-flash. Access resets at 2:06\u202fPM UTC.');
  assert.equal(stopOptions[0], undefined, 'the stop ladder (SIGTERM), no key typed into the dialog');
});

test('tui: a turn that ended "Request cancelled." (a declined dialog) ends the job as denied; an older cancel higher up does not', () => {
  const rule = '─'.repeat(120);
  const tail = ['                                                              ? for shortcuts', rule, ' Shift+Tab to accept edits', '', ' >   Type your message or @path/to/file', '', ' workspace (/directory)   sandbox   /model'];
  const run = (lines: string[]) => {
    const { m, clock, stops } = monitor('tui');
    m.onTitle('✦  Working… (work)');
    m.onTitle('◇  Ready (work)');
    m.onScreen(snapshot(lines));
    clock.advance(3_000);
    return stops;
  };
  const declined = run([' > Clean up', '│ -  Shell rm -rf keep │', '', 'ℹ Request cancelled.', '', ...tail]);
  assert.equal(declined[0]?.status, 'failed');
  assert.equal(declined[0]?.reason, 'denied');
  // Some terminals get the input box with a rule under the hint and under the input too.
  const boxed = run([' > Clean up', 'ℹ Request cancelled.', '             ? for shortcuts', rule, ' Shift+Tab to accept edits', rule, ' >   Type your message or @path/to/file', rule, ' workspace']);
  assert.equal(boxed[0]?.reason, 'denied');
  const later = run(['ℹ Request cancelled.', ' > Say hello', '✦ Hello.', '', ...tail]);
  assert.equal(later[0]?.status, 'succeeded');
});

test('headless: a denied call whose result still came (gemini ran it before the kill: yolo, allowed tools) is reported as run, not as refused in time', async () => {
  const ranFirst = monitor('headless', [denyRule('rm -rf')]);
  ranFirst.m.onLine(use('rm -rf victim'));
  assert.match(ranFirst.stops[0]?.message ?? '', /wanted to run `rm -rf victim`/);
  ranFirst.m.onLine(JSON.stringify({ type: 'tool_result', tool_id: 't1', status: 'success', output: '' }));
  const verdict = await ranFirst.m.finish({ exitCode: 0, signal: 9 });
  assert.equal(verdict?.reason, 'denied');
  assert.equal(verdict?.restatesStop, true);
  assert.match(verdict?.message ?? '', /^gemini ran `rm -rf victim` before deny rule 1 \("rm -rf"\) could stop it/);
  // Killed before gemini printed a result: the call was stopped in time, the wording stays.
  const inTime = monitor('headless', [denyRule('rm -rf')]);
  inTime.m.onLine(use('rm -rf victim'));
  assert.equal(await inTime.m.finish({ exitCode: 0, signal: 9 }), null);
});
