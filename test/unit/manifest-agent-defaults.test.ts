import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Manifest } from '../../src/manifest/model.js';
import { runManifest } from '../../src/run/run-manifest.js';
import { codexAdapter, CODEX_DEFAULTS } from '../../src/agents/codex.js';
import { commandAdapter } from '../../src/agents/command.js';

// Safe defaults (issue 10, item 19): a stuck agent job is stopped without anyone watching.

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-agent-defaults-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function write(lines: string[]): Promise<string> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

async function load(lines: string[]): Promise<Manifest> {
  const result = await loadManifest(await write(lines), { env: {} });
  if (!result.ok) assert.fail(result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`).join('\n'));
  return result.value;
}

function limits(manifest: Manifest): Record<string, [number | null, number | null]> {
  return Object.fromEntries(manifest.jobs.map((job) => [job.name, [job.timeoutMs, job.supervision.idle.killMs]]));
}

test('the adapters declare their defaults: codex 4h timeout and idle kill after 15m; command jobs none', { timeout: 10_000 }, () => {
  assert.deepEqual([codexAdapter.defaults.timeoutMs, codexAdapter.defaults.idleKillMs], [4 * 3_600_000, 15 * 60_000]);
  assert.equal(codexAdapter.defaults, CODEX_DEFAULTS);
  assert.deepEqual([commandAdapter.defaults.timeoutMs, commandAdapter.defaults.idleKillMs], [null, null]);
});

test('codex jobs get the adapter defaults unless the manifest sets a limit; none turns one off', { timeout: 10_000 }, async () => {
  const manifest = await load([
    'version: 1',
    'jobs:',
    '  plain: { prompt: p }',
    '  own: { prompt: p, timeout: 30m, idle: { kill: 5m } }',
    '  off: { prompt: p, timeout: none, idle: { kill: none } }',
    '  long-poke: { prompt: p, idle: { poke: 20m } }',
    '  cmd: { agent: command, command: [make] }',
    '  cmd-own: { agent: command, command: [make], timeout: 1h, idle: { kill: 10m } }',
  ]);
  assert.deepEqual(limits(manifest), {
    plain: [4 * 3_600_000, 15 * 60_000],
    own: [30 * 60_000, 5 * 60_000],
    off: [null, null],
    'long-poke': [4 * 3_600_000, 35 * 60_000],
    cmd: [null, null],
    'cmd-own': [3_600_000, 10 * 60_000],
  });
});

test('defaults: can turn the agent defaults off (or change them) for every job, a job can turn them back on', { timeout: 10_000 }, async () => {
  const manifest = await load([
    'version: 1',
    'defaults: { timeout: none, idle: { kill: none } }',
    'jobs:',
    '  a: { prompt: p }',
    '  b: { prompt: p, timeout: 2h, idle: { kill: 1h } }',
  ]);
  assert.deepEqual(limits(manifest), { a: [null, null], b: [2 * 3_600_000, 3_600_000] });
});

test('"none" is a limit, not a duration elsewhere: a located error where it does not belong', { timeout: 10_000 }, async () => {
  const result = await loadManifest(await write(['version: 1', 'jobs:', '  a: { prompt: p, enterDelay: none, idle: { poke: none } }']), { env: {} });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}`),
    ['3:31', '3:51'],
  );
});

test('--dry-run says which limits are the agent defaults, and that command jobs have none', { timeout: 10_000 }, async () => {
  const file = await write(['version: 1', 'jobs:', '  agent: { prompt: p }', '  cmd: { agent: command, command: [make] }', '  off: { prompt: p, timeout: none }']);
  const outcome = await runManifest({ manifest: file, dryRun: true, env: { PATH: process.env['PATH'] ?? '' } });
  assert.equal(outcome.kind, 'planned');
  if (outcome.kind !== 'planned') return;
  const blocks = outcome.text.split('\n\n');
  const block = (name: string) => blocks.find((b) => b.startsWith(`${name} (`)) ?? '';
  assert.match(block('agent'), /\n  timeout: 4h \(codex default\)\n/);
  assert.match(block('agent'), /\n  idle: {4}stop after 15m \(codex default\); blocked after 30s unanswered, then wait/);
  assert.match(block('cmd'), /\n  timeout: none \(command jobs have no default limits: set timeout or idle\.kill\)\n/);
  assert.match(block('off'), /\n  timeout: none\n/);
});
