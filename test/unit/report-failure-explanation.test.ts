import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainFailure, explanationLines, jobSucceeded, meaningfulTail } from '../../src/report/failure-explanation.js';
import type { ReportJob } from '../../src/report/report-input.js';
import { renderSummary } from '../../src/ui/summary.js';
import type { JobResult } from '../../src/run/events.js';

const context = { manifest: 'jobs.yaml' };

function job(over: Partial<ReportJob>): ReportJob {
  return {
    name: 'j',
    status: 'failed',
    phase: 'finished',
    reason: null,
    message: null,
    stoppedBy: null,
    exitCode: 1,
    signal: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    argv: ['/bin/sh'],
    workdir: '/w',
    envKeys: [],
    timeoutMs: null,
    logFile: 'j.log',
    transcriptFile: 'j.txt',
    lastLine: null,
    detail: null,
    sessionId: null,
    tokensUsed: null,
    lastMessage: null,
    interventions: [],
    containment: null,
    process: null,
    ...over,
  };
}

test('meaningfulTail skips spinners, blank lines, footers, bare token counts and repeats; keeps the last 10', { timeout: 10_000 }, () => {
  const lines = Array.from({ length: 15 }, (_, i) => `step ${i + 1} done`);
  const text = [
    ...lines,
    '',
    '⠋ Thinking…',
    '• Working (4s • esc to interrupt)',
    'step 15 done',
    '42,751',
    'tokens used',
    '› ',
    '╭──────────╮',
    '? for shortcuts',
    '   ',
    '\u001b[31mFAIL\u001b[0m expected 200, got 500',
    '100% context left',
  ].join('\n');
  assert.deepEqual(meaningfulTail(text), [...lines.slice(6, 14), 'step 15 done', 'FAIL expected 200, got 500']);
  assert.deepEqual(meaningfulTail(''), []);
});

test('a blocked question explains itself with the rule to add, keyed by its first option', { timeout: 10_000 }, () => {
  const blocked = job({
    reason: 'waiting-for-input',
    message: 'a question stayed unanswered for 30s',
    interventions: [
      { at: 'x', kind: 'blocked', excerpt: [], question: { text: 'Allow edit of a.ts?', options: [{ label: 'Allow', keys: ['\r'] }, { label: 'Deny', keys: ['\u001b'] }] } },
    ],
  });
  const e = explainFailure(blocked, 'Allow edit of a.ts?\n', context)!;
  assert.equal(e.reason, 'It stopped waiting for an answer nobody gave: a question stayed unanswered for 30s');
  assert.deepEqual(e.tail, ['Allow edit of a.ts?']);
  assert.equal(e.next.length, 1);
  assert.match(e.next[0]!, /answers:\n {2}- match: "Allow edit of a\\\\.ts\\\\\?"\n {4}send: "enter"$/);
  assert.match(e.next[0]!, /\(chooses "Allow"\).*`codex-run jobs\.yaml --job j`/);
});

test('next steps: sign in, install, resume a stalled codex session', { timeout: 10_000 }, () => {
  const login = explainFailure(job({ reason: 'not-logged-in', argv: ['codex', 'exec', 'x'], agent: 'codex' }), '', context)!;
  assert.match(login.next.join('\n'), /`codex login`/);
  const missing = explainFailure(job({ reason: 'binary-missing', argv: [], agent: 'codex' }), '', context)!;
  assert.match(missing.next.join('\n'), /npm install @openai\/codex@[\d.]+` \(or -g, or set `codex\.bin:`\)/);
  const tool = explainFailure(job({ reason: 'binary-missing', argv: ['terraform'], agent: 'command' }), '', context)!;
  assert.match(tool.next.join('\n'), /Install `terraform`/);
  const stalled = explainFailure(job({ reason: 'idle-killed', argv: ['/usr/bin/codex', 'exec', 'go'], sessionId: 'abc-123', agent: 'codex' }), '', context)!;
  assert.match(stalled.next[0]!, /`codex-run resume j`, or by hand: `codex exec resume abc-123`/);
  assert.equal(explainFailure(job({ status: 'succeeded', reason: null, exitCode: 0 }), '', context), null);
});

test('each agent gives its own advice: claude and gemini are never told to `codex login`', { timeout: 10_000 }, () => {
  const next = (over: Partial<ReportJob>): string => explainFailure(job(over), '', context)!.next.join('\n');
  const claudeLogin = next({ reason: 'not-logged-in', argv: ['/usr/bin/claude', '-p', 'x'], agent: 'claude', sessionId: 's-1' });
  assert.match(claudeLogin, /ANTHROPIC_API_KEY/);
  assert.match(claudeLogin, /`claude \/login`/);
  assert.match(claudeLogin, /CLAUDE_CONFIG_DIR/);
  const geminiLogin = next({ reason: 'not-logged-in', argv: ['/usr/bin/gemini', '-p', 'x'], agent: 'gemini' });
  assert.match(geminiLogin, /GEMINI_API_KEY/);
  assert.match(geminiLogin, /settings\.json/);
  // A missing binary leaves no argv: the hint names the agent's own field, never "`the program`".
  const claudeMissing = next({ reason: 'binary-missing', argv: [], agent: 'claude' });
  assert.match(claudeMissing, /Install Claude Code: `npm install @anthropic-ai\/claude-code@[\d.]+`.*`claude\.bin:`/);
  const geminiMissing = next({ reason: 'binary-missing', argv: [], agent: 'gemini' });
  assert.match(geminiMissing, /Install Gemini CLI: `npm install @google\/gemini-cli@[\d.]+`.*`gemini\.bin:`/);
  assert.match(next({ reason: 'binary-missing', argv: [], agent: 'generic' }), /`generic\.argv`/);
  // A stalled claude session resumes through codex-run (no codex command by hand).
  const stalled = next({ reason: 'idle-killed', argv: ['/usr/bin/claude', '-p', 'x'], agent: 'claude', sessionId: 's-2' });
  assert.match(stalled, /Resume it: `codex-run resume j`/);
  // Shared code falls back to neutral advice: no agent (an older report) is never told about codex.
  const neutral = next({ reason: 'not-logged-in', argv: ['/usr/bin/claude'] });
  assert.match(neutral, /Sign the agent in/);
  const neutralMissing = next({ reason: 'binary-missing', argv: [] });
  assert.match(neutralMissing, /Install the agent's program/);
  for (const text of [claudeLogin, geminiLogin, claudeMissing, geminiMissing, stalled, neutral, neutralMissing]) {
    assert.doesNotMatch(text, /codex login|OPENAI_API_KEY|@openai\/codex|`the program`|by hand: `codex/, text);
  }
});

