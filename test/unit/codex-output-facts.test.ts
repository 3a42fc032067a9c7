/**
 * Facts read from codex's output: real 0.169.0 byte streams (test/fixtures/codex-0.169) decoded
 * to lines by the transcript's PlainTextDecoder, the exact strings measured with the real
 * binary, and TUI screens through a real ScreenModel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CodexOutputReader, type CodexNews } from '../../src/agents/codex/output-facts.js';
import { PlainTextDecoder } from '../../src/logs/plain-text.js';
import { ScreenModel } from '../../src/session/screen.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { fixture } from '../helpers/paths.js';

// Feeds raw bytes in small chunks, as PTY reads come, and collects what the reader reports.
function readRaw(reader: CodexOutputReader, raw: Buffer, chunkSize = 50): CodexNews[] {
  const decoder = new PlainTextDecoder();
  const news: CodexNews[] = [];
  for (let i = 0; i < raw.length; i += chunkSize) {
    for (const line of decoder.push(raw.subarray(i, i + chunkSize))) news.push(...reader.line(line));
  }
  for (const line of decoder.flush()) news.push(...reader.line(line));
  return news;
}

function lines(reader: CodexOutputReader, text: string): CodexNews[] {
  return text.split('\n').flatMap((l) => reader.line(l));
}

test('codex exec in a PTY (exec_in_pty.typescript): session id, tokens, end of turn', () => {
  const reader = new CodexOutputReader('exec');
  const news = readRaw(reader, readFileSync(fixture('codex-0.169/exec_in_pty.typescript')));
  assert.deepEqual(news, [
    { kind: 'session', id: '01a20a43-5161-7642-a3b8-890f5a6f748b' },
    { kind: 'tokens', count: 15 },
    { kind: 'turn-done' },
  ]);
  const f = reader.facts;
  assert.equal(f.started, true);
  assert.equal(f.startupError, null);
  assert.deepEqual(f.errors, []);
});

test('the TUI exit lines (raw_t12, raw_t4_approval): session id from `codex resume <id>`, tokens from Token usage', () => {
  const t12 = new CodexOutputReader('tui');
  const news12 = readRaw(t12, readFileSync(fixture('codex-0.169/raw_t12.log')), 512);
  assert.deepEqual(news12, [
    { kind: 'tokens', count: 45 },
    { kind: 'session', id: '01a20a43-a35a-7e40-8f56-2ce6167a502f' },
  ]);
  const t4 = new CodexOutputReader('tui');
  assert.deepEqual(readRaw(t4, readFileSync(fixture('codex-0.169/raw_t4_approval.log')), 333), [
    { kind: 'tokens', count: 30 },
    { kind: 'session', id: '01a20a40-757e-74b2-a70c-87870cd01a41' },
  ]);
});

test('with the daemon (raw_t5): `Token usage so far` and the reconnect id', () => {
  const reader = new CodexOutputReader('tui');
  const news = readRaw(reader, readFileSync(fixture('codex-0.169/raw_t5.log')), 1000);
  assert.deepEqual(news, [
    { kind: 'session', id: '01a20a41-0104-7ed0-b2c1-0c1ee91236fd' },
    { kind: 'tokens', count: 15 },
  ]);
});

test('tokens keep their thousands commas out; colour is already gone from decoded lines', () => {
  const reader = new CodexOutputReader('exec');
  const raw = Buffer.from('OpenAI Codex v0.169.0\r\n\x1b[1msession id:\x1b[0m 01a20a43-5161-7642-a3b8-890f5a6f748b\r\n\x1b[2mtokens used\x1b[0m\r\n42,399\r\n');
  assert.deepEqual(readRaw(reader, raw, 7), [
    { kind: 'session', id: '01a20a43-5161-7642-a3b8-890f5a6f748b' },
    { kind: 'tokens', count: 42399 },
    { kind: 'turn-done' },
  ]);
});

test('in the TUI, `tokens used` text does not end a turn (OSC 7501 does)', () => {
  const reader = new CodexOutputReader('tui');
  assert.deepEqual(lines(reader, 'tokens used\n1,024'), [{ kind: 'tokens', count: 1024 }]);
});

test('rejected flag, exactly as codex 0.169 prints it (exit 2)', () => {
  const reader = new CodexOutputReader('exec');
  lines(
    reader,
    [
      'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/x"))',
      "error: unexpected argument '--full-auto' found",
      '',
      "  tip: to pass '--full-auto' as a value, use '-- --full-auto'",
      '',
      'Usage: codex exec [OPTIONS] [PROMPT]',
      '       codex exec [OPTIONS] <COMMAND> [ARGS]',
      '',
      "For more information, try '--help'.",
    ].join('\n'),
  );
  const f = reader.facts;
  assert.equal(f.started, false);
  assert.equal(f.startupError, "error: unexpected argument '--full-auto' found / tip: to pass '--full-auto' as a value, use '-- --full-auto'");
});

test('other start-up refusals: invalid value, -c parse error, the git check', () => {
  const invalid = new CodexOutputReader('exec');
  lines(invalid, "error: invalid value 'bogus' for '--sandbox <SANDBOX_MODE>'\n  [possible values: read-only, workspace-write, danger-full-access]\n\nFor more information, try '--help'.");
  assert.equal(invalid.facts.startupError, "error: invalid value 'bogus' for '--sandbox <SANDBOX_MODE>' / [possible values: read-only, workspace-write, danger-full-access]");
  const override = new CodexOutputReader('exec');
  lines(override, "Error parsing -c overrides: Invalid override (missing '='): foo");
  assert.equal(override.facts.startupError, "Error parsing -c overrides: Invalid override (missing '='): foo");
  const git = new CodexOutputReader('exec');
  lines(git, 'Reading additional input from stdin...\nNot inside a trusted directory and --skip-git-repo-check was not specified.');
  assert.equal(git.facts.startupError, 'Not inside a trusted directory and --skip-git-repo-check was not specified.');
});

test('after the header, `error:` lines are the agent\'s output, not a refusal', () => {
  const reader = new CodexOutputReader('exec');
  lines(reader, 'OpenAI Codex v0.169.0\n--------\nexec\nerror: tests failed\n');
  assert.equal(reader.facts.startupError, null);
});

test('ERROR lines: retries are skipped, the final message kept (curly apostrophe as printed)', () => {
  const reader = new CodexOutputReader('exec');
  lines(
    reader,
    [
      'OpenAI Codex v0.169.0',
      'ERROR: Reconnecting... 1/5',
      'ERROR: Reconnecting... 5/5',
      'ERROR: We’re currently experiencing high demand, which may cause temporary errors.',
    ].join('\n'),
  );
  assert.deepEqual(reader.facts.errors, ['We’re currently experiencing high demand, which may cause temporary errors.']);
});

test('a refused escalation in exec is a sandbox denial', () => {
  const reader = new CodexOutputReader('exec');
  lines(
    reader,
    '2026-11-23T21:20:00.000000Z ERROR codex_core::tools::router: error=approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never',
  );
  assert.equal(reader.facts.sandboxDenial, 'approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never');
  assert.deepEqual(reader.facts.errors, []);
});

test('codex exec --json: thread id, cumulative usage, failures once', () => {
  const reader = new CodexOutputReader('exec');
  const news = lines(
    reader,
    [
      '{"type":"thread.started","thread_id":"01a20a43-5161-7642-a3b8-890f5a6f748b"}',
      '{"type":"turn.started"}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5}}',
      '{"type":"error","message":"Reconnecting... 1/5 (stream disconnected before completion: m)"}',
      '{"type":"error","message":"stream disconnected before completion: m"}',
      '{"type":"turn.failed","error":{"message":"stream disconnected before completion: m"}}',
      '{"type":"thread.started","thread_id":"not-a-uuid"}',
      '{"broken json',
    ].join('\n'),
  );
  assert.deepEqual(news, [
    { kind: 'session', id: '01a20a43-5161-7642-a3b8-890f5a6f748b' },
    { kind: 'tokens', count: 15 },
    { kind: 'turn-done' },
  ]);
  assert.deepEqual(reader.facts.errors, ['stream disconnected before completion: m']);
});

async function screenOf(text: string, rows = 45): Promise<ScreenModel> {
  const screen = new ScreenModel({ cols: 120, rows, clock: new FakeClock() });
  screen.write(text.replace(/\n$/, '').split('\n').join('\r\n'));
  await screen.whenParsed();
  return screen;
}

test('TUI error on screen (captures/22): recorded once; interruptions are not errors', async () => {
  const reader = new CodexOutputReader('tui');
  const capture = readFileSync(fixture('codex-0.169/22_tui_stream_error.txt'), 'utf8');
  const t3 = capture.split('--- t=')[3] ?? '';
  const screen = await screenOf(t3.slice(t3.indexOf('\n') + 1));
  reader.screen(screen.snapshot());
  reader.screen(screen.snapshot());
  screen.dispose();
  assert.deepEqual(reader.facts.errors, ['stream disconnected before completion: mock response.failed']);
  const interrupted = await screenOf(readFileSync(fixture('codex-0.169/12_esc_interrupt.txt'), 'utf8'));
  const other = new CodexOutputReader('tui');
  other.screen(interrupted.snapshot());
  interrupted.dispose();
  assert.deepEqual(other.facts.errors, []);
  assert.equal(other.facts.started, true);
});

test('the sign-in screen of a fresh home (captures/16) is reported once', async () => {
  const reader = new CodexOutputReader('tui');
  const screen = await screenOf(readFileSync(fixture('codex-0.169/16_fresh_home_first_screen.txt'), 'utf8'));
  assert.deepEqual(reader.screen(screen.snapshot()), [{ kind: 'sign-in' }]);
  assert.deepEqual(reader.screen(screen.snapshot()), []);
  screen.dispose();
  assert.equal(reader.facts.signInScreen, true);
});
