import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideResume, lostContext } from '../../src/run/resume-policy.js';
import type { JobResult } from '../../src/run/events.js';
import type { JobSpec } from '../../src/manifest/model.js';
import { defaultSupervision } from '../helpers/supervision.js';

const ID = '01a20a43-5161-7642-a3b8-890f5a6f748b';

function job(resume: JobSpec['resume']): JobSpec {
  return {
    name: 'fix',
    agent: 'codex',
    prompt: 'Fix it',
    command: null,
    workdir: '/tmp',
    env: {},
    timeoutMs: null,
    schedule: null,
    supervision: defaultSupervision(),
    enterDelayMs: 500,
    resume,
    rehearsal: null,
    location: { file: 'jobs.yaml', line: 3, col: 3, endLine: 3, endCol: 6 },
  } as JobSpec;
}

function result(status: JobResult['status'], reason: JobResult['reason']): JobResult {
  return { status, reason, message: 'why', exitCode: 1, signal: null, stoppedBy: null, startedAt: 0, finishedAt: 1 };
}

const budget = { max: 2, prompt: 'Continue.' };

test('an idle-stopped or dying codex job is resumed by its session id while the budget lasts', () => {
  assert.deepEqual(decideResume(job(budget), result('killed', 'idle-killed'), ID, 0), {
    kind: 'resume',
    sessionId: ID,
    prompt: 'Continue.',
    attempt: 1,
    why: 'idle-killed: why',
  });
  assert.equal(decideResume(job(budget), result('failed', 'exit-non-zero'), ID, 1).kind, 'resume');
  assert.equal(decideResume(job(budget), result('failed', 'model-error'), ID, 1).kind, 'resume');
  assert.equal(decideResume(job(budget), result('failed', 'exit-non-zero'), ID, 2).kind, 'final', 'budget used up');
});

test('no resume without a budget, a session id, or for final reasons', () => {
  assert.equal(decideResume(job(null), result('killed', 'idle-killed'), ID, 0).kind, 'final');
  assert.equal(decideResume(job(budget), result('killed', 'idle-killed'), null, 0).kind, 'final');
  assert.equal(decideResume(job(budget), result('succeeded', null), ID, 0).kind, 'final');
  for (const reason of ['timeout', 'interrupted', 'agent-usage', 'not-logged-in', 'usage-limit', 'denied', 'looping', 'output-limit'] as const) {
    assert.equal(decideResume(job(budget), result('failed', reason), ID, 0).kind, 'final', reason);
  }
});

test('a resumed run that reports another session, or none, lost its context', () => {
  const other = lostContext(result('succeeded', null), ID, 'ffffffff-0000-0000-0000-000000000000');
  assert.equal(other.status, 'failed');
  assert.equal(other.reason, 'resume-lost-context');
  assert.match(other.message ?? '', /ffffffff/);
  assert.match(lostContext(result('failed', 'exit-non-zero'), ID, null).message ?? '', /no session id/);
});
