import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runManifest } from '../../src/run/run-manifest.js';
import { tempDir } from '../helpers/temp-dir.js';

// `--dry-run` says, for every agent that has sessions, where the session id comes from and how
// the job resumes (by id): codex and gemini as claude already did.
test('--dry-run prints session: and resume: lines for codex (exec, tui), gemini (headless, tui) and claude', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'jobs:',
      '  cx: { prompt: p }',
      '  ct: { prompt: p, codex: { mode: tui } }',
      '  gh: { agent: gemini, prompt: p }',
      '  gt: { agent: gemini, prompt: p, gemini: { mode: tui } }',
      '  cl: { agent: claude, prompt: p }',
      '  cmd: { agent: command, command: [make] }',
      '',
    ].join('\n'),
  );
  const outcome = await runManifest({ manifest: file, dryRun: true, env: { PATH: process.env['PATH'] ?? '' } });
  assert.equal(outcome.kind, 'planned');
  if (outcome.kind !== 'planned') return;
  const blocks = outcome.text.split('\n\n');
  const block = (name: string): string => blocks.find((b) => b.startsWith(`${name} (`)) ?? '';
  assert.match(block('cx'), /\n  session: reported by codex exec .*\n  resume: +codex exec … resume <session id> -- <prompt> \(never --last\)/);
  assert.match(block('ct'), /\n  session: reported by the codex TUI .*\n  resume: +codex resume --no-daemon … <session id> -- <prompt> \(never --last\)/);
  assert.match(block('gh'), /\n  session: chosen by codex-run up front \(--session-id <uuid>\).*\n  resume: +gemini --prompt=<prompt> --resume <session id> in the same workdir/);
  assert.match(block('gt'), /\n  resume: +gemini --resume <session id> in the same workdir \(never --resume latest\)/);
  assert.match(block('cl'), /\n  session: chosen by codex-run up front.*\n  resume: +claude -p --resume <session id>/);
  assert.doesNotMatch(block('cmd'), /session:|resume:/);
});
