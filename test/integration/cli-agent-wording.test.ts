import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// Help texts and docs that apply to every agent say so: no "codex job" where claude, gemini and generic jobs count too.
test('doctor, resume and --rehearse help speak of agent jobs, not codex jobs', { timeout: 30_000 }, async () => {
  const cwd = tempDir();
  const doctor = await runCli(['doctor', '--help'], { cwd });
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.match(doctor.stdout, /each agent job/);
  assert.doesNotMatch(doctor.stdout, /codex binary|codex job/);
  const resume = await runCli(['resume', '--help'], { cwd });
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout.replace(/\s+/g, ' '), /interrupted agent job \(codex, claude, gemini, generic\)/);
  assert.doesNotMatch(resume.stdout, /codex job/);
  const run = await runCli(['--help'], { cwd });
  assert.equal(run.code, 0, run.stderr);
  const rehearse = run.stdout.split('\n').find((l) => l.includes('--rehearse')) ?? '';
  assert.match(rehearse, /agent jobs \(codex, claude, gemini\)/);
});

test('the README commands table and the generic adapter doc do not call claude and gemini missing or codex-only', { timeout: 10_000 }, () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('## The manifest'));
  assert.match(table, /resume past agent jobs/);
  assert.doesNotMatch(table, /codex jobs|past codex|for codex, which version/);
  const generic = readFileSync(path.join(repoRoot, 'docs', 'agents', 'generic.md'), 'utf8');
  assert.doesNotMatch(generic, /are coming/);
  assert.match(generic, /`codex`, `claude` and `gemini`/);
});
