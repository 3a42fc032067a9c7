import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RunEvent } from '../../src/run/events.js';
import { renderJsonReport, toJsonReport } from '../../src/report/json-report.js';
import { reduceRunRecord, type RunRecord } from '../../src/report/run-record.js';
import { repoRoot } from '../helpers/paths.js';

const T0 = Date.UTC(2026, 10, 23, 21, 37, 5, 123);

/** A small failed run with one job of each kind of ending, at fixed times. */
const events: RunEvent[] = [
  {
    type: 'run-started',
    at: T0,
    runId: '20261123T213705.123Z-4242-9f3a',
    runDir: '/work/project/.codex-run/runs/20261123T213705.123Z-4242-9f3a',
    manifest: '/work/project/jobs.yaml',
    jobs: [
      {
        name: 'build',
        argv: ['/bin/sh', '-c', 'npm run build'],
        workdir: '/work/project',
        envKeys: ['NODE_ENV'],
        timeoutMs: 600_000,
        logFile: 'build.log',
        transcriptFile: 'build.txt',
      },
      {
        name: 'review docs',
        argv: ['codex', 'exec', 'Review the docs'],
        workdir: '/work/project/docs',
        envKeys: [],
        timeoutMs: null,
        logFile: 'review_docs.log',
        transcriptFile: 'review_docs.txt',
      },
      {
        name: 'deploy',
        argv: ['./deploy.sh'],
        workdir: '/work/project',
        envKeys: ['TOKEN', 'REGION'],
        timeoutMs: 60_000,
        logFile: 'deploy.log',
        transcriptFile: 'deploy.txt',
      },
    ],
    runner: { pid: 4242, startTime: '8123456', bootId: '6f1d2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6' },
  },
  { type: 'job-state', at: T0 + 5, job: 'build', phase: 'starting', detail: null },
  { type: 'job-state', at: T0 + 12, job: 'build', phase: 'running', detail: 'pid 1001' },
  { type: 'job-state', at: T0 + 14, job: 'review docs', phase: 'running', detail: 'pid 1002' },
  { type: 'job-output', at: T0 + 20, job: 'build', data: Buffer.from('\x1b[32mcompiling\x1b[0m\r\n') },
  { type: 'job-activity', at: T0 + 21, job: 'build', line: 'compiling' },
  { type: 'job-activity', at: T0 + 900, job: 'review docs', line: 'Reading docs/README.md' },
  { type: 'warning', at: T0 + 950, job: 'review docs', message: 'no output for 30 s' },
  {
    type: 'job-changes',
    at: T0 + 1490,
    job: 'build',
    changes: {
      branch: 'main',
      base: '0123456789abcdef0123456789abcdef01234567',
      worktree: null,
      commit: null,
      files: [
        { path: 'dist/app.js', status: 'modified', added: 12, removed: 3 },
        { path: 'dist/logo.png', status: 'added', added: null, removed: null },
        { path: 'src/new-name.ts', from: 'src/old-name.ts', status: 'renamed', added: 0, removed: 0 },
      ],
      patchFile: 'build.patch',
    },
  },
  {
    type: 'job-finished',
    at: T0 + 1500,
    job: 'build',
    result: {
      status: 'succeeded',
      reason: null,
      message: null,
      exitCode: 0,
      signal: null,
      stoppedBy: null,
      startedAt: T0 + 12,
      finishedAt: T0 + 1500,
      outcome: 'verified',
      attempts: [
        { n: 1, startedAt: T0 + 12, endedAt: T0 + 700, reason: 'verify-failed', sessionId: null, tokens: 1200, prompt: 'first', verify: { exitCode: 1, passed: false, logFile: 'build.verify-1.log', tail: 'expected fixed, found broken' } },
        { n: 2, startedAt: T0 + 800, endedAt: T0 + 1400, reason: 'verified', sessionId: null, tokens: 300, prompt: 'continue', verify: { exitCode: 0, passed: true, logFile: 'build.verify-2.log', tail: 'ok' } },
      ],
    },
  },
  { type: 'job-activity', at: T0 + 2000, job: 'ghost', line: 'not in the plan' },
  {
    type: 'job-finished',
    at: T0 + 65_014,
    job: 'review docs',
    result: {
      status: 'timed_out',
      reason: 'timeout',
      message: 'stopped after the 65 s time limit',
      exitCode: null,
      signal: 'SIGTERM',
      stoppedBy: 'term',
      startedAt: T0 + 14,
      finishedAt: T0 + 65_014,
    },
  },
  {
    type: 'job-finished',
    at: T0 + 65_020,
    job: 'deploy',
    result: { status: 'skipped', reason: 'interrupted', message: 'not started: the run was interrupted', exitCode: null, signal: null, stoppedBy: null, startedAt: null, finishedAt: T0 + 65_020 },
  },
  {
    type: 'job-facts',
    at: T0 + 12,
    job: 'build',
    facts: {
      process: {
        pid: 1001,
        startTime: '8123470',
        bootId: '6f1d2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6',
        containment: 'cgroup',
        cgroup: '/sys/fs/cgroup/codex-run.4242.0a1b2c3d4e5f',
      },
    },
  },
  {
    type: 'job-facts',
    at: T0 + 14,
    job: 'review docs',
    facts: { process: { pid: 1002, startTime: '8123471', bootId: null, containment: 'session+marker', cgroup: null } },
  },
  { type: 'run-finished', at: T0 + 65_030, status: 'failed' },
];

