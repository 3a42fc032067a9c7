/**
 * A fixed run record for the reporters' golden tests: one job of each kind of ending, the
 * optional fields of later features (outcome, attempts, changes) on some jobs, and hostile
 * text (markup, script, control characters) where a job's output could put it.
 */
import type { ReportInput, ReportJob, ReportRun } from '../../src/report/report-input.js';

const RUN_DIR = '/work/project/.codex-run/runs/20261123T213705.123Z-4242-9f3a';

function job(over: Partial<ReportJob> & { name: string }): ReportJob {
  const file = over.name.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    status: 'succeeded',
    phase: 'finished',
    reason: null,
    message: null,
    stoppedBy: null,
    exitCode: 0,
    signal: null,
    startedAt: '2026-11-23T21:37:05.200Z',
    finishedAt: '2026-11-23T21:37:35.200Z',
    durationMs: 30_000,
    argv: ['/bin/sh', '-c', 'true'],
    workdir: '/work/project',
    envKeys: [],
    timeoutMs: null,
    logFile: `${file}.log`,
    transcriptFile: `${file}.txt`,
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

const jobs: ReportJob[] = [
  job({
    name: 'fix-tests',
    argv: ['/usr/local/bin/codex', 'exec', 'Fix the failing tests'],
    agent: 'codex',
    sessionId: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    tokensUsed: 42_751,
    lastMessage: 'Fixed the date parsing in src/api.ts; all 48 tests pass.',
    outcome: 'verified',
    startedAt: '2026-11-23T21:37:05.200Z',
    finishedAt: '2026-11-23T21:38:05.200Z',
    durationMs: 60_000,
    attempts: [
      { n: 1, startedAt: '2026-11-23T21:37:05.200Z', endedAt: '2026-11-23T21:37:40.000Z', reason: 'verify-failed', sessionId: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', tokens: 30_000, prompt: 'first', verify: { exitCode: 1, passed: false, logFile: 'fix-tests.verify-1.log', tail: 'FAIL test/api.test.js\n  expected 200, got 500' } },
      { n: 2, startedAt: '2026-11-23T21:37:41.000Z', endedAt: '2026-11-23T21:38:05.200Z', reason: null, sessionId: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', tokens: 12_751, prompt: 'continue', verify: { exitCode: 0, passed: true, logFile: 'fix-tests.verify-2.log', tail: 'ok 48 tests' } },
    ],
    changes: {
      branch: 'codex-run/fix-tests',
      base: 'main',
      worktree: '/work/project/.codex-run/worktrees/fix-tests',
      commit: '3f2a1b0',
      files: [
        { path: 'src/api.ts', status: 'modified', added: 4, removed: 1 },
        { path: 'test/api.test.js', status: 'modified', added: 2, removed: 0 },
      ],
      patchFile: 'fix-tests.patch',
    },
    interventions: [
      { at: '2026-11-23T21:37:20.000Z', kind: 'answer', rule: { index: 0, match: 'Allow command\\?' }, excerpt: ['  $ npm test', 'Allow command? [y/n]'], sent: 'y\\r' },
    ],
  }),
  job({
    name: 'broken build',
    status: 'failed',
    reason: 'exit-non-zero',
    message: 'the agent exited with code 3',
    exitCode: 3,
    durationMs: 4_200,
    finishedAt: '2026-11-23T21:37:09.400Z',
  }),
  job({
    name: 'deploy',
    status: 'failed',
    reason: 'waiting-for-input',
    message: 'a question stayed unanswered for 30s',
    exitCode: null,
    signal: 'SIGTERM',
    stoppedBy: 'term',
    startedAt: '2026-11-23T21:37:06.000Z',
    finishedAt: '2026-11-23T21:37:50.000Z',
    durationMs: 44_000,
    argv: ['/usr/bin/node', 'deploy.js'],
    interventions: [
      {
        at: '2026-11-23T21:37:19.000Z',
        kind: 'blocked',
        rule: null,
        excerpt: ['Deploying to production', 'Continue? (y/N) <script>alert(1)</script>'],
        sent: null,
        question: { text: 'Continue? (y/N)', options: [{ label: 'Yes', keys: ['y'] }, { label: 'No', keys: ['n'] }] },
      },
      { at: '2026-11-23T21:37:49.000Z', kind: 'fail', rule: null, excerpt: [], sent: null },
    ],
  }),
  job({
    name: 'review',
    status: 'failed',
    reason: 'idle-killed',
    message: 'no output for 10m',
    exitCode: null,
    signal: 'SIGTERM',
    stoppedBy: 'term',
    startedAt: '2026-11-23T21:37:05.500Z',
    finishedAt: '2026-11-23T21:38:10.000Z',
    durationMs: 64_500,
    argv: ['/usr/local/bin/codex', '--no-alt-screen', 'Review the docs'],
    agent: 'codex',
    sessionId: '0199ffff-0000-7000-8000-000000000001',
    tokensUsed: 1_204,
  }),
  job({
    name: 'lint',
    status: 'skipped',
    phase: 'pending',
    reason: 'not-selected',
    message: 'not selected with --job',
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
  }),
];

const report: ReportRun = {
  reportVersion: 1,
  runId: '20261123T213705.123Z-4242-9f3a',
  manifest: '/work/project/jobs.yaml',
  runDir: RUN_DIR,
  status: 'failed',
  startedAt: '2026-11-23T21:37:05.123Z',
  finishedAt: '2026-11-23T21:38:10.153Z',
  durationMs: 65_030,
  runner: null,
  summary: { pending: 0, running: 0, succeeded: 1, failed: 3, timed_out: 0, killed: 0, interrupted: 0, skipped: 1 },
  jobs,
  warnings: [{ at: '2026-11-23T21:37:30.000Z', job: 'review', message: 'no output for 5m' }],
};

/** The fixed input of the golden tests. */
export const REPORT_FIXTURE: ReportInput = {
  report,
  transcripts: {
    'fix-tests': 'Reading src/api.ts\nEditing src/api.ts\nRan npm test: 48 passed\n',
    'broken build': [
      'compiling src/index.ts',
      '⠋ Building…',
      '',
      'FAIL test/api.test.js: expected 200, got 500',
      '    at Object.<anonymous> (test/api.test.js:42:7)',
      'bell \u0007 and nul \u0000 and esc \u001b[31mred\u001b[0m and ]]> and </script><img src=x onerror=alert(1)>',
      '42,751',
      '› ',
      '? for shortcuts',
      '',
    ].join('\n'),
    deploy: 'Deploying to production\nContinue? (y/N) <script>alert(1)</script>\n',
    review: 'Reading docs/README.md\n• Working (9m 58s • esc to interrupt)\n',
  },
  states: [
    { at: '2026-11-23T21:37:06.000Z', job: 'deploy', phase: 'running', detail: null },
    { at: '2026-11-23T21:37:19.000Z', job: 'deploy', phase: 'running', detail: 'waiting for input' },
    { at: '2026-11-23T21:37:49.000Z', job: 'deploy', phase: 'stopping', detail: 'fail' },
  ],
  patches: {
    'fix-tests': 'diff --git a/src/api.ts b/src/api.ts\n--- a/src/api.ts\n+++ b/src/api.ts\n@@ -1,3 +1,6 @@\n-const x = 1;\n+const x = 2;\n',
  },
};
