/**
 * The claude monitor on captured output of Claude Code 2.1.332: OSC 7501 states from a raw PTY
 * whose probe was answered (reference captures osc_raw_pty_osc7501_answered*.txt), and
 * headless stream-json lines (test/fixtures/claude/), on a FakeClock with a recording target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { MonitorTarget } from '../../src/agents/adapter.js';
import { ClaudeMonitor, TUI_CLOSE_MS, TUI_LINGER_MS } from '../../src/agents/claude/monitor.js';
import type { JobFacts } from '../../src/run/events.js';
import type { StopCause } from '../../src/session/job-session.js';
import { compilePattern } from '../../src/session/policies/pattern.js';
import type { Intervention } from '../../src/session/policies/policy.js';
import type { AnswerRule } from '../../src/session/policies/spec.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';

interface Recorded {
  facts: JobFacts[];
  blocked: boolean[];
  stops: StopCause[];
  answers: string[];
  stopOptions: Array<{ intervention?: Intervention; immediate?: boolean } | undefined>;
}

function denyRule(source: string, index = 0): AnswerRule {
  const match = compilePattern(source, { ignoreCase: false });
  assert.ok(match.ok);
  return { index, match: match.value, matchSource: source, action: 'deny', send: null, max: null, failJob: true };
}

const toolUse = (name: string, input: object): string =>
  JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 't1', name, input }] } });

function monitor(mode: 'headless' | 'tui', denyRules: AnswerRule[] = []): { m: ClaudeMonitor; clock: FakeClock; rec: Recorded } {
  const clock = new FakeClock();
  const rec: Recorded = { facts: [], blocked: [], stops: [], answers: [], stopOptions: [] };
  const target: MonitorTarget = {
    facts: (f) => rec.facts.push(f),
    blocked: (b) => rec.blocked.push(b),
    stop: (c, o) => {
      rec.stops.push(c);
      rec.stopOptions.push(o);
    },
    answerTerminal: (bytes) => rec.answers.push(bytes),
  };
  const m = new ClaudeMonitor({ clock, target, mode, sessionId: 'chosen-id', denyRules });
  assert.ok(m.prepare().ok);
  return { m, clock, rec };
}

/** The OSC 7501 payloads of a capture, in order (`ESC]7501;<payload>BEL` per line). */
function oscPayloads(name: string): string[] {
  return readFileSync(fixture(`claude-2.1/${name}`), 'utf8')
    .split('\n')
    .map((line) => /^ESC\]7501;(.*?)BEL/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);
}

test('tui: the probe is answered with ESC ] 7501 ; ? BEL; a permission dialog blocks; done closes the TUI with two Ctrl-C after the linger', { timeout: 5000 }, () => {
  const { m, clock, rec } = monitor('tui');
  assert.deepEqual(rec.facts, [{ sessionId: 'chosen-id' }], 'the chosen id is a fact before the start');
  const payloads = oscPayloads('osc_raw_pty_osc7501_answered.txt');
  assert.equal(payloads[0], '?');
  // Up to the first `done`: the probe, idle, working, done.
  for (const p of payloads.slice(0, 4)) m.onOsc(7501, p);
  assert.deepEqual(rec.answers, ['\x1b]7501;?\x07']);
  // A new turn cancels the linger; the dialog shows as blocked, then released.
  for (const p of payloads.slice(4, 6)) m.onOsc(7501, p);
  assert.deepEqual(rec.blocked, [true]);
  m.onOsc(7501, payloads[6] ?? '');
  assert.deepEqual(rec.blocked, [true, false]);
  clock.advance(TUI_LINGER_MS * 2);
  assert.deepEqual(rec.stops, [], 'working again: no stop');
  m.onOsc(7501, payloads[7] ?? '');
  assert.equal(payloads[7], 'state=done:app=claude-code');
  clock.advance(TUI_LINGER_MS);
  assert.deepEqual(rec.answers, ['\x1b]7501;?\x07', '\x03\x03'], 'closed as a person does: two Ctrl-C at its prompt (it exits 0)');
  assert.deepEqual(rec.stops, []);
  clock.advance(TUI_CLOSE_MS);
  assert.deepEqual((rec.stops as StopCause[]).map((s) => [s.status, s.reason]), [['succeeded', null]], 'still open: the stop ladder ends it, a success');
  m.dispose();
});

