import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult } from '../../src/run/events.js';
import { renderSummary } from '../../src/ui/summary.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

function result(partial: Partial<JobResult>): JobResult {
  return {
    status: 'succeeded',
    reason: null,
    message: null,
    exitCode: 0,
    signal: null,
    stoppedBy: null,
    startedAt: T0,
    finishedAt: T0,
    ...partial,
  };
}

const JOBS: Array<{ name: string; result: JobResult }> = [
  { name: 'lint', result: result({ finishedAt: T0 + 4_130 }) },
  {
    name: 'fix-tests',
    result: result({ status: 'failed', reason: 'exit-non-zero', exitCode: 1, message: '2 tests failed', finishedAt: T0 + 3_200 }),
  },
  {
    name: 'refactor-api',
    result: result({
      status: 'timed_out',
      reason: 'timeout',
      exitCode: null,
      signal: 'SIGTERM',
      stoppedBy: 'term',
      message: 'no exit within the 30m time limit',
      finishedAt: T0 + 30 * 60_000 + 5_000,
    }),
  },
  {
    name: 'docs',
    result: result({ status: 'killed', reason: 'killed-by-signal', exitCode: null, signal: 'SIGKILL', finishedAt: T0 + 61_000 }),
  },
  {
    name: 'codex-review',
    result: result({
      status: 'failed',
      reason: 'binary-missing',
      exitCode: null,
      startedAt: null,
      message: 'codex was not found on PATH; install it with `npm i -g @openai/codex` or set agent.binary in jobs.yaml',
    }),
  },
  {
    name: 'later',
    result: result({ status: 'skipped', reason: 'interrupted', exitCode: null, startedAt: null, message: 'not started: the run was interrupted' }),
  },
];

// The golden text, exactly as the CLI prints it with colour off.
const GOLDEN = [
  'JOB           STATUS     DURATION  EXIT/REASON',
  'lint          succeeded  4.1s      exit 0',
  'fix-tests     failed     3.2s      exit 1: 2 tests failed',
  'refactor-api  timed_out  30m05s    timeout: no exit within the 30m time limit',
  'docs          killed     1m01s     SIGKILL',
  'codex-review  failed     -         binary-missing: codex was not found on PATH; install it with `npm i -g @ope…',
  'later         skipped    -         interrupted: not started: the run was interrupted',
  '6 jobs: 1 succeeded, 2 failed, 1 timed_out, 1 killed, 1 skipped',
  'Run folder: /work/project/.codex-run/runs/20260101-000000-ab12',
  '',
].join('\n');

// Compares exactly; on a mismatch prints the actual text so it can be pasted into GOLDEN.
function assertGolden(actual: string, expected: string): void {
  if (actual !== expected) process.stderr.write(`--- actual summary ---\n${actual}--- end ---\n`);
  assert.equal(actual, expected);
}

test('renderSummary matches the golden text (colour off)', () => {
  const text = renderSummary({ jobs: JOBS, runDir: '/work/project/.codex-run/runs/20260101-000000-ab12', color: false });
  assertGolden(text, GOLDEN);
});

test('the last line names the run folder, with one job and with none', () => {
  const one = renderSummary({ jobs: [JOBS[0]!], runDir: '/r/1', color: false });
  assertGolden(one, ['JOB   STATUS     DURATION  EXIT/REASON', 'lint  succeeded  4.1s      exit 0', '1 job: 1 succeeded', 'Run folder: /r/1', ''].join('\n'));
  const none = renderSummary({ jobs: [], runDir: '/r/2', color: false });
  assertGolden(none, '0 jobs\nRun folder: /r/2\n');
});

