/**
 * Claude Code's session record (projects/<cwd>/<id>.jsonl) read back as a conversation: the
 * `user` and `assistant` lines of a real 2.1.332 TUI session that ran a command, wrote and
 * edited a file (test/fixtures/claude/tui-transcript.jsonl), and the file found by its id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseTranscriptLines, readClaudeConversation } from '../../src/agents/claude/transcript.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

const LINES = readFileSync(fixture('claude/tui-transcript.jsonl'), 'utf8').split('\n').filter((l) => l !== '');

test('the prompt, the command with its output, the changed files and the last message, in order', { timeout: 5000 }, () => {
  const read = parseTranscriptLines(LINES);
  assert.deepEqual(
    read.entries.map((e) => (e.kind === 'user' || e.kind === 'agent' ? [e.kind, e.text] : e.kind === 'command' ? [e.kind, e.command, e.exitCode] : e.kind === 'change' ? [e.kind, path.basename(e.files[0] ?? '')] : [e.kind])),
    [
      ['user', 'Make notes'],
      ['command', 'touch made-by-run.txt', 0],
      ['change', 'notes.txt'],
      ['change', 'notes.txt'],
      ['agent', 'Done.'],
    ],
  );
  assert.equal(read.lastMessage, 'Done.');
});

test('found by session id under CLAUDE_CONFIG_DIR; a later read starts after what was read', { timeout: 5000 }, async () => {
  const dir = tempDir('claude-transcript-');
  const id = '8a21c904-a300-4827-a471-6f37ddf3a842';
  mkdirSync(path.join(dir, 'projects', '-some-folder'), { recursive: true });
  const file = path.join(dir, 'projects', '-some-folder', `${id}.jsonl`);
  writeFileSync(file, `${LINES.slice(0, 2).join('\n')}\n`);
  const hint = { id, workdir: '/elsewhere', startedAt: 0 };
  const first = await readClaudeConversation({ CLAUDE_CONFIG_DIR: dir }, hint, null);
  assert.deepEqual(first?.entries.map((e) => e.kind), ['user']);
  writeFileSync(file, `${LINES.join('\n')}\n`);
  const second = await readClaudeConversation({ CLAUDE_CONFIG_DIR: dir }, hint, first?.position ?? null);
  assert.deepEqual(second?.entries.map((e) => e.kind), ['command', 'change', 'change', 'agent']);
  assert.equal(await readClaudeConversation({ CLAUDE_CONFIG_DIR: dir }, { ...hint, id: '00000000-0000-4000-8000-000000000000' }, null), null);
});

test('resume --from: the session transcript is exported (0600) and installed under another config folder, never overwriting', { timeout: 5000 }, async () => {
  const { exportClaudeSession, importClaudeSession } = await import('../../src/agents/claude/session-files.js');
  const { statSync, existsSync } = await import('node:fs');
  const id = '8a21c904-a300-4827-a471-6f37ddf3a842';
  const from = tempDir('claude-from-');
  mkdirSync(path.join(from, 'projects', '-work-a'), { recursive: true });
  writeFileSync(path.join(from, 'projects', '-work-a', `${id}.jsonl`), `${LINES.join('\n')}\n`);
  writeFileSync(path.join(from, '.claude.json'), '{"secret": true}');
  const dest = tempDir('claude-export-');
  const exported = await exportClaudeSession({ CLAUDE_CONFIG_DIR: from }, id, dest);
  assert.deepEqual(exported, { ok: true, value: [`projects/-work-a/${id}.jsonl`] });
  assert.equal(statSync(path.join(dest, 'projects', '-work-a', `${id}.jsonl`)).mode & 0o777, 0o600);
  assert.equal(existsSync(path.join(dest, '.claude.json')), false, 'never the config');
  const to = tempDir('claude-to-');
  const installed = await importClaudeSession({ CLAUDE_CONFIG_DIR: to }, dest, exported.ok ? exported.value : []);
  assert.ok(installed.ok && installed.value.installed.length === 1);
  const again = await importClaudeSession({ CLAUDE_CONFIG_DIR: to }, dest, exported.ok ? exported.value : []);
  assert.ok(again.ok && again.value.kept.length === 1 && again.value.installed.length === 0);
  const bad = await importClaudeSession({ CLAUDE_CONFIG_DIR: to }, dest, ['../etc/passwd']);
  assert.ok(!bad.ok);
});
