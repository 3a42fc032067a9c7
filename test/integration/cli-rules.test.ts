import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture, repoRoot } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The reference captures of codex-cli 0.169 (present on CI, beside the repository). */
const CAPTURES = path.resolve(repoRoot, '..', 'shared', 'reference', 'codex-cli-0.169', 'captures');
const RULES = fixture('rules');

function cli(args: string[]) {
  return runCli(['rules', 'test', ...args], { cwd: repoRoot, env: { GITHUB_TOKEN: undefined } });
}

test('rules test on the example manifest: the codex job\'s built-in rule answers the trust screen', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(CAPTURES), `the codex captures are missing: ${CAPTURES}`);
  const r = await cli([fixture('manifests/example/jobs.yaml'), '--job', 'fix-tests', path.join(CAPTURES, '01_trust_screen.txt'), path.join(CAPTURES, '03_working.txt')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /rules of job "fix-tests" \(codex\): 0 own, 5 built-in/);
  assert.match(r.stdout, /01_trust_screen\.txt\n(?:.*\n)*?\s+rule\s+codex:trust-folder -> answer, types \\r\n/);
  assert.match(r.stdout, /03_working\.txt\n.*\n\s+rule\s+none\n/);

  const many = await cli([fixture('manifests/example/jobs.yaml'), path.join(CAPTURES, '01_trust_screen.txt')]);
  assert.equal(many.code, 2);
  assert.match(many.stderr, /has 2 jobs \(fix-tests, lint\): choose one with --job/);
});

test('rules test on the codex captures with expectation files: every one met, exit 0', { timeout: 60_000 }, async () => {
  const r = await cli([path.join(RULES, 'jobs.yaml'), CAPTURES, '--expect', path.join(RULES, 'codex-0.169')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const met = r.stdout.split('\n').filter((l) => l.startsWith('ok  '));
  assert.deepEqual(
    met.map((l) => path.basename(l.split(/\s+/)[1]!)),
    ['01_trust_screen.txt', '03_working.txt', '05_exec_approval.ansi', '05_exec_approval.txt', '08_model_nux.txt', '11_exec_approval2.txt', '14_conversation_locked.txt', '24_resume_picker.txt'],
  );
  assert.match(r.stdout, /05_exec_approval\.txt.*\n(?:.*\n)*?\s+rule\s+answers\[0\] "Would you like to run the following command\\\?" -> answer, types y\n/);
  assert.match(r.stdout, /24_resume_picker\.txt.*\n(?:.*\n)*?\s+rule\s+codex:resume-picker -> fail\n/);
  assert.match(r.stdout, /with expectations: 8 met\n$/);
});

test('rules test: a screen whose expectation is not met exits 1 with an expected/actual diff', { timeout: 60_000 }, async () => {
  const r = await cli([path.join(RULES, 'jobs.yaml'), path.join(RULES, 'mismatch'), path.join(RULES, 'screens')]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL {2}test\/fixtures\/rules\/mismatch\/continue\.txt {2}\(expected in continue\.expect\.yaml\)\n/);
  assert.match(r.stdout, /\n {6}- rule: 0\n {6}\+ rule: 1 {2}# answers\[1\] "Continue\\\? \\\[y\/n\\\]"\n {6}- sent: 'n\\r'\n {6}\+ sent: 'y\\r'\n/);
  assert.match(r.stdout, /ok {4}test\/fixtures\/rules\/screens\/continue\.txt/);
  assert.match(r.stdout, /3 screens, 3 with expectations: 1 not met\n$/);
});

test('rules test: a malformed expect file exits 2 with located errors and no stack trace', { timeout: 60_000 }, async () => {
  const r = await cli([path.join(RULES, 'jobs.yaml'), path.join(RULES, 'malformed')]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /malformed\/continue\.expect\.yaml:1:8: error: expected waiting_input, working, idle_ready or other, found a string "waiting"\n/);
  assert.match(r.stderr, /malformed\/continue\.expect\.yaml:3:1: error: unknown key "send": expected state, rule or sent\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  const badManifest = await cli([fixture('manifests/multi-error.yaml'), path.join(RULES, 'screens')]);
  assert.equal(badManifest.code, 2);
  assert.match(badManifest.stderr, /multi-error\.yaml:\d+:\d+: error: /);

  const missing = await cli([path.join(RULES, 'jobs.yaml'), path.join(RULES, 'no-such-screen.txt')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read screen .*no-such-screen\.txt/);
});

test('rules test --json: state, question and the rule that fires with what it types', { timeout: 60_000 }, async () => {
  const r = await cli([path.join(RULES, 'jobs.yaml'), path.join(RULES, 'screens', 'continue.txt'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { job: string; ok: boolean; screens: Array<{ state: string; question: { text: string } | null; rule: { index: number; kind: string; sent: string } | null; expect: { mismatches: unknown[] } }> };
  assert.equal(out.job, 'approve');
  assert.equal(out.ok, true);
  const [screen] = out.screens;
  assert.equal(screen?.state, 'waiting_input');
  assert.match(screen?.question?.text ?? '', /^Continue\?/);
  assert.deepEqual([screen?.rule?.index, screen?.rule?.kind, screen?.rule?.sent], [1, 'answer', 'y\\r']);
  assert.deepEqual(screen?.expect.mismatches, []);
});

test('rules test on a job log with its timing index: the final screen and each point where the output paused', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'session.log'), 'Building...\r\nContinue? [y/n] y\r\nDone.\r\n');
  // Built at 0 ms, the prompt at 100 ms, then 3 s of silence until the answer's echo.
  writeFileSync(path.join(dir, 'session.timing'), 'codex-run timing 1 start=1000\n0 13\n100 16\n3100 10\n');
  const r = await cli([path.join(RULES, 'jobs.yaml'), path.join(dir, 'session.log')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /session\.log @ \+0\.1s \(output paused\)\n {6}state {5}waiting_input .*\n(?:.*\n)*? {6}rule {6}answers\[1\] "Continue\\\? \\\[y\/n\\\]" -> answer, types y\\r\n/);
  assert.match(r.stdout, /2 screens, 0 with expectations/);

  writeFileSync(path.join(dir, 'session.timing'), 'not a timing index\n');
  const damaged = await cli([path.join(RULES, 'jobs.yaml'), path.join(dir, 'session.log')]);
  assert.equal(damaged.code, 2);
  assert.match(damaged.stderr, /session\.timing: line 1: expected "codex-run timing 1 start=<ms>"/);
});