test('colour on paints statuses but keeps the columns and the last line', () => {
  const text = renderSummary({ jobs: JOBS.slice(0, 2), runDir: '/r/3', color: true });
  assert.match(text, /\u001b\[32msucceeded\u001b\[39m/);
  assert.match(text, /\u001b\[31mfailed   \u001b\[39m/);
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  assert.equal(plain, renderSummary({ jobs: JOBS.slice(0, 2), runDir: '/r/3', color: false }));
  assert.equal(text.trimEnd().split('\n').at(-1), 'Run folder: /r/3');
});

test('job names and messages cannot inject terminal escapes or extra lines', () => {
  const text = renderSummary({
    jobs: [{ name: 'evil\u001b[2J', result: result({ status: 'failed', reason: 'exit-non-zero', exitCode: 2, message: 'line1\nline2\u001b]0;title\u0007' }) }],
    runDir: '/r/4',
    color: false,
  });
  assert.doesNotMatch(text, /\u001b/);
  assert.equal(text.split('\n').length, 5);
  assert.match(text, /^evil  failed  0ms       exit 2: line1 line2$/m);
});

test('a job that changed files in git gets a line under its row: files, +/- lines, branch, commit, kept worktree', () => {
  const changes = {
    branch: 'codex-run/R/fix',
    base: 'a'.repeat(40),
    worktree: null,
    commit: '1234567890abcdef1234567890abcdef12345678',
    files: [
      { path: 'a.ts', status: 'modified' as const, added: 10, removed: 2 },
      { path: 'b.bin', status: 'added' as const, added: null, removed: null },
    ],
    patchFile: 'fix.patch',
  };
  const text = renderSummary({
    jobs: [
      { name: 'fix', result: result({ finishedAt: T0 + 1_000 }), changes },
      { name: 'same', result: result({ finishedAt: T0 + 1_000 }), changes: { ...changes, branch: 'main', commit: null, files: [], patchFile: null } },
      { name: 'kept', result: result({ finishedAt: T0 + 1_000 }), changes: { ...changes, commit: null, worktree: '/runs/R/worktrees/kept', files: changes.files.slice(0, 1) } },
      { name: 'plain', result: result({ finishedAt: T0 + 1_000 }), changes: null },
    ],
    runDir: '/runs/R',
    color: false,
  });
  assert.equal(
    text,
    [
      'JOB    STATUS     DURATION  EXIT/REASON',
      'fix    succeeded  1.0s      exit 0',
      '       2 files changed (+10 −2) on codex-run/R/fix, commit 1234567890ab',
      'same   succeeded  1.0s      exit 0',
      '       no changes on main',
      'kept   succeeded  1.0s      exit 0',
      '       1 file changed (+10 −2) on codex-run/R/fix, worktree /runs/R/worktrees/kept',
      'plain  succeeded  1.0s      exit 0',
      '4 jobs: 4 succeeded',
      'Run folder: /runs/R',
      '',
    ].join('\n'),
  );
});

test("the summary line shows the agent's reported cost with its tokens, and nothing when it reported none", { timeout: 10_000 }, () => {
  const attempt = { n: 1, startedAt: T0, endedAt: T0 + 2_000, reason: 'succeeded', sessionId: 's', tokens: 1234, prompt: 'first' as const };
  const paid = result({ finishedAt: T0 + 2_000, outcome: 'succeeded', attempts: [attempt], costUsd: 0.01234 });
  const free = result({ finishedAt: T0 + 2_000, outcome: 'succeeded', attempts: [attempt] });
  const text = renderSummary({ jobs: [{ name: 'claude-job', result: paid }, { name: 'codex-job', result: free }], runDir: '/r', color: false });
  const paidLine = text.split('\n').find((l) => l.includes('claude-job')) ?? '';
  assert.match(paidLine, /1234 tokens, \$0\.0123/, text);
  const freeLine = text.split('\n').find((l) => l.includes('codex-job')) ?? '';
  assert.doesNotMatch(freeLine, /\$|tokens/, text);
  const multi = result({ finishedAt: T0 + 2_000, outcome: 'verified', attempts: [attempt, { ...attempt, n: 2, prompt: 'continue' as const }], costUsd: 2.5 });
  assert.match(renderSummary({ jobs: [{ name: 'two', result: multi }], runDir: '/r', color: false }), /verified, 2 turns, 2468 tokens, \$2\.50/);
});
