import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { onlyRun, writeThreeJobManifest } from '../helpers/report-run.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a run writes report.md, report.junit.xml and report.html, appends to $GITHUB_STEP_SUMMARY, copies --junit, and explains failures', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeThreeJobManifest(dir);
  const stepSummary = path.join(dir, 'step-summary.md');
  writeFileSync(stepSummary, '# an earlier step\n');
  const junitCopy = path.join(dir, 'out', 'junit.xml');
  mkdirSync(path.dirname(junitCopy));
  const result = await runCli(['jobs.yaml', '--out', 'runs', '--junit', 'out/junit.xml'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: stepSummary }, deadlineMs: 45_000 });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const runDir = onlyRun(path.join(dir, 'runs'));
  for (const name of ['report.md', 'report.junit.xml', 'report.html']) assert.ok(existsSync(path.join(runDir, name)), name);
  const md = readFileSync(path.join(runDir, 'report.md'), 'utf8');
  // Appended after what was there, never replacing it.
  assert.equal(readFileSync(stepSummary, 'utf8'), `# an earlier step\n${md}\n`);
  assert.equal(readFileSync(junitCopy, 'utf8'), readFileSync(path.join(runDir, 'report.junit.xml'), 'utf8'));
  assert.match(md, /\| ✅ good \| succeeded \|/);
  assert.match(md, /FAIL test\/api\.test\.js: expected 200, got 500/);
  assert.match(md, /- match: "Apply changes \\\\\(1\/1\\\\\)\\\\\? \\\\\[y\/n\\\\\]"\n {4}send: "y"/);
  // The summary, as CI shows it: the reason, the line that explains it, and what to do.
  assert.match(result.stdout, /\nbroken: It exited with code 3\.\n {2}Last output:\n(?: {4}\| .*\n)*? {4}\| FAIL test\/api\.test\.js: expected 200, got 500\n/);
  assert.match(result.stdout, /\n {2}Next: Add an answer rule to the job's `answers:` \(chooses "Yes"\)/);
  assert.equal(result.stdout.trimEnd().split('\n').at(-1), `Run folder: ${runDir}`);

  // Regenerated later, the same text.
  const again = await runCli(['report', 'latest', '--format', 'md', '--runs', 'runs'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, md);
  const byPath = await runCli(['report', runDir, '--format', 'junit', '--out', 'again.xml'], { cwd: dir });
  assert.equal(byPath.code, 0, byPath.stderr);
  assert.equal(readFileSync(path.join(dir, 'again.xml'), 'utf8'), readFileSync(path.join(runDir, 'report.junit.xml'), 'utf8'));
  const bad = await runCli(['report', 'no-such-run', '--runs', 'runs'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^codex-run: error: no run folder 'no-such-run'/);
  const badFormat = await runCli(['report', 'latest', '--format', 'pdf', '--runs', 'runs'], { cwd: dir });
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /--format expects one of md, html, junit, json, found 'pdf'/);
});

test('a step summary that cannot be written is a warning; the run still succeeds', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  ok:\n    agent: command\n    command: [echo, hi]\n');
  const notAFile = path.join(dir, 'summary-dir');
  mkdirSync(notAFile);
  const result = await runCli(['jobs.yaml', '--out', 'runs'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: notAFile } });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stderr, /^codex-run: warning: cannot append the report to \$GITHUB_STEP_SUMMARY \(.*summary-dir\): /m);
  const runDir = onlyRun(path.join(dir, 'runs'));
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as { status: string; warnings: Array<{ message: string }> };
  assert.equal(report.status, 'succeeded');
  assert.ok(report.warnings.some((w) => w.message.includes('$GITHUB_STEP_SUMMARY')));
  assert.ok(existsSync(path.join(runDir, 'report.md')));
});
