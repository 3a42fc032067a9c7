/**
 * Which claude binary a job runs (claude.bin, PATH, the one beside codex-run), its version
 * (the pinned 2.1.332 answers `--version`), and the doctor check built on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundledClaude, parseClaudeVersion, resolveClaudeBinary } from '../../src/agents/claude/binary.js';
import { checkClaudeJobs } from '../../src/agents/claude/doctor-check.js';
import { claudeSpecOf, CLAUDE_RULES_VERSION } from '../../src/agents/claude/options.js';
import type { JobSpec } from '../../src/manifest/model.js';
import type { JobPlan } from '../../src/run/plan.js';
import { tempDir } from '../helpers/temp-dir.js';

function executable(dir: string, name: string, script = '#!/bin/sh\n'): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, script, { mode: 0o755 });
  return file;
}

test('order: claude.bin, then claude on PATH, then the one beside codex-run; a missing one says how to install the pinned version', { timeout: 5000 }, () => {
  const dir = tempDir();
  const own = executable(path.join(dir, 'own'), 'my-claude');
  const onPath = executable(path.join(dir, 'path'), 'claude');
  const bundled = (): string => '/opt/codex-run/node_modules/.bin/claude';
  assert.deepEqual(resolveClaudeBinary(own, dir, undefined, bundled), { ok: true, value: { file: own, source: 'claude.bin' } });
  assert.deepEqual(resolveClaudeBinary(null, dir, path.join(dir, 'path'), bundled), { ok: true, value: { file: onPath, source: 'PATH' } });
  assert.deepEqual(resolveClaudeBinary(null, dir, path.join(dir, 'own'), bundled), { ok: true, value: { file: bundled(), source: 'bundled' } });
  const none = resolveClaudeBinary(null, dir, dir, () => null);
  assert.ok(!none.ok);
  assert.match(none.error.message, /`npm install @anthropic-ai\/claude-code@2\.1\.332` \(or -g\)/);
  assert.equal(parseClaudeVersion('2.1.332 (Claude Code)\n'), '2.1.332');
  assert.equal(parseClaudeVersion('claude 2'), null);
});

function plan(name: string, bin: string | null, dir: string): JobPlan {
  const job = { name, agent: 'claude', workdir: dir, claude: { ...claudeSpecOf(undefined), bin } } as unknown as JobSpec;
  return { job, env: { PATH: '/usr/bin:/bin' } } as unknown as JobPlan;
}

test('doctor: the pinned binary is ok; another version is flagged; a broken one says why', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const real = bundledClaude();
  assert.ok(real !== null, 'the pinned claude is installed beside codex-run');
  const old = executable(dir, 'old-claude', '#!/bin/sh\necho "2.0.1 (Claude Code)"\n');
  const broken = executable(dir, 'broken-claude', '#!/bin/sh\necho nope >&2\nexit 3\n');
  const checks = await checkClaudeJobs([plan('a', real, dir), plan('b', old, dir), plan('c', broken, dir)]);
  assert.deepEqual(checks.map((c) => [c.job, c.kind]), [['a', 'ok'], ['b', 'version-differs'], ['c', 'broken']]);
  assert.equal(checks[0]?.kind === 'ok' ? checks[0].version : null, CLAUDE_RULES_VERSION);
  assert.match(checks[2]?.kind === 'broken' ? checks[2].problem : '', /nope/);
});
