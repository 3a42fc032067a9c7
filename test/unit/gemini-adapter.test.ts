/** The gemini adapter's pure parts: options, argv, the stream-json events, failure classes, usage-limit resets, window titles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiArgv } from '../../src/agents/gemini/argv.js';
import { classifyGeminiFailure, httpStatusOfExit } from '../../src/agents/gemini/failure-classifier.js';
import { geminiSpecOf, mergeGeminiOptions, parseGeminiOptions } from '../../src/agents/gemini/options.js';
import { describeToolCall, parseGeminiEvent } from '../../src/agents/gemini/stream-events.js';
import { parseGeminiTitle } from '../../src/agents/gemini/title-state.js';
import { geminiUsageLimitReset } from '../../src/agents/gemini/usage-limit.js';
import { parseGeminiVersion } from '../../src/agents/gemini/binary.js';
import { geminiBuiltinRules } from '../../src/agents/gemini/builtin-rules.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const ID = '11111111-2222-3333-4444-555555555555';

test('options: valid keys become a spec with defaults; every problem is reported with its path', () => {
  const parsed = parseGeminiOptions({ mode: 'tui', model: 'gemini-2.5-pro', approvalMode: 'auto_edit', allowedTools: ['run_shell_command(npm test)'], args: ['--debug'] });
  assert.ok(parsed.ok);
  assert.deepEqual(geminiSpecOf(parsed.value), {
    mode: 'tui',
    model: 'gemini-2.5-pro',
    approvalMode: 'auto_edit',
    allowedTools: ['run_shell_command(npm test)'],
    args: ['--debug'],
    bin: null,
  });
  assert.deepEqual(geminiSpecOf(undefined), { mode: 'headless', model: null, approvalMode: null, allowedTools: [], args: [], bin: null });
  const bad = parseGeminiOptions({ mode: 'exec', approvalMode: 'never', allowedTools: 'x', args: ['-p', '--resume=latest', '--session-id=x', '-y'], colour: 1 });
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.error.map((p) => p.path.join('.')),
    ['mode', 'approvalMode', 'allowedTools', 'args.0', 'args.1', 'args.2', 'args.3', 'colour'],
  );
  assert.match(bad.error[0]?.message ?? '', /expected headless or tui, found a string "exec"/);
  assert.match(bad.error[3]?.hint ?? '', /prompt/);
  assert.match(bad.error[4]?.hint ?? '', /resumes a session by its id/);
  assert.equal(mergeGeminiOptions({ mode: 'tui', model: 'a' }, { model: 'b' }).mode, 'tui');
  assert.equal(mergeGeminiOptions({ mode: 'tui', model: 'a' }, { model: 'b' }).model, 'b');
});

test('argv: headless takes the prompt as --prompt=, a chosen --session-id, stream-json; resume names the id, never latest', () => {
  const spec = geminiSpecOf({ approvalMode: 'yolo', allowedTools: ['run_shell_command(git status)'], model: 'm' });
  assert.deepEqual(geminiArgv({ spec, prompt: '-starts with a dash', session: { kind: 'new', id: ID } }), [
    '--prompt=-starts with a dash',
    '--skip-trust',
    '--output-format',
    'stream-json',
    '--model',
    'm',
    '--approval-mode',
    'yolo',
    '--allowed-tools=run_shell_command(git status)',
    '--session-id',
    ID,
  ]);
  const resumed = geminiArgv({ spec: geminiSpecOf({ mode: 'tui', args: ['--debug'] }), prompt: 'go on', session: { kind: 'resume', id: ID } });
  assert.deepEqual(resumed, ['--skip-trust', '--resume', ID, '--debug', '--prompt-interactive=go on']);
});

// Lines as gemini 0.61.0 printed them (reference README §3 and a captured run against the rehearsal face).
const LINES = {
  init: '{"type":"init","timestamp":"2026-11-30T12:41:50.137Z","session_id":"11111111-2222-3333-4444-555555555555","model":"auto"}',
  delta: '{"type":"message","timestamp":"2026-11-30T12:41:50.176Z","role":"assistant","content":"I will run a command.","delta":true}',
  toolUse:
    '{"type":"tool_use","timestamp":"2026-11-30T12:41:50.182Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1796042510181_0","parameters":{"command":"touch made-by-tool.txt && echo hello-from-tool","description":"Create a marker file"}}',
  refused:
    '{"type":"tool_result","timestamp":"2026-11-30T12:41:50.211Z","tool_id":"run_shell_command__run_shell_command_1796042510181_0","status":"error","output":"Tool \\"run_shell_command\\" not found.","error":{"type":"tool_not_registered","message":"Tool \\"run_shell_command\\" not found."}}',
  result:
    '{"type":"result","timestamp":"2026-11-30T12:41:50.224Z","status":"success","stats":{"total_tokens":45,"input_tokens":30,"output_tokens":15,"cached":0,"input":30,"duration_ms":87,"tool_calls":1,"models":{}}}',
  error401:
    '{"type":"result","timestamp":"2026-11-30T12:43:04.177Z","status":"error","error":{"type":"unknown","message":"[API Error: {\\"error\\":{\\"code\\":401,\\"message\\":\\"mock 401 UNAUTHENTICATED\\",\\"status\\":\\"UNAUTHENTICATED\\"}}]"},"stats":{"total_tokens":15,"input_tokens":10,"output_tokens":5,"cached":0}}',
  quota:
    '{"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: You have exhausted your quota on this model. Please retry in 3s.\\nSuggested retry after 3s.]\\nPlease wait and try again later."}}',
};

test('stream-json: each event kind parses; stderr lines and other JSON are not events', () => {
  assert.deepEqual(parseGeminiEvent(LINES.init), { type: 'init', sessionId: ID, model: 'auto' });
  assert.deepEqual(parseGeminiEvent(LINES.delta), { type: 'message', role: 'assistant', content: 'I will run a command.', delta: true });
  const use = parseGeminiEvent(LINES.toolUse);
  assert.equal(use?.type, 'tool_use');
  assert.equal(use?.type === 'tool_use' ? describeToolCall(use.toolName, use.parameters) : null, 'touch made-by-tool.txt && echo hello-from-tool');
  assert.deepEqual(parseGeminiEvent(LINES.refused), {
    type: 'tool_result',
    toolId: 'run_shell_command__run_shell_command_1796042510181_0',
    ok: false,
    output: 'Tool "run_shell_command" not found.',
    errorType: 'tool_not_registered',
    errorMessage: 'Tool "run_shell_command" not found.',
  });
  assert.deepEqual(parseGeminiEvent(LINES.result), { type: 'result', ok: true, errorMessage: null, usage: { totalTokens: 45, inputTokens: 30, outputTokens: 15, cachedTokens: 0 } });
  assert.equal(parseGeminiEvent('Ripgrep is not available. Falling back to GrepTool.'), null);
  assert.equal(parseGeminiEvent('{"type":"init"'), null);
  assert.equal(parseGeminiEvent('{"type":"something-new","x":1}'), null);
  assert.equal(describeToolCall('write_file', { file_path: '/w/a.txt', content: 'x' }), 'write_file /w/a.txt');
});

test('failure classes: exit codes and API errors map to the shared reasons, in gemini\'s words', () => {
  assert.equal(httpStatusOfExit(173), 429);
  assert.equal(httpStatusOfExit(145), 401);
  const error401 = parseGeminiEvent(LINES.error401);
  const resultError = error401?.type === 'result' ? error401.errorMessage : null;
  assert.deepEqual(classifyGeminiFailure(145, { resultError, plainLines: [] }), { reason: 'not-logged-in', message: `gemini: API error 401: ${resultError}` });
  const quota = parseGeminiEvent(LINES.quota);
  assert.equal(classifyGeminiFailure(173, { resultError: quota?.type === 'result' ? quota.errorMessage : null, plainLines: [] })?.reason, 'usage-limit');
  assert.equal(classifyGeminiFailure(173, { resultError: '[API Error: {"error":{"code":429,"message":"Too many requests"}}]', plainLines: [] })?.reason, 'rate-limited');
  assert.equal(classifyGeminiFailure(244, { resultError: null, plainLines: [] })?.reason, 'model-error');
  assert.equal(classifyGeminiFailure(144, { resultError: null, plainLines: [] })?.reason, 'model-error');
  assert.equal(classifyGeminiFailure(41, { resultError: null, plainLines: ['Invalid auth method selected.'] })?.reason, 'not-logged-in');
  const untrusted = classifyGeminiFailure(55, { resultError: null, plainLines: ['Gemini CLI is not running in a trusted directory. To proceed, either use --skip-trust, ...', 'Warning: True color (24-bit) support not detected.'] });
  assert.equal(untrusted?.reason, 'agent-usage');
  assert.match(untrusted?.message ?? '', /trusted directory/);
  assert.equal(classifyGeminiFailure(42, { resultError: null, plainLines: ['Error resuming session: No previous sessions found for this project.'] })?.reason, 'agent-usage');
  assert.equal(classifyGeminiFailure(1, { resultError: '[API Error: {"error":{"code":403,"message":"denied"}}]', plainLines: [] })?.reason, 'not-logged-in');
  assert.equal(classifyGeminiFailure(3, { resultError: null, plainLines: [] }), null);
});

test('usage limit: the reset is read from "retry in", "reset after" (h/m/s) and retryDelay', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const quota = parseGeminiEvent(LINES.quota);
  assert.equal(geminiUsageLimitReset(quota?.type === 'result' ? (quota.errorMessage ?? '') : '', now), now + 3000);
  assert.equal(geminiUsageLimitReset('Your quota will reset after 2h3m5s.', now), now + (2 * 3600 + 3 * 60 + 5) * 1000);
  assert.equal(geminiUsageLimitReset('{"retryDelay": "41.5s"}', now), now + 41_500);
  assert.equal(geminiUsageLimitReset('Too many requests', now), null);
});

test("usage limit: the TUI quota dialog's clock time (UTC, GMT offsets, the next day after midnight)", () => {
  const now = Date.UTC(2026, 10, 30, 14, 6, 20);
  const dialog = (at: string): string => `gemini: Usage limit reached for gemini-3.8-flash.\nAccess resets at ${at}.\n/stats model for usage details`;
  // The printed minute is the one we are in: its start (the gate waits its short minimum).
  assert.equal(geminiUsageLimitReset(dialog('2:06\u202fPM UTC'), now), Date.UTC(2026, 10, 30, 14, 6));
  assert.equal(geminiUsageLimitReset(dialog('2:07 PM UTC'), now), Date.UTC(2026, 10, 30, 14, 7));
  assert.equal(geminiUsageLimitReset(dialog('3:07 PM GMT+1'), now), Date.UTC(2026, 10, 30, 14, 7));
  assert.equal(geminiUsageLimitReset(dialog('7:37 PM GMT+5:30'), now), Date.UTC(2026, 10, 30, 14, 7));
  assert.equal(geminiUsageLimitReset(dialog('12:05 AM UTC'), Date.UTC(2026, 10, 30, 23, 59)), Date.UTC(2026, 11, 1, 0, 5));
  assert.equal(geminiUsageLimitReset('Usage limit reached for gemini-3.8-flash.', now), null);
});

test('window titles: Ready, Working…, Action Required and the empty title at exit (captures/osc_raw_pty_titles.txt)', () => {
  const pad = (s: string): string => s + ' '.repeat(80 - s.length);
  assert.equal(parseGeminiTitle(pad('◇  Ready (worksd)')), 'ready');
  assert.equal(parseGeminiTitle(pad('✦  Working… (worksd)')), 'working');
  assert.equal(parseGeminiTitle(pad('✋  Action Required (worksd)')), 'action-required');
  assert.equal(parseGeminiTitle(''), 'cleared');
  assert.equal(parseGeminiTitle('vim - notes.txt'), null);
});

test('version: gemini --version prints the bare version', () => {
  assert.equal(parseGeminiVersion('0.61.0\n'), '0.61.0');
  assert.equal(parseGeminiVersion('Warning: something\n'), null);
});

test('built-in rule: the trust dialog (captures/01) is answered "1. Trust folder", never the parent', () => {
  const screen = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'screens', 'waiting_input--gemini-0.61-trust-folder.txt'), 'utf8');
  const [trust] = geminiBuiltinRules(3);
  assert.equal(trust?.name, 'gemini:trust-folder');
  assert.equal(trust?.rule.index, 3);
  assert.ok(trust?.rule.match.lastMatch(screen) !== null);
  assert.deepEqual(trust?.rule.send, { kind: 'text', text: '1', enter: false });
  assert.equal(trust?.rule.match.lastMatch(screen.replace('● 1. Trust folder', '  1. Trust folder')), null, 'only while option 1 is highlighted');
});
