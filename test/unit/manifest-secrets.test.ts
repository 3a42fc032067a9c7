import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { tempDir } from '../helpers/temp-dir.js';

async function load(text: string): ReturnType<typeof loadManifest> {
  const file = path.join(tempDir(), 'jobs.yaml');
  writeFileSync(file, text);
  return loadManifest(file, { env: {} });
}

test('secrets: lists from defaults and the job add up; redactRawLog is kept as written', { timeout: 10_000 }, async () => {
  const loaded = await load('version: 1\nredactRawLog: true\ndefaults:\n  secrets: [A_URL]\njobs:\n  x:\n    agent: command\n    command: "true"\n    secrets: [B_PASS, A_URL]\n  y:\n    agent: command\n    command: "true"\n');
  assert.ok(loaded.ok);
  assert.equal(loaded.value.redactRawLog, true);
  assert.deepEqual(loaded.value.jobs.map((j) => j.secrets), [['A_URL', 'B_PASS'], ['A_URL']]);
});

test('a secrets entry that is not a variable name, or a non-boolean redactRawLog, is a located error', { timeout: 10_000 }, async () => {
  const loaded = await load('version: 1\nredactRawLog: "yes"\njobs:\n  x:\n    agent: command\n    command: "true"\n    secrets: [OK_NAME, "not a name"]\n');
  assert.equal(loaded.ok, false);
  if (loaded.ok) return;
  const where = loaded.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}`);
  assert.ok(where.includes('2:15'), where.join(' '));
  assert.ok(where.some((w) => w.startsWith('7:')), where.join(' '));
});
