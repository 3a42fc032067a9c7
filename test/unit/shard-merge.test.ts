import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeReports } from '../../src/shard/merge-reports.js';
import type { MergeSource, SourceReport } from '../../src/shard/merge-sources.js';

// The pure part of `codex-run merge` (issue 14): which attempt of each job wins, what is lost,
// what is refused. Real shard processes and files are in test/integration/shard-merge.test.ts.

const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const ASSIGNMENT = { x: 1, 'a/b': 1, a_b: 2, y: 2 };

function job(name: string, base: string, status: string, finishedAt: string | null): SourceReport['jobs'][number] {
  return {
    name,
    status: status as never,
    phase: 'finished',
    reason: status === 'succeeded' ? null : 'exit-non-zero',
    message: null,
    stoppedBy: null,
    exitCode: status === 'succeeded' ? 0 : 1,
    signal: null,
    startedAt: finishedAt,
    finishedAt,
    durationMs: finishedAt === null ? null : 10,
    argv: ['/bin/true'],
    workdir: '/w',
    envKeys: [],
    timeoutMs: null,
    logFile: `${base}.log`,
    transcriptFile: `${base}.txt`,
    lastLine: null,
    detail: null,
    sessionId: null,
    tokensUsed: null,
    lastMessage: null,
    interventions: [],
    containment: null,
    process: null,
    changes: { branch: null, base: null, worktree: null, commit: null, files: [], patchFile: `${base}.patch` },
    outcome: status === 'succeeded' ? 'succeeded' : 'exit-non-zero',
    attempts: [{ n: 1, startedAt: finishedAt, endedAt: finishedAt ?? '2026-01-01T00:00:00.000Z', reason: 'x', sessionId: null, tokens: null, prompt: 'first', verify: { exitCode: 1, passed: false, logFile: `${base}.verify-1.log`, tail: '' } }],
  };
}

function shard(index: number, runId: string, finishedAt: string | null, jobs: SourceReport['jobs'], extra: Partial<SourceReport> = {}, planHash = HASH): MergeSource {
  return {
    dir: `/runs/${runId}`,
    given: `art-${index}/${runId}`,
    kind: 'shard',
    report: {
      reportVersion: 1,
      runId,
      manifest: '/m/jobs.yaml',
      runDir: `/runs/${runId}`,
      status: 'succeeded',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt,
      durationMs: null,
      summary: { pending: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, killed: 0, interrupted: 0, skipped: 0 },
      jobs,
      warnings: [],
      runner: null,
      shard: { index, total: 2, planHash, host: `host-${index}`, startedAt: '2026-01-01T00:00:00.000Z', finishedAt, codexVersion: null, assignment: ASSIGNMENT, filter: [] },
      ...extra,
    },
  };
}

const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';
const T3 = '2026-01-01T00:03:00.000Z';
const options = { outDir: '/out/merged', runId: 'merged', requireShards: null, now: Date.parse(T3) };

test('jobs whose file names collided only across shards get distinct names, with every file reference renamed', { timeout: 5_000 }, () => {
  // 'a/b' and 'a_b' both became `a_b` in their own shard's folder.
  const one = shard(1, 'r1', T1, [job('x', 'x', 'succeeded', T1), job('a/b', 'a_b', 'succeeded', T1)]);
  const two = shard(2, 'r2', T1, [job('a_b', 'a_b', 'succeeded', T1), job('y', 'y', 'succeeded', T1)]);
  const merged = mergeReports([one, two], options);
  assert.ok(merged.ok);
  const { report, copies } = merged.value;
  assert.deepEqual(report.jobs.map((j) => [j.name, j.logFile, j.transcriptFile, j.changes?.patchFile, j.attempts[0]?.verify?.logFile]), [
    ['x', 'x.log', 'x.txt', 'x.patch', 'x.verify-1.log'],
    ['a/b', 'a_b.log', 'a_b.txt', 'a_b.patch', 'a_b.verify-1.log'],
    ['a_b', 'a_b-2.log', 'a_b-2.txt', 'a_b-2.patch', 'a_b-2.verify-1.log'],
    ['y', 'y.log', 'y.txt', 'y.patch', 'y.verify-1.log'],
  ]);
  assert.deepEqual(copies.map((c) => [c.job, c.sourceDir, c.fromBase, c.toBase]), [
    ['x', '/runs/r1', 'x', 'x'],
    ['a/b', '/runs/r1', 'a_b', 'a_b'],
    ['a_b', '/runs/r2', 'a_b', 'a_b-2'],
    ['y', '/runs/r2', 'y', 'y'],
  ]);
  assert.equal(report.status, 'succeeded');
  assert.deepEqual(report.shards?.map((s) => [s.index, s.host, s.runId, s.source]), [
    [1, 'host-1', 'r1', 'art-1/r1'],
    [2, 'host-2', 'r2', 'art-2/r2'],
  ]);
});

