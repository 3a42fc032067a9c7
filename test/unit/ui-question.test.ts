import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InterventionInfo, JobResult } from '../../src/run/events.js';
import { describeIntervention } from '../../src/ui/intervention-text.js';
import { pendingRow, rowActivity } from '../../src/ui/job-row.js';
import { createPalette } from '../../src/ui/palette.js';
import { describeQuestion } from '../../src/ui/question-text.js';
import { renderSummary, unansweredQuestion } from '../../src/ui/summary.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const APPROVAL = {
  text: 'Would you like to run the following command?',
  options: [
    { label: 'Yes, proceed', keys: ['y'] },
    { label: 'No, and tell Codex what to do differently', keys: ['\x1b'] },
  ],
};

function intervention(kind: string, extra: Partial<InterventionInfo> = {}): InterventionInfo {
  return { at: T0, kind, rule: null, excerpt: [], sent: null, ...extra };
}

test('a question reads as its text and options, with the keys when asked for', () => {
  assert.equal(describeQuestion(APPROVAL), 'Would you like to run the following command? [Yes, proceed | No, and tell Codex what to do differently]');
  assert.equal(describeQuestion(APPROVAL, { keys: true }), 'Would you like to run the following command? [Yes, proceed (y) | No, and tell Codex what to do differently (\\x1b)]');
  assert.equal(describeQuestion({ text: 'Continue? [y/n]\x1b[31m', options: [] }), 'Continue? [y/n]');
});

test('a blocked row shows the question under it, highlighted, instead of the last output line', () => {
  const row = { ...pendingRow('deploy'), phase: 'running' as const, since: T0, activity: 'compiling', question: APPROVAL };
  assert.equal(rowActivity(row, 200), '? Would you like to run the following command? [Yes, proceed | No, and tell Codex what to do differently]');
  assert.equal(rowActivity(row, 30), '? Would you like to run the f…');
  assert.equal(rowActivity(row, 30, createPalette(true)), '\u001b[1m\u001b[33m? Would you like to run the f…\u001b[39m\u001b[22m');
  assert.equal(rowActivity({ ...row, question: null }, 30), 'compiling');
});

test('the blocked line of the plain display names the question', () => {
  assert.equal(describeIntervention(intervention('blocked', { question: APPROVAL })), 'blocked: waiting for input: Would you like to run the following command? [Yes, proceed | No, and tell Codex what to do differently]');
  assert.equal(describeIntervention(intervention('blocked')), 'blocked: waiting for input');
});

test('the summary says what a job that did not succeed was left waiting for', () => {
  const failed: JobResult = {
    status: 'failed',
    reason: 'waiting-for-input',
    message: 'a question stayed unanswered for 30s',
    exitCode: null,
    signal: 'SIGTERM',
    stoppedBy: 'term',
    startedAt: T0,
    finishedAt: T0 + 30_400,
  };
  const succeeded: JobResult = { ...failed, status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null };
  const text = renderSummary({
    jobs: [
      { name: 'deploy', result: failed, question: { text: 'Continue? [y/n]', options: [{ label: 'Yes', keys: ['y'] }, { label: 'No', keys: ['n'] }] } },
      { name: 'lint', result: succeeded, question: { text: 'ignored once succeeded', options: [] } },
    ],
    runDir: '/runs/1',
    color: false,
  });
  assert.equal(
    text,
    [
      'JOB     STATUS     DURATION  EXIT/REASON',
      'deploy  failed     30.4s     waiting-for-input: a question stayed unanswered for 30s',
      '        waiting for: Continue? [y/n] [Yes | No]',
      'lint    succeeded  30.4s     exit 0',
      '2 jobs: 1 succeeded, 1 failed',
      'Run folder: /runs/1',
      '',
    ].join('\n'),
  );
});

test('the question a job was left with: the last blocked one, unless answered after', () => {
  assert.deepEqual(unansweredQuestion([intervention('answer'), intervention('blocked', { question: APPROVAL }), intervention('fail')]), APPROVAL);
  assert.equal(unansweredQuestion([intervention('blocked', { question: APPROVAL }), intervention('answer')]), null);
  assert.equal(unansweredQuestion([intervention('blocked')]), null);
  assert.equal(unansweredQuestion([]), null);
});
