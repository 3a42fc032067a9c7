/**
 * A `patch:` rehearsal step (codex's own format) on a claude or gemini job is a manifest error:
 * `codex-run validate`, `--dry-run` and a run refuse it with exit 2, located at the step's
 * `patch` key, with what to use instead; the rule comes from each adapter's declared
 * `unsupportedTurns`, so a codex job keeps its patch steps. The start-time check stays as a
 * fallback for a model built without the manifest (unit check on unsupportedTurnProblems).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { unsupportedTurnProblems } from '../../src/rehearsal/rehearse-run.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const PATCH = '*** Begin Patch\\n*** Add File: a.txt\\n+hi\\n*** End Patch';

const MANIFEST = `version: 1
defaults:
  rehearsal:
    - patch: "${PATCH}"
jobs:
  cl:
    agent: claude
    prompt: hi
    rehearsal:
      - say: first
      - patch: "${PATCH}"
  gm:
    agent: gemini
    prompt: hi
  cx:
    agent: codex
    prompt: hi
`;

test('validate, --dry-run and a run refuse a patch step on claude and gemini jobs at the step (exit 2); codex keeps it', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), MANIFEST);
  for (const args of [['validate', 'jobs.yaml'], ['jobs.yaml', '--dry-run'], ['jobs.yaml', '--rehearse']]) {
    const r = await runCli(args, { cwd: dir, deadlineMs: 20_000, env: { HOME: dir } });
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 2, `${args.join(' ')}: ${out}`);
    assert.match(out, /jobs\.yaml:11:9: error: job cl: rehearsal step 2 is `patch`, which an `agent: claude` job cannot play/, out);
    assert.match(out, /jobs\.yaml:4:7: error: job gm: rehearsal step 1 is `patch`, which an `agent: gemini` job cannot play/, out);
    assert.match(out, /use `write:`\/`edit:`/, out);
    assert.doesNotMatch(out, /job cx/, 'a codex job plays patch steps');
    assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
  }
});

test('the start-time check still refuses such a step for a job model that did not come through validation', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  cl:\n    agent: claude\n    prompt: hi\n    rehearsal: [{ say: hi }]\n');
  const loaded = await loadManifest(path.join(dir, 'jobs.yaml'), { env: {} });
  assert.ok(loaded.ok);
  const job = loaded.value.jobs[0]!;
  const problems = unsupportedTurnProblems([{ ...job, rehearsal: [{ kind: 'patch', patch: '*** Begin Patch\n*** End Patch' }] }]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /job cl: rehearsal step 1 is `patch`, which an `agent: claude` job cannot play; use `write:`/);
});