function compileSchema(): ReturnType<Ajv2020['compile']> {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
  return new Ajv2020({ strict: true, allErrors: true }).compile(schema);
}

function reduceAll(list: RunEvent[]): RunRecord {
  let record: RunRecord | null = null;
  for (const event of list) record = reduceRunRecord(record, event);
  assert.ok(record !== null);
  return record;
}

test('the report of a fixed run matches the golden file byte for byte', () => {
  const actual = renderJsonReport(reduceAll(events));
  const file = path.join(repoRoot, 'test', 'golden', 'report-basic.json');
  // UPDATE_GOLDEN=1 rewrites the file; review its diff before committing it.
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
  const golden = readFileSync(file, 'utf8');
  assert.equal(actual, golden, `actual report:\n${actual}`);
});

test('the report validates against schemas/report.schema.json after every event', () => {
  const validate = compileSchema();
  let record: RunRecord | null = null;
  for (const event of events) {
    record = reduceRunRecord(record, event);
    const report: unknown = JSON.parse(renderJsonReport(record));
    assert.ok(validate(report), `after ${event.type}: ${JSON.stringify(validate.errors, null, 2)}`);
  }
});

test('the schema rejects what it should', () => {
  const validate = compileSchema();
  const good = JSON.parse(renderJsonReport(reduceAll(events))) as { jobs: Record<string, unknown>[]; startedAt: string };
  const badStatus = structuredClone(good);
  badStatus.jobs[0]!.status = 'exploded';
  assert.equal(validate(badStatus), false);
  const badTime = structuredClone(good);
  badTime.startedAt = '2026-11-23 21:37';
  assert.equal(validate(badTime), false);
  const escaping = structuredClone(good);
  escaping.jobs[0]!.logFile = '../../etc/passwd';
  assert.equal(validate(escaping), false);
  const withIntervention = structuredClone(good);
  withIntervention.jobs[0]!.interventions = [{ at: '2026-11-23T21:37:06.000Z', kind: 'answer', prompt: 'Proceed? [y/n]', reply: 'y' }];
  assert.ok(validate(withIntervention), JSON.stringify(validate.errors));
  withIntervention.jobs[0]!.interventions = [{ kind: 'answer' }];
  assert.equal(validate(withIntervention), false);
});

test('jobs show pending and running until they finish; durations appear only with both ends', () => {
  const running = reduceAll(events.slice(0, 4));
  const report = JSON.parse(renderJsonReport(running)) as {
    status: string;
    finishedAt: null;
    durationMs: null;
    jobs: { status: string; startedAt: string | null; durationMs: number | null }[];
    summary: Record<string, number>;
  };
  assert.equal(report.status, 'running');
  assert.equal(report.finishedAt, null);
  assert.equal(report.durationMs, null);
  assert.deepEqual(report.jobs.map((j) => j.status), ['running', 'running', 'pending']);
  assert.equal(report.jobs[0]!.startedAt, '2026-11-23T21:37:05.135Z');
  assert.equal(report.jobs[0]!.durationMs, null);
  assert.equal(report.summary.running, 2);
  assert.equal(report.summary.pending, 1);
});

