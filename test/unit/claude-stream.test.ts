/**
 * Claude Code 2.1.332's headless stream-json output (lines captured from the real binary
 * against reference/claude-code-2.1/server.mjs, test/fixtures/claude/), its failure classes and
 * the usage-limit reset read from a failure message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { classifyClaudeFailure, isStartupError, type ClaudeFailureFacts } from '../../src/agents/claude/failure-classifier.js';
import { parseStreamLine, type ClaudeEvent } from '../../src/agents/claude/stream-events.js';
import { claudeUsageLimitReset } from '../../src/agents/claude/usage-limit.js';
import { fixture } from '../helpers/paths.js';

function events(name: string): ClaudeEvent[] {
  return readFileSync(fixture(`claude/${name}`), 'utf8')
    .split('\n')
    .map(parseStreamLine)
    .filter((e): e is ClaudeEvent => e !== null);
}

test('a run with a denied Bash call: session id, tool call, denial, last text, tokens and cost', { timeout: 5000 }, () => {
  const all = events('headless-bash-denied.jsonl');
  assert.deepEqual(all.map((e) => e.kind), ['init', 'text', 'tool-use', 'permission-denied', 'text', 'result']);
  assert.deepEqual(all[0], { kind: 'init', sessionId: '11111111-2222-4333-8444-555555555555', model: 'claude-opus-5-5', version: '2.1.332' });
  assert.deepEqual(all[2], { kind: 'tool-use', tool: 'Bash', summary: 'touch made-by-tool.txt && echo hello-from-tool', calls: ['touch made-by-tool.txt && echo hello-from-tool'] });
  const result = all[5];
  assert.ok(result?.kind === 'result');
  assert.equal(result.result.isError, false);
  assert.equal(result.result.text, 'The command ran. Done.');
  assert.equal(result.result.tokens, 30);
  assert.ok(Math.abs((result.result.costUsd ?? 0) - 0.00028) < 1e-9);
  assert.deepEqual(result.result.permissionDenials, [{ tool: 'Bash', input: 'touch made-by-tool.txt && echo hello-from-tool' }]);
});

test('every tool call of one assistant message is described for deny checks: the command, else the tool and its file', { timeout: 5000 }, () => {
  const line = JSON.stringify({
    type: 'assistant',
    message: { content: [
      { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: '/w/notes.txt', content: 'x' } },
      { type: 'tool_use', id: 't2', name: 'Bash', input: { command: 'rm -rf keep', description: 'clean' } },
    ] },
  });
  assert.deepEqual(parseStreamLine(line), { kind: 'tool-use', tool: 'Write', summary: '/w/notes.txt', calls: ['Write /w/notes.txt', 'rm -rf keep'] });
});

function factsOf(name: string): ClaudeFailureFacts {
  const facts: ClaudeFailureFacts = { startupErrors: [], apiErrors: [], denials: [] };
  for (const e of events(name)) {
    if (e.kind === 'api-error') facts.apiErrors.push({ status: e.status, message: e.message });
    if (e.kind === 'result') for (const d of e.result.permissionDenials) facts.denials.push(d.tool);
  }
  return facts;
}

test('API errors after retries map to the shared reasons, in Claude Code\'s own words', { timeout: 5000 }, () => {
  assert.deepEqual(classifyClaudeFailure(factsOf('headless-401.jsonl')), { reason: 'not-logged-in', message: 'claude: Failed to authenticate. API Error: 401 mock 401 authentication_error' });
  assert.deepEqual(classifyClaudeFailure(factsOf('headless-429.jsonl')), { reason: 'rate-limited', message: 'claude: API Error: Request rejected (429) · mock 429 rate_limit_error' });
  assert.equal(classifyClaudeFailure(factsOf('headless-500.jsonl'))?.reason, 'model-error');
  assert.equal(classifyClaudeFailure(factsOf('headless-bash-denied.jsonl'))?.reason, 'sandbox-denied');
  const limit = { startupErrors: [], denials: [], apiErrors: [{ status: 429, message: 'API Error: Request rejected (429) · usage limit reached · resets at 2026-11-30T15:05:00.000Z' }] };
  assert.equal(classifyClaudeFailure(limit)?.reason, 'usage-limit');
  assert.equal(classifyClaudeFailure({ startupErrors: [], apiErrors: [], denials: [] }), null);
});

test('start-up refusals: a lost session is resume-lost-context, the rest agent-usage', { timeout: 5000 }, () => {
  const lost = 'No conversation found with session ID: 0b7f5a52-1111-4222-8333-444455556666';
  const inUse = 'Error: Session ID 0b7f5a52-1111-4222-8333-444455556666 is already in use.';
  const root = '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons';
  for (const line of [lost, inUse, root]) assert.ok(isStartupError(line), line);
  assert.ok(!isStartupError('{"type":"system"}'));
  assert.equal(classifyClaudeFailure({ startupErrors: [lost], apiErrors: [], denials: [] })?.reason, 'resume-lost-context');
  assert.deepEqual(classifyClaudeFailure({ startupErrors: [inUse], apiErrors: [], denials: [] }), { reason: 'agent-usage', message: `claude refused to start: ${inUse}` });
});

test('the usage-limit reset: ISO time, epoch seconds, or a clock time today', { timeout: 5000 }, () => {
  const now = new Date(2026, 10, 30, 12, 0, 0).getTime();
  assert.equal(claudeUsageLimitReset('API Error: Request rejected (429) · usage limit reached · resets at 2026-11-30T15:05:00.000Z', now), Date.UTC(2026, 10, 30, 15, 5));
  assert.equal(claudeUsageLimitReset('Claude AI usage limit reached|1798729500', now), 1798729500_000);
  assert.equal(claudeUsageLimitReset("You've hit your limit · resets 3pm", now), new Date(2026, 10, 30, 15, 0, 0).getTime());
  assert.equal(claudeUsageLimitReset('resets at 3:05 PM', now), new Date(2026, 10, 30, 15, 5, 0).getTime());
  assert.equal(claudeUsageLimitReset('API Error: Request rejected (429) · mock', now), null);
});