test('a shard that ran twice keeps the run that finished later, with a warning', { timeout: 5_000 }, () => {
  const early = shard(2, 'early', T1, [job('a_b', 'a_b', 'failed', T1), job('y', 'y', 'failed', T1)]);
  const late = shard(2, 'late', T2, [job('a_b', 'a_b', 'succeeded', T2), job('y', 'y', 'succeeded', T2)]);
  const one = shard(1, 'r1', T1, [job('x', 'x', 'succeeded', T1), job('a/b', 'a_b', 'succeeded', T1)]);
  for (const order of [[one, late, early], [one, early, late]]) {
    const merged = mergeReports(order, options);
    assert.ok(merged.ok);
    assert.deepEqual(merged.value.report.jobs.filter((j) => j.shard === 2).map((j) => j.mergedFrom), ['late', 'late']);
    assert.equal(merged.value.report.status, 'succeeded');
    assert.match(merged.value.warnings.join('\n'), /shard 2 of 2 ran twice .*keeping art-2\/late/);
    assert.deepEqual(merged.value.report.shards?.map((s) => s.runId), ['r1', 'late']);
  }
});

test('a shard whose report says running or crashed is merged as recorded, with a warning', { timeout: 5_000 }, () => {
  const one = shard(1, 'r1', null, [job('x', 'x', 'succeeded', T1), { ...job('a/b', 'a_b', 'succeeded', null), status: 'running', phase: 'running' }], { status: 'crashed' });
  const two = shard(2, 'r2', T1, [job('a_b', 'a_b', 'succeeded', T1), job('y', 'y', 'succeeded', T1)]);
  const merged = mergeReports([one, two], options);
  assert.ok(merged.ok);
  assert.equal(merged.value.report.jobs.find((j) => j.name === 'a/b')?.status, 'running');
  assert.equal(merged.value.report.status, 'failed');
  assert.match(merged.value.warnings.join('\n'), /art-1\/r1 \(shard 1\) did not finish \(its report says crashed\)/);
});

test('a job missing from its shard report is lost, naming the shard', { timeout: 5_000 }, () => {
  const one = shard(1, 'r1', T1, [job('x', 'x', 'succeeded', T1)]);
  const merged = mergeReports([one], options);
  assert.ok(merged.ok);
  const lost = merged.value.report.jobs.filter((j) => j.status === 'lost');
  assert.deepEqual(lost.map((j) => [j.name, j.shard, j.mergedFrom]), [['a/b', 1, null], ['a_b', 2, null], ['y', 2, null]]);
  assert.match(lost[0]!.message ?? '', /^shard 1 of 2 should have run it; its results are missing \(shard 1's report has no result for it\)$/);
  assert.match(lost[1]!.message ?? '', /^shard 2 of 2 should have run it; its results are missing \(no folder of shard 2 was given\)$/);
  assert.equal(merged.value.report.summary.lost, 3);
  assert.equal(merged.value.report.status, 'failed');
  const required = mergeReports([one], { ...options, requireShards: 2 });
  // Unmet: still a merged report (the missing shard's jobs lost), with the shortfall to fail on.
  assert.ok(required.ok);
  assert.match(required.value.shortfall ?? '', /--require-shards 2: found 1 distinct shard \(1\); missing: 2/);
  assert.equal(required.value.report.status, 'failed');
  assert.equal(merged.value.shortfall, null);
});

test('refused: shards of different plans, a rerun of another plan, a rerun alone', { timeout: 5_000 }, () => {
  const one = shard(1, 'r1', T1, [job('x', 'x', 'succeeded', T1)]);
  const foreign = shard(2, 'r2', T1, [job('y', 'y', 'succeeded', T1)], {}, OTHER);
  const different = mergeReports([one, foreign], options);
  assert.ok(!different.ok);
  assert.ok(different.error.kind === 'usage' && ['art-1/r1', 'art-2/r2', HASH, OTHER].every((part) => different.error.message.includes(part)), different.error.message);
  const rerun: MergeSource = { ...shard(1, 'rr', T2, [job('x', 'x', 'succeeded', T2)], { rerunOf: { planHash: OTHER, runId: 'merged' } }), kind: 'rerun' };
  const wrongRerun = mergeReports([one, rerun], options);
  assert.ok(!wrongRerun.ok && /reran plan b+, not the plan of art-1\/r1/.test(wrongRerun.error.message), wrongRerun.ok ? '' : wrongRerun.error.message);
  const alone = mergeReports([{ ...rerun, report: { ...rerun.report, rerunOf: { planHash: HASH, runId: 'm' } } }], options);
  assert.ok(!alone.ok && /nothing to merge a rerun into/.test(alone.error.message));
});

test('a rerun wins over the shard attempt it follows, and over a lost result', { timeout: 5_000 }, () => {
  const one = shard(1, 'r1', T1, [job('x', 'x', 'failed', T1), job('a/b', 'a_b', 'succeeded', T1)]);
  const rerun: MergeSource = {
    ...shard(1, 'rr', T2, [job('x', 'x', 'succeeded', T2), job('y', 'y', 'succeeded', T2)], { rerunOf: { planHash: HASH, runId: 'merged' } }),
    kind: 'rerun',
  };
  const merged = mergeReports([one, rerun], options);
  assert.ok(merged.ok);
  const byName = new Map(merged.value.report.jobs.map((j) => [j.name, j]));
  assert.equal(byName.get('x')?.mergedFrom, 'rr');
  assert.equal(byName.get('x')?.status, 'succeeded');
  assert.equal(byName.get('x')?.shard, 1);
  assert.equal(byName.get('y')?.mergedFrom, 'rr', 'shard 2 was lost, the rerun ran y');
  assert.equal(byName.get('y')?.shard, 2);
  assert.equal(byName.get('a_b')?.status, 'lost');
  assert.deepEqual(merged.value.report.reruns?.map((r) => r.runId), ['rr']);
});