test('the reducer is pure: old records are untouched and job-output changes nothing', () => {
  const first = reduceAll(events.slice(0, 3));
  const snapshot = structuredClone(first);
  const output = reduceRunRecord(first, events[4]!);
  assert.equal(output, first);
  const next = reduceRunRecord(first, events[5]!);
  assert.notEqual(next, first);
  assert.deepEqual(first, snapshot);
  assert.equal(next.jobs[0]!.lastLine, 'compiling');
});

test('an event before run-started is an internal error', () => {
  assert.throws(() => reduceRunRecord(null, events[1]!), /^Error: Internal error: job-state event before run-started/);
});

test('an event for a job that is not in the plan becomes a warning', () => {
  const record = reduceAll(events.slice(0, 11));
  assert.deepEqual(record.warnings.at(-1), { at: T0 + 2000, job: 'ghost', message: 'event for unknown job "ghost"' });
});

test('report.json is the same text as a whole stringify after every event, also when rendered again from cached jobs and interventions, and with text that looks like its own keys', () => {
  const tricky: RunEvent[] = events.map((event) =>
    event.type === 'job-finished' && event.job === 'build' ? { ...event, result: { ...event.result, message: '\n  "jobs": [],\n}\n' } } : event,
  );
  // A job answered again and again: each new intervention is rendered once, the others come from the cache.
  const answer = (n: number, excerpt: string[]): RunEvent => ({
    type: 'job-intervention',
    at: T0 + 30 + n,
    job: 'review docs',
    intervention: { at: T0 + 30 + n, kind: 'answer', rule: { index: 0, match: 'Continue\\? \\[y/n\\]' }, excerpt, sent: 'y\r', question: { text: 'Continue?', options: [{ label: 'yes', keys: ['y'] }] } },
  });
  const answered: RunEvent[] = [
    ...events.slice(0, 4),
    answer(1, ['Continue? [y/n]']),
    answer(2, ['\n  "interventions": [],\n', '      "interventions": [', 'ü ✓ "quoted" \\ back']),
    answer(3, []),
    ...events.slice(4),
    answer(4, ['after the others']),
  ];
  for (const list of [events, tricky, answered]) {
    let record: RunRecord | null = null;
    for (const event of list) {
      record = reduceRunRecord(record, event);
      const whole = `${JSON.stringify(toJsonReport(record), null, 2)}\n`;
      assert.equal(renderJsonReport(record), whole, `after ${event.type}`);
      assert.equal(renderJsonReport(record), whole, `again after ${event.type}`);
    }
  }
  const empty = reduceRunRecord(null, { ...(events[0] as Extract<RunEvent, { type: 'run-started' }>), jobs: [] });
  assert.equal(renderJsonReport(empty), `${JSON.stringify(toJsonReport(empty), null, 2)}\n`);
});

test('each event updates its own job, whatever the order of the jobs and however the record was built', () => {
  const started = reduceRunRecord(null, events[0]!);
  const names = started.jobs.map((j) => j.name);
  const activity = (record: RunRecord, job: string, line: string): RunRecord => reduceRunRecord(record, { type: 'job-activity', at: T0 + 1, job, line });
  const lines = (record: RunRecord): Record<string, string | null> => Object.fromEntries(record.jobs.map((j) => [j.name, j.lastLine]));

  // Interleaved events: every job gets exactly its own line, each time.
  let record = started;
  for (let round = 0; round < 3; round++) {
    for (const name of [...names].reverse()) record = activity(record, name, `${name} ${round}`);
    assert.deepEqual(lines(record), Object.fromEntries(names.map((n) => [n, `${n} ${round}`])));
  }

  // A record whose jobs array was made elsewhere, in another order (a merge, a test): still the right job.
  const reordered: RunRecord = { ...record, jobs: [...record.jobs].reverse() };
  const after = activity(reordered, 'build', 'rebuilt');
  assert.deepEqual(after.jobs.map((j) => j.name), [...names].reverse());
  assert.deepEqual(lines(after), { ...lines(record), build: 'rebuilt' });
  // ...and the record it came from still answers for its own order.
  assert.deepEqual(lines(activity(record, 'deploy', 'shipped')), { ...lines(record), deploy: 'shipped' });

  // A name not in the plan is a warning, before and after the lookups above.
  const unknown = activity(after, 'not-a-job', 'x');
  assert.deepEqual(unknown.jobs, after.jobs);
  assert.equal(unknown.warnings.at(-1)?.message, 'event for unknown job "not-a-job"');
});