test('an outcome that is not a success counts as a failure, and verify output is its tail', { timeout: 10_000 }, () => {
  const verifyFailed = job({
    status: 'succeeded',
    exitCode: 0,
    outcome: 'verify-failed',
    attempts: [{ n: 1, startedAt: null, endedAt: null, reason: null, verify: { exitCode: 2, passed: false, tail: 'FAIL a.test.js\n\n2 failed' } }],
  });
  assert.equal(jobSucceeded(verifyFailed), false);
  const e = explainFailure(verifyFailed, 'agent chatter\n', context)!;
  assert.equal(e.reason, 'The agent finished, but the verify command failed (exit 2).');
  assert.deepEqual(e.tail, ['FAIL a.test.js', '2 failed']);
  assert.equal(jobSucceeded({ status: 'succeeded', outcome: 'verified' }), true);
  assert.equal(jobSucceeded({ status: 'succeeded' }), true);
});

test('the summary shows each explanation in full when not a TTY, never cut mid-word', { timeout: 10_000 }, () => {
  const long = 'codex is not signed in: it showed its sign-in screen (run `codex login` in a terminal, or set OPENAI_API_KEY for the job)';
  const result: JobResult = { status: 'failed', reason: 'not-logged-in', message: long, exitCode: 1, signal: null, stoppedBy: null, startedAt: 0, finishedAt: 1000 };
  const explanation = explainFailure(job({ name: 'review', reason: 'not-logged-in', message: long, argv: ['codex'], agent: 'codex' }), 'Sign in with ChatGPT\n', context)!;
  const text = renderSummary({ jobs: [{ name: 'review', result }], runDir: '/r', color: false, fullText: true, explanations: new Map([['review', explanation]]) });
  assert.ok(text.includes(`not-logged-in: ${long}\n`), text);
  assert.doesNotMatch(text, /…/);
  const lines = explanationLines(explanation).map((l) => `  ${l}`);
  lines[0] = `review: ${explanation.reason}`;
  assert.ok(text.includes(`${lines.join('\n')}\n1 job: 1 failed\nRun folder: /r\n`), text);
  assert.match(text, /\n {2}Next: Sign in: `codex login`/);
});

test('the summary leaves skipped jobs out of the explanations (the table already says why)', { timeout: 10_000 }, () => {
  const skipped = job({ name: 'later', status: 'skipped', reason: 'interrupted', message: 'not started: the run was interrupted', exitCode: null });
  const explanation = explainFailure(skipped, '', context)!;
  assert.match(explanation.next.join(''), /Re-run/);
  const result: JobResult = { status: 'skipped', reason: 'interrupted', message: 'not started: the run was interrupted', exitCode: null, signal: null, stoppedBy: null, startedAt: null, finishedAt: 0 };
  const text = renderSummary({ jobs: [{ name: 'later', result }], runDir: '/r', color: false, fullText: true, explanations: new Map([['later', explanation]]) });
  assert.doesNotMatch(text, /Next:|^later:/m);
});
