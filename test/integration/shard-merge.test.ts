import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { repoRoot } from '../helpers/paths.js';
import { runCli, startCli, within, killCli, type CliResult } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { REHEARSAL_HOMES_FILE } from '../../src/rehearsal/rehearse-run.js';

// Sharding over a CI matrix (issue 14): separate codex-run processes each run one shard of the
// same plan into their own folder; `merge` makes one run of them.

const reportSchema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(reportSchema);

interface Job {
  name: string;
  status: string;
  reason: string | null;
  message: string | null;
  logFile: string;
  transcriptFile: string;
  finishedAt: string | null;
  shard?: number;
  mergedFrom?: string | null;
}
interface Report {
  runId: string;
  status: string;
  jobs: Job[];
  shard?: { index: number; total: number; planHash: string; host: string; startedAt: string; finishedAt: string | null; codexVersion: string | null; assignment: Record<string, number>; filter: string[] };
  rerunOf?: { planHash: string | null; runId: string };
  plan?: { hash: string; total: number; assignment: Record<string, number> };
  shards?: Array<{ index: number | null; host: string | null; runId: string; source: string; codexVersion: string | null }>;
  reruns?: Array<{ runId: string }>;
  summary: Record<string, number>;
}

// No shard variables from the environment the tests themselves run in (a GitLab job, say).
const CLEAN = { CODEX_RUN_SHARD: '', CI_NODE_INDEX: '', CI_NODE_TOTAL: '', JOB_COMPLETION_INDEX: '' };

