/** Which codex binary a job runs (codex.bin, PATH, the bundled one) and reading its version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundledCodex, parseCodexVersion, resolveCodexBinary } from '../../src/agents/codex/binary.js';
import { CODEX_RULES_VERSION } from '../../src/agents/codex/options.js';
import { tempDir } from '../helpers/temp-dir.js';

function executable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

test('order: codex.bin, then codex on PATH, then the one installed beside codex-run', () => {
  const dir = tempDir();
  const own = executable(path.join(dir, 'own'), 'my-codex');
  const onPath = executable(path.join(dir, 'path'), 'codex');
  const bundled = (): string => '/opt/codex-run/node_modules/.bin/codex';
  assert.deepEqual(resolveCodexBinary(own, dir, path.join(dir, 'path'), bundled), { ok: true, value: { file: own, source: 'codex.bin' } });
  assert.deepEqual(resolveCodexBinary('my-codex', dir, path.join(dir, 'own'), bundled), { ok: true, value: { file: own, source: 'codex.bin' } });
  assert.deepEqual(resolveCodexBinary(null, dir, path.join(dir, 'path'), bundled), { ok: true, value: { file: onPath, source: 'PATH' } });
  assert.deepEqual(resolveCodexBinary(null, dir, path.join(dir, 'own'), bundled), { ok: true, value: { file: bundled(), source: 'bundled' } });
});

test('missing: codex.bin names what was looked for; without any codex the message says how to install it', () => {
  const dir = tempDir();
  const missingBin = resolveCodexBinary(path.join(dir, 'nope'), dir, undefined, () => null);
  assert.ok(!missingBin.ok);
  assert.equal(missingBin.error.message, `codex.bin: no executable file at ${path.join(dir, 'nope')}`);
  const missingName = resolveCodexBinary('codex-nightly', dir, dir, () => null);
  assert.ok(!missingName.ok);
  assert.equal(missingName.error.message, "codex.bin: no executable 'codex-nightly' on the job's PATH");
  const none = resolveCodexBinary(null, dir, dir, () => null);
  assert.ok(!none.ok);
  // The advice names the exact version the built-in rules were made for, never "the latest".
  assert.match(none.error.message, /`npm install @openai\/codex@0\.169\.0` \(or -g\)/);
});

test('the bundled codex is the pinned @openai/codex package that Node resolves from codex-run itself', { timeout: 10_000 }, () => {
  const file = bundledCodex();
  assert.ok(file !== null);
  const script = realpathSync(file);
  assert.equal(path.basename(script), 'codex.js');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(script), '..', 'package.json'), 'utf8')) as { name: string; version: string };
  assert.deepEqual(pkg, { ...pkg, name: '@openai/codex', version: CODEX_RULES_VERSION });
});

test('the version from `codex --version` output (codex-cli 0.169.0), warnings around it ignored', () => {
  assert.equal(parseCodexVersion('codex-cli 0.169.0\n'), '0.169.0');
  assert.equal(parseCodexVersion('WARNING: proceeding, even though...\ncodex-cli 0.170.0-alpha.1\n'), '0.170.0-alpha.1');
  assert.equal(parseCodexVersion('codex 1.0\n'), null);
  assert.equal(parseCodexVersion(''), null);
});
