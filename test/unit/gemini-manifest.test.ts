/** `agent: gemini` in a manifest: the `gemini:` block with located diagnostics, defaults merged, the prompt kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { tempDir } from '../helpers/temp-dir.js';

async function load(text: string) {
  const dir = tempDir();
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, text);
  return loadManifest(file, { env: {} });
}

test('a gemini job keeps its prompt and gets its spec, with defaults.gemini merged key by key', async () => {
  const result = await load(`version: 1
defaults:
  gemini: { mode: tui, model: gemini-2.5-pro }
jobs:
  g:
    agent: gemini
    prompt: "Update the docs"
    gemini: { approvalMode: auto_edit, bin: ./bin/gemini }
`);
  assert.ok(result.ok, JSON.stringify(result));
  const job = result.value.jobs[0];
  assert.equal(job?.prompt, 'Update the docs');
  assert.equal(job?.codex, null);
  assert.deepEqual(job?.gemini, {
    mode: 'tui',
    model: 'gemini-2.5-pro',
    approvalMode: 'auto_edit',
    allowedTools: [],
    args: [],
    bin: path.join(path.dirname(result.value.file), 'bin', 'gemini'),
  });
});

test('bad gemini options and option blocks on the wrong agent are located errors; a gemini job needs a prompt', async () => {
  const result = await load(`version: 1
jobs:
  a:
    prompt: hi
    gemini: { mode: tui }
  b:
    agent: gemini
    prompt: hi
    codex: { sandbox: read-only }
    gemini: { args: ["--yolo"], allowedTools: [""] }
  c:
    agent: gemini
`);
  assert.ok(!result.ok);
  const said = result.error.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`);
  assert.ok(said.some((s) => s.startsWith("5:5: 'gemini' is only for 'agent: gemini' jobs")), said.join('\n'));
  assert.ok(said.some((s) => s.startsWith("9:5: 'codex' is only for 'agent: codex' jobs")), said.join('\n'));
  assert.ok(said.some((s) => /^10:\d+: "--yolo" cannot be passed through args \(use `gemini.approvalMode: yolo`\)/.test(s)), said.join('\n'));
  assert.ok(said.some((s) => /^10:\d+: expected a non-empty string/.test(s)), said.join('\n'));
  assert.ok(said.some((s) => /^11:3: .*prompt/.test(s)), said.join('\n'));
});
