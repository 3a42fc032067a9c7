/**
 * The claude rehearsal's private home and Messages-API face, without a process: the seeded
 * `.claude.json` (what lets 2.1.332 skip its first-run screens), the child environment (the
 * user's credentials and endpoints removed), and how the face reads requests and plays steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClaudeHome, REHEARSAL_API_KEY } from '../../src/agents/claude/rehearsal/home.js';
import { blocksFor, messagesFace } from '../../src/agents/claude/rehearsal/messages-face.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the home: .claude.json seeded for the workdir (0600 in a 0700 folder); the child env points at the server only', { timeout: 5000 }, async () => {
  const root = tempDir('claude-home-');
  const home = await createClaudeHome({ baseUrl: 'http://127.0.0.1:9/r/job', workdir: root, parentDir: path.join(root, 'run') });
  assert.equal(statSync(home.dir).mode & 0o777, 0o700);
  const file = path.join(home.dir, '.claude.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.equal(config['hasCompletedOnboarding'], true);
  assert.deepEqual(config['customApiKeyResponses'], { approved: [REHEARSAL_API_KEY.slice(-20)], rejected: [] });
  assert.deepEqual(config['projects'], { [root]: { hasTrustDialogAccepted: true } });
  const env = home.childEnv({ PATH: '/bin', HOME: '/h', ANTHROPIC_API_KEY: 'real', ANTHROPIC_AUTH_TOKEN: 't', ANTHROPIC_MODEL: 'm', CLAUDE_CODE_OAUTH_TOKEN: 'o', CLAUDE_CODE_USE_BEDROCK: '1', CLAUDE_CONFIG_DIR: '/mine', HTTPS_PROXY: 'http://proxy:1' });
  assert.deepEqual(env, {
    PATH: '/bin',
    HOME: '/h',
    CLAUDE_CONFIG_DIR: home.dir,
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/r/job',
    ANTHROPIC_API_KEY: REHEARSAL_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  });
  const again = await createClaudeHome({ baseUrl: 'http://127.0.0.1:10/r/job', workdir: root, parentDir: root, existingDir: home.dir });
  assert.equal(again.dir, home.dir, 'codex-run resume reuses the home and its sessions');
});

test('the face: which requests are turns, the human texts of a conversation, steps as content blocks', { timeout: 5000 }, () => {
  const body = {
    tools: [{ name: 'Bash' }, { name: 'Read' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: '<system-reminder>x</system-reminder>' }, { type: 'text', text: 'first' }] },
      { role: 'system', content: 'env' },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }, { type: 'text', text: '[Request interrupted by user for tool use]' }, { type: 'text', text: 'second' }] },
    ],
  };
  assert.ok(messagesFace.accepts('POST', '/v1/messages') && messagesFace.accepts('POST', '/v1/messages/count_tokens') && !messagesFace.accepts('GET', '/v1/messages'));
  assert.deepEqual(messagesFace.inspect(body, { 'x-claude-code-session-id': 'S' }, '/v1/messages'), { kind: 'turn', sessionId: 'S' });
  assert.equal(messagesFace.inspect({ messages: [] }, {}, '/v1/messages').kind, 'side', 'no Bash tool: a side request');
  assert.equal(messagesFace.inspect({}, {}, '/v1/messages/count_tokens').kind, 'count-tokens');
  assert.deepEqual(messagesFace.userTexts(body), ['first', 'second']);

  const workdir = tempDir('claude-face-');
  const ctx = { id: 'x', workdir };
  const write = { kind: 'turn' as const, index: 1, turn: { kind: 'write' as const, path: 'a.txt', content: 'hi' } };
  assert.deepEqual(blocksFor(write, ctx).blocks.map((b) => (b.type === 'tool_use' ? b.name : 'text')), ['Write'], 'a new file is written without a Read');
  writeFileSync(path.join(workdir, 'a.txt'), 'old');
  assert.deepEqual(blocksFor(write, ctx).blocks.map((b) => (b.type === 'tool_use' ? b.name : 'text')), ['Read', 'Write'], 'an existing file is read first');
  const edit = blocksFor({ kind: 'turn', index: 2, turn: { kind: 'edit', path: 'a.txt', old: 'old', new: 'new' } }, ctx);
  assert.deepEqual(edit.blocks.at(-1), { type: 'tool_use', id: 'toolu_rehearsal_x_1', name: 'Edit', input: { file_path: path.join(workdir, 'a.txt'), old_string: 'old', new_string: 'new' } });
  assert.equal(edit.stop, 'tool_use');
  assert.deepEqual(blocksFor({ kind: 'finished' }, ctx), { blocks: [{ type: 'text', text: '(rehearsal script finished)' }], stop: 'end_turn' });
  const error = messagesFace.errorReply(529, 'busy');
  assert.deepEqual([error.status, JSON.parse(error.body)], [529, { type: 'error', error: { type: 'overloaded_error', message: 'busy' } }]);
});