test('tui: an error state ends the job with the classified reason and Claude Code\'s message', { timeout: 5000 }, () => {
  const { m, clock, rec } = monitor('tui');
  for (const p of oscPayloads('osc_raw_pty_osc7501_answered_error_deny.txt').slice(0, 4)) m.onOsc(7501, p);
  clock.advance(TUI_LINGER_MS);
  assert.deepEqual(rec.stops, [{ status: 'failed', reason: 'rate-limited', message: 'claude: API Error: Request rejected (429) · mock 429 rate_limit_error' }]);
  m.dispose();
});

test('tui: idle after a turn ran (a declined dialog) ends the job as denied', { timeout: 5000 }, () => {
  const { m, clock, rec } = monitor('tui');
  for (const p of ['state=idle:app=claude-code', 'state=working:app=claude-code', 'state=blocked:app=claude-code:kind=permission', 'state=idle:app=claude-code']) m.onOsc(7501, p);
  clock.advance(TUI_LINGER_MS);
  assert.deepEqual(rec.stops.map((s) => s.reason), ['denied']);
  m.dispose();
});

test('headless: facts from the result line; denials stop the job at once as sandbox-denied', { timeout: 5000 }, () => {
  const { m, rec } = monitor('headless');
  for (const line of readFileSync(fixture('claude/headless-bash-denied.jsonl'), 'utf8').split('\n')) m.onLine(line);
  const merged = Object.assign({}, ...rec.facts) as JobFacts;
  assert.equal(merged.sessionId, '11111111-2222-4333-8444-555555555555');
  assert.equal(merged.tokensUsed, 30);
  assert.equal(merged.lastMessage, 'The command ran. Done.');
  assert.ok(merged.costUsd !== undefined && merged.costUsd > 0);
  assert.equal(rec.stops.length, 1);
  assert.equal(rec.stops[0]?.reason, 'sandbox-denied');
  m.dispose();
});

test('headless: a tool call a deny rule matches kills claude at once as denied, the intervention naming the rule; tui leaves it to the dialog', { timeout: 5000 }, () => {
  const { m, clock, rec } = monitor('headless', [denyRule('^Write .*\\.env$'), denyRule('rm -rf', 1)]);
  clock.advance(1234);
  m.onLine(toolUse('Bash', { command: 'ls -la' }));
  m.onLine(toolUse('Write', { file_path: '/w/notes.txt', content: 'rm -rf is only text here' }));
  assert.equal(rec.stops.length, 0, 'a rule matches the described call, not the content written');
  m.onLine(toolUse('Bash', { command: 'rm -rf keep', description: 'clean up' }));
  assert.equal(rec.stops.length, 1);
  assert.deepEqual([rec.stops[0]?.status, rec.stops[0]?.reason], ['failed', 'denied']);
  assert.match(rec.stops[0]?.message ?? '', /`rm -rf keep`.*deny rule 2 \("rm -rf"\)/);
  assert.deepEqual(rec.stopOptions[0], { immediate: true, intervention: { at: clock.now(), kind: 'deny', rule: { index: 1, match: 'rm -rf' }, excerpt: ['rm -rf keep'], sent: null } });
  m.onLine(JSON.stringify({ type: 'result', is_error: false, result: 'x', permission_denials: [] }));
  assert.equal(rec.stops.length, 1, 'stopped once');
  const env = monitor('headless', [denyRule('^Write .*\\.env$')]);
  env.m.onLine(toolUse('Write', { file_path: '/w/.env', content: 'A=1' }));
  assert.equal(env.rec.stops[0]?.reason, 'denied');
  const tui = monitor('tui', [denyRule('rm -rf')]);
  tui.m.onLine(toolUse('Bash', { command: 'rm -rf keep' }));
  assert.equal(tui.rec.stops.length, 0);
  for (const x of [m, env.m, tui.m]) x.dispose();
});

test('headless: a non-zero exit after an API error is explained by finish()', { timeout: 5000 }, async () => {
  const { m, rec } = monitor('headless');
  for (const line of readFileSync(fixture('claude/headless-401.jsonl'), 'utf8').split('\n')) m.onLine(line);
  assert.equal(rec.stops[0]?.reason, 'not-logged-in');
  const verdict = await m.finish({ exitCode: 1, signal: null });
  assert.equal(verdict?.reason, 'not-logged-in');
  // A clean exit without the `result` line did no visible turn: a failure (issue 15); with it, the exit speaks for itself.
  assert.equal((await monitor('headless').m.finish({ exitCode: 0, signal: null }))?.reason, 'agent-usage');
  assert.equal(await monitor('tui').m.finish({ exitCode: 0, signal: null }), null);
});