function readReport(runDir: string): Report {
  const report = JSON.parse(readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  assert.ok(validateReport(report), `${runDir}: ${JSON.stringify(validateReport.errors, null, 2)}`);
  return report;
}

/** The only run folder under `out`. */
function runIn(out: string): string {
  const runs = readdirSync(out).filter((n) => !n.startsWith('.') && statSync(path.join(out, n)).isDirectory());
  assert.equal(runs.length, 1, `expected one run folder in ${out}, found ${runs.join(', ')}`);
  return path.join(out, runs[0]!);
}

function fail(result: CliResult, what: string): string {
  return `${what}: exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/**
 * 12 command jobs: j02 and j09 share a shardGroup, j04 and j10 a workdir; j07 fails until the
 * file `fixed` exists. Each prints its name and a few non-text bytes.
 */
function writeManifest(dir: string, extraJob = ''): string {
  mkdirSync(path.join(dir, 'shared'), { recursive: true });
  const lines = ['version: 1', 'defaults:', '  agent: command', 'jobs:'];
  for (let i = 1; i <= 12; i++) {
    const name = `j${String(i).padStart(2, '0')}`;
    const body = name === 'j07' ? `printf 'j07 try\\n'; test -f ${JSON.stringify(path.join(dir, 'fixed'))} || exit 4; echo fixed` : `printf '${name} says \\001\\377 hi\\n'`;
    lines.push(`  ${name}:`, `    command: ${JSON.stringify(body)}`);
    if (name === 'j02' || name === 'j09') lines.push('    shardGroup: db');
    if (name === 'j04' || name === 'j10') lines.push('    workdir: shared');
  }
  if (extraJob !== '') lines.push(extraJob);
  const file = path.join(dir, 'jobs.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs shards 1..3 of the manifest as three processes at once, each into out-<i>. */
async function runShards(dir: string, indexes: number[] = [1, 2, 3]): Promise<Map<number, string>> {
  const started = indexes.map((i) => ({ i, cli: startCli(['jobs.yaml', '--shard', `${i}/3`, '--out', `out-${i}`, '-q'], { cwd: dir, env: CLEAN }) }));
  try {
    const results = await within(Promise.all(started.map((s) => s.cli.result)), 60_000, () => 'the shards did not finish');
    const dirs = new Map<number, string>();
    results.forEach((result, n) => {
      const i = started[n]!.i;
      // Shard 3 holds the failing job j07 (see the plan assertions).
      assert.equal(result.code, i === 3 ? 1 : 0, fail(result, `shard ${i}`));
      dirs.set(i, runIn(path.join(dir, `out-${i}`)));
    });
    return dirs;
  } finally {
    for (const s of started) killCli(s.cli.child);
  }
}

test('three shards run as separate processes, then merge: 12 jobs once each, byte-exact logs, one plan, a failed run', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-shard-');
  writeManifest(dir);

  const planned = await runCli(['plan', 'jobs.yaml', '--shards', '3', '--format', 'json'], { cwd: dir, env: CLEAN });
  assert.equal(planned.code, 0, fail(planned, 'plan'));
  const plan = JSON.parse(planned.stdout) as { planHash: string; total: number; shards: Array<{ index: number; jobs: string[] }> };
  const again = await runCli(['plan', 'jobs.yaml', '--shards', '3', '--format', 'json'], { cwd: dir, env: CLEAN });
  assert.equal(again.stdout, planned.stdout, 'the same plan from another process');
  assert.deepEqual(plan.shards.map((s) => s.jobs.length), [4, 4, 4]);
  const shardOf = (job: string): number => plan.shards.find((s) => s.jobs.includes(job))!.index;
  assert.equal(shardOf('j02'), shardOf('j09'), 'shardGroup kept together');
  assert.equal(shardOf('j04'), shardOf('j10'), 'shared workdir kept together');
  assert.equal(shardOf('j07'), 3);

  const shards = await runShards(dir);
  const reports = new Map([...shards].map(([i, d]) => [i, readReport(d)]));
  for (const [i, report] of reports) {
    assert.equal(report.shard?.index, i);
    assert.equal(report.shard?.total, 3);
    assert.equal(report.shard?.planHash, plan.planHash, `shard ${i} computed the same plan as \`plan\``);
    assert.deepEqual(report.jobs.map((j) => j.name), plan.shards[i - 1]!.jobs, `shard ${i} ran exactly its jobs`);
    const whole: Record<string, number> = {};
    for (const s of plan.shards) for (const j of s.jobs) whole[j] = s.index;
    assert.deepEqual(report.shard?.assignment, whole, 'each shard carries the whole assignment');
    assert.equal(typeof report.shard?.host, 'string');
    assert.equal(report.shard?.codexVersion, null, 'no codex jobs');
    assert.match(readFileSync(path.join(shards.get(i)!, 'report.md'), 'utf8'), new RegExp(`Shard ${i} of 3 of plan \`${plan.planHash.slice(0, 12)}\``), 'the report says it is one shard');
  }

  const merged = path.join(dir, 'merged');
  const result = await runCli(['merge', 'out-1', 'out-2', 'out-3', '--out', 'merged'], { cwd: dir, env: CLEAN });
  assert.equal(result.code, 1, fail(result, 'merge (j07 failed: the merged run failed, exit 1 as a single run)'));
  const report = readReport(merged);
  assert.equal(report.status, 'failed');
  assert.deepEqual(report.jobs.map((j) => j.name), Array.from({ length: 12 }, (_, i) => `j${String(i + 1).padStart(2, '0')}`), 'every job once, in manifest order');
  assert.equal(report.plan?.hash, plan.planHash);
  assert.equal(report.plan?.total, 3);
  assert.deepEqual(report.shards?.map((s) => s.index), [1, 2, 3]);
  assert.deepEqual(report.shards?.map((s) => s.runId), [1, 2, 3].map((i) => reports.get(i)!.runId));
  assert.equal(report.summary['succeeded'], 11);
  assert.equal(report.summary['failed'], 1);
  assert.equal(report.jobs.find((j) => j.name === 'j07')?.status, 'failed');
  for (const job of report.jobs) {
    const i = shardOf(job.name);
    assert.equal(job.shard, i, `${job.name}'s shard`);
    const source = reports.get(i)!.jobs.find((j) => j.name === job.name)!;
    assert.equal(job.mergedFrom, reports.get(i)!.runId);
    for (const [from, to] of [[source.logFile, job.logFile], [source.transcriptFile, job.transcriptFile], [source.logFile.replace(/\.log$/, '.timing'), job.logFile.replace(/\.log$/, '.timing')]] as const) {
      const original = readFileSync(path.join(shards.get(i)!, from));
      const copy = readFileSync(path.join(merged, to));
      assert.ok(original.equals(copy), `${to} is byte-exact`);
      assert.equal(statSync(path.join(merged, to)).mode & 0o777, 0o600, `${to} is private`);
    }
    if (job.name !== 'j07') assert.ok(readFileSync(path.join(merged, job.logFile)).includes(Buffer.from([0x01, 0xff])), `${job.name}'s raw bytes`);
  }
  assert.equal(statSync(merged).mode & 0o777, 0o700);
  const md = readFileSync(path.join(merged, 'report.md'), 'utf8');
  assert.match(md, /12 jobs \(11 succeeded, 1 failed\)/);
  assert.match(md, new RegExp(`Merged from 3 of 3 shards of plan \`${plan.planHash.slice(0, 12)}\` \\(1/3 on `));
  const junit = readFileSync(path.join(merged, 'report.junit.xml'), 'utf8');
  assert.match(junit, /tests="12" failures="1"/);
  assert.match(readFileSync(path.join(merged, 'report.html'), 'utf8'), new RegExp(`merged from 3 of 3 shards of plan ${plan.planHash.slice(0, 12)} \\(1/3 on `), 'the HTML report shows the shards and hosts');
  assert.match(readFileSync(path.join(merged, 'events.jsonl'), 'utf8'), /"job":"j12"/);

  // The merge never overwrites.
  const twice = await runCli(['merge', 'out-1', 'out-2', 'out-3', '--out', 'merged'], { cwd: dir, env: CLEAN });
  assert.equal(twice.code, 2, fail(twice, 'merge into a non-empty folder'));
  assert.match(twice.stderr, /not empty/);

  // --rerun-failed runs j07 only (now fixed); merging it keeps the newer attempt.
  writeFileSync(path.join(dir, 'fixed'), '');
  const rerun = await runCli(['jobs.yaml', '--rerun-failed', 'merged/report.json', '--out', 'rerun', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(rerun.code, 0, fail(rerun, 'rerun'));
  const rerunDir = runIn(path.join(dir, 'rerun'));
  const rerunReport = readReport(rerunDir);
  assert.deepEqual(rerunReport.jobs.map((j) => j.name), ['j07'], 'only the failed job');
  assert.deepEqual(rerunReport.rerunOf, { planHash: plan.planHash, runId: 'merged' });

  // With --shard, the rerun's plan is over the failed jobs only: j07 on shard 1 of 2, shard 2 empty.
  const rerunShard = await runCli(['jobs.yaml', '--rerun-failed', 'merged/report.json', '--shard', '2/2', '--out', 'rerun-shard', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(rerunShard.code, 0, fail(rerunShard, 'an empty rerun shard'));
  const rerunShardReport = readReport(runIn(path.join(dir, 'rerun-shard')));
  assert.deepEqual(rerunShardReport.jobs, []);
  assert.deepEqual(rerunShardReport.shard?.assignment, { j07: 1 });
  assert.deepEqual(rerunShardReport.shard?.filter, ['j07']);
  assert.equal(rerunShardReport.rerunOf?.planHash, plan.planHash);

  const second = await runCli(['merge', 'merged', 'rerun', '--out', 'merged-2'], { cwd: dir, env: CLEAN });
  assert.equal(second.code, 0, fail(second, 'merge of the merged folder and the rerun'));
  const final = readReport(path.join(dir, 'merged-2'));
  assert.equal(final.status, 'succeeded');
  assert.equal(final.jobs.length, 12);
  const j07 = final.jobs.find((j) => j.name === 'j07')!;
  assert.equal(j07.status, 'succeeded');
  assert.equal(j07.mergedFrom, rerunReport.runId);
  assert.equal(j07.shard, 3);
  assert.match(readFileSync(path.join(dir, 'merged-2', j07.logFile), 'utf8'), /fixed/);
  assert.deepEqual(final.reruns?.map((r) => r.runId), [rerunReport.runId]);
  assert.deepEqual(final.shards?.map((s) => s.index), [1, 2, 3], 'the shards of the first merge are still listed');
  assert.equal(final.jobs.find((j) => j.name === 'j01')?.mergedFrom, reports.get(shardOf('j01'))!.runId);

  // The shard folders and the rerun folder merge the same way.
  const third = await runCli(['merge', 'out-1', 'out-2', 'out-3', 'rerun', '--out', 'merged-3'], { cwd: dir, env: CLEAN });
  assert.equal(third.code, 0, fail(third, 'merge of the shards and the rerun'));
  assert.equal(readReport(path.join(dir, 'merged-3')).jobs.find((j) => j.name === 'j07')?.mergedFrom, rerunReport.runId);
});

test('a missing shard makes its jobs lost and the merge fail; --require-shards; a shard of another manifest is refused', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-shard-lost-');
  writeManifest(dir);
  const shards = await runShards(dir, [1, 3]);
  const planned = JSON.parse((await runCli(['plan', 'jobs.yaml', '--shards', '3', '--format', 'json'], { cwd: dir, env: CLEAN })).stdout) as {
    shards: Array<{ index: number; jobs: string[] }>;
  };
  const lostJobs = planned.shards[1]!.jobs;

  // Downloaded artifacts: each shard folder one level down in its own folder.
  const result = await runCli(['merge', '.', '--out', 'merged'], { cwd: path.join(dir), env: CLEAN });
  assert.equal(result.code, 1, fail(result, 'merge with shard 2 missing'));
  const report = readReport(path.join(dir, 'merged'));
  assert.equal(report.status, 'failed');
  assert.equal(report.jobs.length, 12);
  assert.deepEqual(report.jobs.filter((j) => j.status === 'lost').map((j) => j.name), lostJobs);
  assert.equal(report.summary['lost'], lostJobs.length);
  const lost = report.jobs.find((j) => j.status === 'lost')!;
  assert.equal(lost.reason, 'shard-lost');
  assert.match(lost.message ?? '', /^shard 2 of 3 should have run it; its results are missing/);
  assert.match(readFileSync(path.join(dir, 'merged', 'report.md'), 'utf8'), /Shard 2 of 3 should have run it; its results are missing/);
  assert.match(readFileSync(path.join(dir, 'merged', 'report.junit.xml'), 'utf8'), new RegExp(`name="${lostJobs[0]}"[^>]*>\\s*<failure`));
  assert.match(result.stdout, /lost/);

  // --require-shards unmet: the merged folder is still written (CI's summary and JUnit steps need it), exit 1.
  const required = await runCli(['merge', 'out-1', 'out-3', '--out', 'merged-required', '--require-shards', '3'], { cwd: dir, env: CLEAN });
  assert.equal(required.code, 1, fail(required, '--require-shards 3 with two shards'));
  assert.match(required.stderr, /error: --require-shards 3: found 2 distinct shards \(1, 3\); missing: 2/);
  const requiredReport = readReport(path.join(dir, 'merged-required'));
  assert.equal(requiredReport.status, 'failed');
  assert.deepEqual(requiredReport.jobs.filter((j) => j.status === 'lost').map((j) => j.name), lostJobs);
  assert.match(readFileSync(path.join(dir, 'merged-required', 'report.junit.xml'), 'utf8'), /tests="12"/);
  assert.match(readFileSync(path.join(dir, 'merged-required', 'report.md'), 'utf8'), /missing: 2/);
  // Reruns that cover every job of the missing shard count as that shard.
  writeFileSync(path.join(dir, 'fixed'), '');
  for (const i of [1, 2]) {
    const rr = await runCli(['jobs.yaml', '--rerun-failed', 'merged/report.json', '--shard', `${i}/2`, '--out', `rr-${i}`, '-q'], { cwd: dir, env: CLEAN });
    assert.equal(rr.code, 0, fail(rr, `rerun shard ${i}`));
  }
  const covered = await runCli(['merge', 'out-1', 'out-3', 'rr-1', 'rr-2', '--out', 'merged-covered', '--require-shards', '3'], { cwd: dir, env: CLEAN });
  assert.equal(covered.code, 0, fail(covered, '--require-shards 3 with shard 2 covered by reruns'));
  assert.equal(readReport(path.join(dir, 'merged-covered')).summary['succeeded'], 12);

  // A shard of another manifest (one more job: another plan).
  const other = tempDir('codex-run-shard-other-');
  writeManifest(other, '  j13:\n    command: [echo, thirteen]');
  const foreign = await runCli(['jobs.yaml', '--shard', '2/3', '--out', path.join(dir, 'out-2'), '-q'], { cwd: other, env: CLEAN });
  assert.equal(foreign.code, 0, fail(foreign, 'shard 2 of the other manifest'));
  const foreignReport = readReport(runIn(path.join(dir, 'out-2')));
  const refused = await runCli(['merge', 'out-1', 'out-2', 'out-3', '--out', 'merged-foreign'], { cwd: dir, env: CLEAN });
  assert.equal(refused.code, 2, fail(refused, 'merge of shards of different plans'));
  assert.match(refused.stderr, /shards of different plans/);
  assert.ok(refused.stderr.includes(foreignReport.shard!.planHash), 'names the other plan');
  assert.ok(refused.stderr.includes(readReport(shards.get(1)!).shard!.planHash), 'and this one');
  assert.match(refused.stderr, /out-1\/.*out-2\//s, 'names both folders');

  const badCount = await runCli(['merge', 'out-1', '--out', 'merged-bad', '--require-shards', 'abc'], { cwd: dir, env: CLEAN });
  assert.equal(badCount.code, 2, fail(badCount, '--require-shards abc'));
  assert.match(badCount.stderr, /--require-shards expects a whole number/);

  const notARun = await runCli(['merge', 'shared', '--out', 'merged-none'], { cwd: dir, env: CLEAN });
  assert.equal(notARun.code, 2, fail(notARun, 'merge of a folder without report.json'));
  assert.match(notARun.stderr, /shared: no report\.json/);
});

test('--shard auto reads CODEX_RUN_SHARD, GitLab and Kubernetes variables; bad shards are usage errors; an empty shard is a run', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-shard-env-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\ndefaults:\n  agent: command\njobs:\n  a: { command: [echo, a] }\n  b: { command: [echo, b] }\n  c: { command: [echo, c] }\n');
  const cases: Array<{ env: Record<string, string>; args: string[]; index: number; jobs: string[] }> = [
    { env: { CODEX_RUN_SHARD: '2/3' }, args: [], index: 2, jobs: ['b'] },
    { env: { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '3' }, args: [], index: 3, jobs: ['c'] },
    { env: { JOB_COMPLETION_INDEX: '0' }, args: ['--shards', '3'], index: 1, jobs: ['a'] },
  ];
  for (const [n, c] of cases.entries()) {
    const result = await runCli(['jobs.yaml', '--shard', 'auto', ...c.args, '--out', `out-${n}`], { cwd: dir, env: { ...CLEAN, ...c.env } });
    assert.equal(result.code, 0, fail(result, JSON.stringify(c.env)));
    const report = readReport(runIn(path.join(dir, `out-${n}`)));
    assert.ok(result.stdout.includes(`started: 1 job (shard ${c.index}/3 of plan ${report.shard?.planHash.slice(0, 12)})`), result.stdout);
    assert.equal(report.shard?.index, c.index, JSON.stringify(c.env));
    assert.equal(report.shard?.total, 3);
    assert.deepEqual(report.jobs.map((j) => j.name), c.jobs);
  }

  const tooFar = await runCli(['jobs.yaml', '--shard', '6/5'], { cwd: dir, env: CLEAN });
  assert.equal(tooFar.code, 2, fail(tooFar, '--shard 6/5'));
  assert.match(tooFar.stderr, /shard 6 of 5 does not exist/);
  assert.doesNotMatch(tooFar.stderr, /\n\s+at /, 'no stack trace');
  const nothing = await runCli(['jobs.yaml', '--shard', 'auto'], { cwd: dir, env: CLEAN });
  assert.equal(nothing.code, 2, fail(nothing, '--shard auto without variables'));
  assert.match(nothing.stderr, /looked at CODEX_RUN_SHARD.*CI_NODE_INDEX\/CI_NODE_TOTAL.*JOB_COMPLETION_INDEX/);
  const k8sWithout = await runCli(['jobs.yaml', '--shard', 'auto'], { cwd: dir, env: { ...CLEAN, JOB_COMPLETION_INDEX: '1' } });
  assert.equal(k8sWithout.code, 2, fail(k8sWithout, 'JOB_COMPLETION_INDEX without --shards'));
  assert.match(k8sWithout.stderr, /--shards N/);

  // More shards than jobs: shard 5 of 5 is empty, and still a run with a report.
  const empty = await runCli(['jobs.yaml', '--shard', '5/5', '--out', 'out-empty', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(empty.code, 0, fail(empty, 'an empty shard'));
  const report = readReport(runIn(path.join(dir, 'out-empty')));
  assert.deepEqual(report.jobs, []);
  assert.equal(report.status, 'succeeded');
  assert.equal(report.shard?.index, 5);
  assert.deepEqual(Object.keys(report.shard?.assignment ?? {}), ['a', 'b', 'c']);

  // The matrix GitHub Actions reads: one line, every shard.
  const matrix = await runCli(['plan', 'jobs.yaml', '--shards', '5', '--format', 'github-matrix'], { cwd: dir, env: CLEAN });
  assert.equal(matrix.code, 0, fail(matrix, 'plan --format github-matrix'));
  assert.equal(matrix.stdout.trim().split('\n').length, 1);
  const include = (JSON.parse(matrix.stdout) as { include: Array<{ shard: string; jobs: number }> }).include;
  assert.deepEqual(include.map((e) => e.shard), ['1/5', '2/5', '3/5', '4/5', '5/5']);
  assert.deepEqual(include.map((e) => e.jobs), [1, 1, 1, 0, 0]);
  // GitHub runs at most 256 jobs from one matrix.
  const tooWide = await runCli(['plan', 'jobs.yaml', '--shards', '257', '--format', 'github-matrix'], { cwd: dir, env: CLEAN });
  assert.equal(tooWide.code, 2, fail(tooWide, 'plan --shards 257 --format github-matrix'));
  assert.match(tooWide.stderr, /at most 256/);
  assert.equal(tooWide.stdout, '');

  // Without shard options a run has no shard in its report.
  const plain = await runCli(['jobs.yaml', '--out', 'out-plain', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(plain.code, 0, fail(plain, 'a plain run'));
  const plainReport = readReport(runIn(path.join(dir, 'out-plain')));
  assert.equal(plainReport.shard, undefined);
  assert.equal(plainReport.jobs.length, 3);

  // --timings: the run computes the same timed plan as `plan --timings`.
  const timingsFile = path.join(runIn(path.join(dir, 'out-plain')), 'report.json');
  const timedPlan = await runCli(['plan', 'jobs.yaml', '--shards', '2', '--timings', timingsFile, '--format', 'json'], { cwd: dir, env: CLEAN });
  assert.equal(timedPlan.code, 0, fail(timedPlan, 'plan --timings'));
  const timed = JSON.parse(timedPlan.stdout) as { planHash: string; shards: Array<{ jobs: string[]; estimatedMs?: number }> };
  assert.equal(typeof timed.shards[0]?.estimatedMs, 'number');
  const timedRun = await runCli(['jobs.yaml', '--shard', '1/2', '--timings', timingsFile, '--out', 'out-timed', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(timedRun.code, 0, fail(timedRun, 'run --timings'));
  const timedReport = readReport(runIn(path.join(dir, 'out-timed')));
  assert.equal(timedReport.shard?.planHash, timed.planHash);
  assert.deepEqual(timedReport.jobs.map((j) => j.name), timed.shards[0]!.jobs);
});

test('jobs whose file names collide only across shards keep their own files in the merged folder', { timeout: 60_000 }, async () => {
  const dir = tempDir('codex-run-shard-names-');
  // 'a/b' and 'a_b' are both `a_b` in their own shard's folder.
  writeFileSync(path.join(dir, 'jobs.yaml'), "version: 1\ndefaults:\n  agent: command\njobs:\n  'a/b': { command: [echo, slash] }\n  a_b: { command: [echo, underscore] }\n");
  for (const i of [1, 2]) {
    const result = await runCli(['jobs.yaml', '--shard', `${i}/2`, '--out', `out-${i}`, '-q'], { cwd: dir, env: CLEAN });
    assert.equal(result.code, 0, fail(result, `shard ${i}`));
    assert.deepEqual(readReport(runIn(path.join(dir, `out-${i}`))).jobs.map((j) => j.logFile), ['a_b.log']);
  }
  const merged = await runCli(['merge', 'out-1', 'out-2', '--out', 'merged'], { cwd: dir, env: CLEAN });
  assert.equal(merged.code, 0, fail(merged, 'merge'));
  const report = readReport(path.join(dir, 'merged'));
  assert.deepEqual(report.jobs.map((j) => [j.name, j.logFile]), [['a/b', 'a_b.log'], ['a_b', 'a_b-2.log']]);
  assert.match(readFileSync(path.join(dir, 'merged', 'a_b.log'), 'utf8'), /slash/);
  assert.match(readFileSync(path.join(dir, 'merged', 'a_b-2.log'), 'utf8'), /underscore/);
  assert.match(readFileSync(path.join(dir, 'merged', 'a_b-2.txt'), 'utf8'), /underscore/);
});

test('rehearsed codex shards: the merged folder keeps each job session home, and resume continues it with its history', { timeout: 120_000 }, async () => {
  const dir = tempDir('codex-run-shard-codex-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  c1: { prompt: "first task one", codex: { sandbox: workspace-write } }\n  c2: { prompt: "second task two", codex: { sandbox: workspace-write } }\n');
  const env = { ...CLEAN, HOME: dir };
  for (const i of [1, 2]) {
    const result = await runCli(['jobs.yaml', '--rehearse', '--shard', `${i}/2`, '--out', `out-${i}`, '-q'], { cwd: dir, env, deadlineMs: 60_000 });
    assert.equal(result.code, 0, fail(result, `rehearsed shard ${i}`));
    assert.match(readReport(runIn(path.join(dir, `out-${i}`))).shard?.codexVersion ?? '', /^[0-9]+\.[0-9]+/);
  }
  mkdirSync(path.join(dir, 'runs'));
  const merged = await runCli(['merge', 'out-1', 'out-2', '--out', path.join('runs', 'merged')], { cwd: dir, env });
  assert.equal(merged.code, 0, fail(merged, 'merge'));
  const report = readReport(path.join(dir, 'runs', 'merged'));
  assert.ok(report.shards?.every((s) => s.codexVersion !== null));
  const homes = JSON.parse(readFileSync(path.join(dir, 'runs', 'merged', REHEARSAL_HOMES_FILE), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(homes).sort(), ['c1', 'c2']);
  for (const home of Object.values(homes)) {
    assert.equal(path.dirname(path.resolve(dir, 'runs', 'merged', home)), path.join(dir, 'runs', 'merged'), 'each home is inside the merged folder');
  }
  const requests = JSON.parse(readFileSync(path.join(dir, 'runs', 'merged', 'rehearsal.json'), 'utf8')) as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(requests).sort(), ['c1', 'c2']);

  const resumed = await runCli(['resume', 'merged/c2', '--out', 'runs', '-q'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(resumed.code, 0, fail(resumed, 'resume from the merged folder'));
  const runs = readdirSync(path.join(dir, 'runs')).filter((n) => n !== 'merged' && !n.startsWith('.'));
  assert.equal(runs.length, 1);
  const again = readReport(path.join(dir, 'runs', runs[0]!)) as Report & { resumedFrom?: { runId: string; job: string; sessionId: string } };
  const c2 = report.jobs.find((j) => j.name === 'c2') as Job & { sessionId: string };
  assert.deepEqual(again.resumedFrom, { runId: 'merged', job: 'c2', sessionId: c2.sessionId });
  const log = JSON.parse(readFileSync(path.join(dir, 'runs', runs[0]!, 'rehearsal.json'), 'utf8')) as Record<string, Array<{ userMessages: string[] }>>;
  assert.ok(log['c2']?.some((r) => r.userMessages.includes('second task two')), 'the resumed session carried its first prompt');
});

test('a failed merge leaves no --out behind, and a retry works', { timeout: 60_000 }, async () => {
  const dir = tempDir('codex-run-shard-atomic-');
  writeFileSync(path.join(dir, 'jobs.yaml'), "version: 1\ndefaults:\n  agent: command\njobs:\n  'a/b': { command: [echo, slash] }\n  a_b: { command: [echo, underscore] }\n");
  for (const i of [1, 2]) {
    const result = await runCli(['jobs.yaml', '--shard', `${i}/2`, '--out', `out-${i}`, '-q'], { cwd: dir, env: CLEAN });
    assert.equal(result.code, 0, fail(result, `shard ${i}`));
  }
  // Shard 2's a_b becomes a_b-2 in the merged folder: this file's merged name is too long to create.
  const long = path.join(runIn(path.join(dir, 'out-2')), `a_b.${'x'.repeat(250)}`);
  writeFileSync(long, 'x');
  const failed = await runCli(['merge', 'out-1', 'out-2', '--out', 'merged'], { cwd: dir, env: CLEAN });
  assert.equal(failed.code, 1, fail(failed, 'a merge that cannot copy a file'));
  assert.match(failed.stderr, /cannot copy/);
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('merged')), [], 'no merged folder, no temporary folder left');
  rmSync(long);
  const retried = await runCli(['merge', 'out-1', 'out-2', '--out', 'merged'], { cwd: dir, env: CLEAN });
  assert.equal(retried.code, 0, fail(retried, 'the retry'));
  assert.equal(readReport(path.join(dir, 'merged')).jobs.length, 2);
  assert.equal(statSync(path.join(dir, 'merged')).mode & 0o777, 0o700);
});

test('a merged folder holding a rehearsed job merges again: with a rerun, alone, and in the Kubernetes results layout', { timeout: 150_000 }, async () => {
  const dir = tempDir('codex-run-shard-remerge-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\njobs:\n  c1: { prompt: "first task one", codex: { sandbox: workspace-write } }\n  c2: { prompt: "second task two", codex: { sandbox: workspace-write } }\n');
  const env = { ...CLEAN, HOME: dir };
  mkdirSync(path.join(dir, 'results'));
  const shard = await runCli(['jobs.yaml', '--rehearse', '--shard', '1/2', '--out', path.join('results', 'shard-0'), '-q'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(shard.code, 0, fail(shard, 'rehearsed shard 1'));
  // Shard 2 is missing: c2 is lost, and rerun (rehearsed).
  const merged = await runCli(['merge', 'results', '--out', 'results/merged'], { cwd: dir, env });
  assert.equal(merged.code, 1, fail(merged, 'merge with shard 2 missing'));
  const rerun = await runCli(['jobs.yaml', '--rerun-failed', 'results/merged/report.json', '--rehearse', '--out', 'rerun', '-q'], { cwd: dir, env, deadlineMs: 60_000 });
  assert.equal(rerun.code, 0, fail(rerun, 'rehearsed rerun'));
  const checkHomes = (runDir: string): void => {
    const homes = JSON.parse(readFileSync(path.join(runDir, REHEARSAL_HOMES_FILE), 'utf8')) as Record<string, string>;
    for (const home of Object.values(homes)) {
      assert.ok(!path.isAbsolute(home), `${home} is relative to the run folder`);
      assert.ok(statSync(path.join(runDir, home, 'sessions')).isDirectory(), `${runDir}: ${home} has its sessions`);
    }
  };
  const second = await runCli(['merge', 'results/merged', 'rerun', '--out', 'merged-2'], { cwd: dir, env });
  assert.equal(second.code, 0, fail(second, 'merge of a merged folder with a rehearsed job and a rerun'));
  assert.equal(readReport(path.join(dir, 'merged-2')).summary['succeeded'], 2);
  checkHomes(path.join(dir, 'merged-2'));
  const alone = await runCli(['merge', 'merged-2', '--out', 'merged-3'], { cwd: dir, env });
  assert.equal(alone.code, 0, fail(alone, 'merge of a merged folder alone'));
  checkHomes(path.join(dir, 'merged-3'));
  // The Kubernetes merge Job run again: its --out is there, so it refuses clearly; a new --out skips nothing it needs.
  const again = await runCli(['merge', 'results', '--out', 'results/merged'], { cwd: dir, env });
  assert.equal(again.code, 2, fail(again, 'merge into the earlier merged folder'));
  assert.match(again.stderr, /results\/merged is not empty \(an earlier merge is there\)/);
  const beside = await runCli(['merge', 'results', '--out', 'results/merged-2'], { cwd: dir, env });
  assert.equal(beside.code, 1, fail(beside, 'merge of the shard and the earlier merge (c2 still lost)'));
  checkHomes(path.join(dir, 'results', 'merged-2'));
});

test('plan needs the names of manifest variables, not their values: the same hash as a shard that has them', { timeout: 60_000 }, async () => {
  const dir = tempDir('codex-run-shard-vars-');
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\ndefaults:\n  agent: command\njobs:\n  a: { command: [echo, a], env: { TOKEN: "${CODEX_RUN_TEST_TOKEN}" } }\n  b: { command: [echo, b] }\n');
  const planned = await runCli(['plan', 'jobs.yaml', '--shards', '2', '--format', 'json'], { cwd: dir, env: CLEAN });
  assert.equal(planned.code, 0, fail(planned, 'plan without the variable set'));
  const plan = JSON.parse(planned.stdout) as { planHash: string };
  const shard = await runCli(['jobs.yaml', '--shard', '1/2', '--out', 'out-1', '-q'], { cwd: dir, env: { ...CLEAN, CODEX_RUN_TEST_TOKEN: 's3cret-value' } });
  assert.equal(shard.code, 0, fail(shard, 'shard 1 with the variable set'));
  assert.equal(readReport(runIn(path.join(dir, 'out-1'))).shard?.planHash, plan.planHash);
  // A shard still needs the value.
  const without = await runCli(['jobs.yaml', '--shard', '1/2', '--out', 'out-x', '-q'], { cwd: dir, env: CLEAN });
  assert.equal(without.code, 2, fail(without, 'a shard without the variable'));
  assert.match(without.stderr, /CODEX_RUN_TEST_TOKEN is not set/);
  // A variable in what the plan hashes (a workdir) is still needed by plan, with a located error.
  writeFileSync(path.join(dir, 'jobs.yaml'), 'version: 1\ndefaults:\n  agent: command\njobs:\n  a: { command: [echo, a], workdir: "${CODEX_RUN_TEST_DIR}" }\n');
  const workdir = await runCli(['plan', 'jobs.yaml', '--shards', '2'], { cwd: dir, env: CLEAN });
  assert.equal(workdir.code, 2, fail(workdir, 'plan with an unset variable in a workdir'));
  assert.match(workdir.stderr, /jobs\.yaml:\d+:\d+/);
  assert.match(workdir.stderr, /CODEX_RUN_TEST_DIR/);
  assert.doesNotMatch(workdir.stderr, /\n\s+at /);
});
