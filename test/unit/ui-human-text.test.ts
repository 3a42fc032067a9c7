import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult, RunEvent } from '../../src/run/events.js';
import { describeSent } from '../../src/ui/sent-text.js';
import { describeIntervention } from '../../src/ui/intervention-text.js';
import { describeOutcome, resumeHistory } from '../../src/ui/outcome.js';
import { renderSummary } from '../../src/ui/summary.js';
import { formatSize, parseSize } from '../../src/session/policies/spec.js';
import { unknownCommandMessage } from '../../src/cli/unknown-command.js';
import { reduceRunRecord, type RunRecord } from '../../src/report/run-record.js';
import { createPalette } from '../../src/ui/palette.js';
import { pendingRow, rowTitle } from '../../src/ui/job-row.js';

const T0 = Date.UTC(2026, 0, 1);

function result(partial: Partial<JobResult>): JobResult {
  return { status: 'succeeded', reason: null, message: null, exitCode: 0, signal: null, stoppedBy: null, startedAt: T0, finishedAt: T0 + 4_100, ...partial };
}

test('what an intervention typed reads as keys a person presses, never as escapes', { timeout: 5_000 }, () => {
  assert.equal(describeSent('\\x1b'), 'Esc');
  assert.equal(describeSent('y\\r'), '"y" + Enter');
  assert.equal(describeSent('\\x1b[B\\r'), 'Down + Enter');
  assert.equal(describeSent('\\x03'), 'Ctrl-C');
  assert.equal(describeSent('a\\\\b'), '"a\\\\b"');
  const declined = describeIntervention({ at: T0, kind: 'deny', rule: { index: 0, match: 'rm -rf' }, excerpt: [], sent: '\\x1b' });
  assert.equal(declined, 'declined (rule 1: "rm -rf") with Esc');
  assert.doesNotMatch(declined, /\\x1b/);
});

test('sizes read as written in a manifest: 50MB, not 52428800 bytes', { timeout: 5_000 }, () => {
  assert.equal(formatSize(parseSize('50MB')!), '50MB');
  assert.equal(formatSize(parseSize('1.5KB')!), '1.5KB');
  assert.equal(formatSize(parseSize('2GB')!), '2GB');
  assert.equal(formatSize(1), '1 byte');
  assert.equal(formatSize(300), '300 bytes');
  assert.equal(formatSize(1_000_003), '1000003 bytes');
});

test('an outcome never says its status twice, and a resumed job says it was resumed and why', { timeout: 5_000 }, () => {
  const interrupted = result({ status: 'interrupted', reason: 'interrupted', exitCode: null, message: 'the run was interrupted' });
  assert.equal(describeOutcome(interrupted), 'interrupted in 4.1s: the run was interrupted');
  const resumes = resumeHistory([
    { kind: 'kill' },
    { kind: 'resume', why: 'idle-killed: no progress for 3s' },
  ]);
  assert.equal(describeOutcome(result({}), resumes), 'succeeded after 1 resume (idle-killed) in 4.1s');
  assert.equal(describeOutcome(result({}), resumeHistory([{ kind: 'answer' }])), 'succeeded in 4.1s');
  const summary = renderSummary({
    jobs: [{ name: 'stalls', result: result({}), interventions: [{ at: T0, kind: 'resume', rule: null, excerpt: [], sent: null, attempt: 1, why: 'idle-killed: no progress' }] }],
    runDir: '/runs/x',
    color: false,
  });
  assert.match(summary, /stalls\s+succeeded\s+4\.1s\s+exit 0, after 1 resume \(idle-killed\)/, summary);
});

test('a word that is no command and no file is an unknown command, with the nearest one or the list', { timeout: 5_000 }, () => {
  const commands = ['run', 'validate', 'replay', 'ps'];
  const none = (): boolean => false;
  assert.equal(unknownCommandMessage('rplay', commands, none), "unknown command 'rplay' (and no manifest file by that name); did you mean 'replay'?");
  assert.equal(unknownCommandMessage('zzzzzz', commands, none), "unknown command 'zzzzzz' (and no manifest file by that name); commands: run, validate, replay, ps");
  assert.equal(unknownCommandMessage('ps', commands, none), null, 'a registered command');
  assert.equal(unknownCommandMessage('jobs', commands, () => true), null, 'an existing file is a manifest');
  assert.equal(unknownCommandMessage('jobs.yaml', commands, none), null, 'named like a manifest: the run reports the missing file');
  assert.equal(unknownCommandMessage('night.yml', commands, none), null);
  assert.equal(unknownCommandMessage('--help', commands, none), null);
  assert.equal(unknownCommandMessage(undefined, commands, none), null);
});

test("a finished job keeps no live detail such as 'working'", { timeout: 5_000 }, () => {
  const events: RunEvent[] = [
    { type: 'run-started', at: T0, runId: 'r', runDir: '/r', manifest: '/m.yaml', jobs: [{ name: 'a', argv: ['x'], workdir: '/', envKeys: [], timeoutMs: null, logFile: 'a.log', transcriptFile: 'a.txt' }] },
    { type: 'job-state', at: T0 + 1, job: 'a', phase: 'running', detail: 'working' },
    { type: 'job-finished', at: T0 + 2, job: 'a', result: result({}) },
  ];
  let record: RunRecord | null = null;
  for (const e of events) record = reduceRunRecord(record, e);
  assert.equal(record!.jobs[0]!.detail, null);
});

test('a job waiting for input stands out in its live row (bold yellow), a working one does not', { timeout: 5_000 }, () => {
  const palette = createPalette(true);
  const layout = { now: T0 + 5_000, nameWidth: 6, width: 80, palette };
  const row = { ...pendingRow('deploy'), phase: 'running' as const, since: T0, detail: 'waiting for input' };
  const title = rowTitle(row, layout);
  assert.ok(title.includes(palette.bold(palette.yellow('running 5s (waiting for input)'))), JSON.stringify(title));
  const working = rowTitle({ ...row, detail: 'working' }, layout);
  assert.ok(!working.includes(palette.yellow('running')), JSON.stringify(working));
});
