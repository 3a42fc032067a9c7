/**
 * job-facts in the report: the reducer keeps the latest of each fact, report.json carries
 * sessionId, tokensUsed and lastMessage, the new failure reasons validate against
 * schemas/report.schema.json, and events.jsonl records the facts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { serialiseEvent } from '../../src/logs/events-log.js';
import { toJsonReport } from '../../src/report/json-report.js';
import { reduceRunRecord, type RunRecord } from '../../src/report/run-record.js';
import type { FailureReason, RunEvent } from '../../src/run/events.js';
import { repoRoot } from '../helpers/paths.js';

const T0 = Date.UTC(2026, 10, 23, 21, 0, 0, 0);
const ID = '01a20a43-5161-7642-a3b8-890f5a6f748b';

function run(reason: FailureReason): RunEvent[] {
  return [
    {
      type: 'run-started',
      at: T0,
      runId: '20261123T210000.000Z-1-abcd',
      runDir: '/w/.codex-run/runs/20261123T210000.000Z-1-abcd',
      manifest: '/w/jobs.yaml',
      jobs: [{ name: 'fix', argv: ['codex', 'exec', '--', 'Fix'], workdir: '/w', envKeys: [], timeoutMs: null, logFile: 'fix.log', transcriptFile: 'fix.txt' }],
    },
    { type: 'job-state', at: T0 + 1, job: 'fix', phase: 'running', detail: null },
    { type: 'job-facts', at: T0 + 2, job: 'fix', facts: { sessionId: ID } },
    { type: 'job-facts', at: T0 + 3, job: 'fix', facts: { tokensUsed: 15 } },
    { type: 'job-facts', at: T0 + 4, job: 'fix', facts: { tokensUsed: 42_399, lastMessage: 'Done.\nAll tests pass.' } },
    {
      type: 'job-finished',
      at: T0 + 5,
      job: 'fix',
      result: { status: 'failed', reason, message: 'codex: x', exitCode: 1, signal: null, stoppedBy: null, startedAt: T0 + 1, finishedAt: T0 + 5 },
    },
    { type: 'run-finished', at: T0 + 6, status: 'failed' },
  ];
}

function reduce(events: RunEvent[]): RunRecord {
  let record: RunRecord | null = null;
  for (const e of events) record = reduceRunRecord(record, e);
  assert.ok(record !== null);
  return record;
}

test('facts merge: each field keeps its latest value, others are not reset', () => {
  const job = toJsonReport(reduce(run('model-error'))).jobs[0];
  assert.equal(job?.sessionId, ID);
  assert.equal(job?.tokensUsed, 42_399);
  assert.equal(job?.lastMessage, 'Done.\nAll tests pass.');
});

test('reports with the codex failure reasons and facts validate against the schema', () => {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  for (const reason of ['agent-usage', 'not-logged-in', 'rate-limited', 'usage-limit', 'model-error', 'sandbox-denied'] as const) {
    const report = toJsonReport(reduce(run(reason)));
    assert.ok(validate(report), `${reason}: ${JSON.stringify(validate.errors)}`);
  }
  const bad = { ...toJsonReport(reduce(run('model-error'))) };
  bad.jobs = bad.jobs.map((j) => ({ ...j, tokensUsed: -1 }));
  assert.equal(validate(bad), false, 'negative token counts are rejected');
});

test('events.jsonl records job-facts with an ISO time', () => {
  const line = serialiseEvent({ type: 'job-facts', at: T0, job: 'fix', facts: { sessionId: ID, tokensUsed: 15 } });
  assert.equal(line, `{"type":"job-facts","at":"2026-11-23T21:00:00.000Z","job":"fix","facts":{"sessionId":"${ID}","tokensUsed":15}}\n`);
});
