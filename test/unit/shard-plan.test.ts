import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Manifest } from '../../src/manifest/model.js';
import { planShards, type ShardPlan } from '../../src/shard/plan.js';
import { githubMatrix, planJson } from '../../src/shard/plan-output.js';
import { parseShardSpec, resolveShard } from '../../src/shard/shard-spec.js';
import { codexVersionOf } from '../../src/shard/shard-stamp.js';

// The shard plan (issue 14): deterministic, balanced, groups kept together, timings honoured.

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-shard-plan-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function load(body: string[], dir = path.join(root, `m${++count}`)): Promise<Manifest> {
  await mkdir(path.join(dir, 'w1'), { recursive: true });
  await mkdir(path.join(dir, 'w2'), { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${body.join('\n')}\n`);
  const result = await loadManifest(file, { env: {} });
  if (!result.ok) assert.fail(result.error.diagnostics.map((d) => d.message).join('\n'));
  return result.value;
}

function jobs(n: number, extra: Record<string, string> = {}): string[] {
  const out = ['version: 1', 'defaults:', '  agent: command', 'jobs:'];
  for (let i = 1; i <= n; i++) {
    const name = `j${String(i).padStart(2, '0')}`;
    out.push(`  ${name}:`, `    command: [echo, ${name}]`, ...(extra[name] === undefined ? [] : [`    ${extra[name]}`]));
  }
  return out;
}

function plan(manifest: Manifest, total: number, timings: Map<string, number> | null = null, filter: string[] = []): ShardPlan {
  const selected = filter.length === 0 ? manifest.jobs : manifest.jobs.filter((j) => filter.includes(j.name));
  return planShards({ manifestDir: manifest.dir, jobs: selected, filter, total, timings });
}

test('without timings, jobs are spread round the shards in manifest order, counts differing by at most one', { timeout: 10_000 }, async () => {
  const manifest = await load(jobs(10));
  const p = plan(manifest, 3);
  assert.deepEqual(
    p.shards.map((s) => s.jobs),
    [
      ['j01', 'j04', 'j07', 'j10'],
      ['j02', 'j05', 'j08'],
      ['j03', 'j06', 'j09'],
    ],
  );
  assert.equal(p.assignment['j05'], 2);
  assert.deepEqual(Object.keys(p.assignment), manifest.jobs.map((j) => j.name), 'assignment in manifest order');
  assert.equal(p.estimates, null);
  assert.match(p.hash, /^[0-9a-f]{64}$/);
});

test('more shards than jobs: the extra shards are empty, and the matrix still lists them', { timeout: 10_000 }, async () => {
  const manifest = await load(jobs(2));
  const p = plan(manifest, 4);
  assert.deepEqual(p.shards.map((s) => s.jobs.length), [1, 1, 0, 0]);
  const matrix = JSON.parse(githubMatrix(p)) as { include: Array<{ shard: string; index: number; total: number; jobs: number }> };
  assert.deepEqual(matrix.include, [
    { shard: '1/4', index: 1, total: 4, jobs: 1 },
    { shard: '2/4', index: 2, total: 4, jobs: 1 },
    { shard: '3/4', index: 3, total: 4, jobs: 0 },
    { shard: '4/4', index: 4, total: 4, jobs: 0 },
  ]);
  assert.equal(githubMatrix(p).split('\n').length, 2, 'one line and its newline');
});

test('jobs with the same shardGroup, or the same workdir without worktree isolation, share a shard', { timeout: 10_000 }, async () => {
  const manifest = await load(
    jobs(8, { j02: 'shardGroup: db', j07: 'shardGroup: db', j03: 'workdir: w1', j08: 'workdir: w1', j04: 'workdir: w2' }),
  );
  const p = plan(manifest, 4);
  assert.equal(p.assignment['j02'], p.assignment['j07'], 'shardGroup');
  assert.equal(p.assignment['j03'], p.assignment['j08'], 'shared workdir');
  // The manifest's own folder (the default workdir) does not tie jobs together.
  assert.equal(new Set(Object.values(p.assignment)).size, 4);
  for (let n = 2; n <= 6; n++) {
    const q = plan(manifest, n);
    assert.equal(q.assignment['j02'], q.assignment['j07'], `${n} shards`);
    assert.equal(q.assignment['j03'], q.assignment['j08'], `${n} shards`);
  }
});

test('a group split by nothing but the shard count: groups count their jobs when balancing', { timeout: 10_000 }, async () => {
  const manifest = await load(jobs(4, { j01: 'shardGroup: g', j02: 'shardGroup: g', j03: 'shardGroup: g' }));
  const p = plan(manifest, 2);
  assert.deepEqual(p.shards.map((s) => s.jobs), [['j01', 'j02', 'j03'], ['j04']]);
});

test('with timings, the longest jobs go first onto the least-loaded shard; unknown jobs count as the median', { timeout: 10_000 }, async () => {
  const manifest = await load(jobs(5));
  const timings = new Map([
    ['j01', 1000],
    ['j02', 1000],
    ['j03', 1000],
    ['j04', 9000],
  ]);
  const p = plan(manifest, 2, timings);
  // j04 (9s) alone on shard 1; the others (1s each, j05 unknown -> median 1s) on shard 2.
  assert.deepEqual(p.shards.map((s) => s.jobs), [['j04'], ['j01', 'j02', 'j03', 'j05']]);
  assert.deepEqual(p.shards.map((s) => s.estimatedMs), [9000, 4000]);
  assert.equal(p.estimates?.['j05'], 1000);
  const balanced = plan(manifest, 2);
  assert.notDeepEqual(balanced.assignment, p.assignment, 'timings change the assignment');
  assert.notEqual(balanced.hash, p.hash, 'and the hash');
  assert.equal(planJson(p).shards[0]?.estimatedMs, 9000);
  assert.equal(planJson(balanced).shards[0]?.estimatedMs, undefined);
});

test('the plan is a pure function of the manifest content: same plan and hash from another folder and load', { timeout: 10_000 }, async () => {
  const body = jobs(9, { j02: 'shardGroup: db', j05: 'shardGroup: db', j03: 'workdir: w1', j06: 'workdir: w1' });
  const a = await load(body, path.join(root, 'machine-a', 'checkout'));
  const b = await load(body, path.join(root, 'elsewhere', 'machine-b'));
  const pa = plan(a, 3);
  const pb = plan(b, 3);
  assert.deepEqual(pa, pb);
  assert.deepEqual(plan(a, 3), pa, 'again in the same process');
});

test('the hash changes with the manifest, N and the filter, and not with anything else', { timeout: 10_000 }, async () => {
  const base = plan(await load(jobs(4)), 2);
  const renamedCommand = await load(jobs(4).map((l) => l.replace('[echo, j03]', '[echo, changed]')));
  assert.notEqual(plan(renamedCommand, 2).hash, base.hash, 'a command changed');
  const moreJobs = await load(jobs(5));
  assert.notEqual(plan(moreJobs, 2).hash, base.hash, 'a job added');
  const grouped = await load(jobs(4, { j04: 'shardGroup: g' }));
  assert.notEqual(plan(grouped, 2).hash, base.hash, 'a shard group');
  const same = await load(jobs(4));
  assert.notEqual(plan(same, 3).hash, base.hash, 'N');
  assert.notEqual(plan(same, 2, null, ['j01', 'j02']).hash, base.hash, 'the filter');
  assert.equal(plan(same, 2).hash, base.hash, 'the same content');
  const envValue = await load([...jobs(4).slice(0, 3), '  env: { TOKEN: one }', ...jobs(4).slice(3)]);
  const envOther = await load([...jobs(4).slice(0, 3), '  env: { TOKEN: two }', ...jobs(4).slice(3)]);
  assert.equal(plan(envValue, 2).hash, plan(envOther, 2).hash, 'variable values (machine- or secret-dependent) do not count, only their names');
});

test('shardGroup is checked like every job field, with a location', { timeout: 10_000 }, async () => {
  const dir = path.join(root, 'bad-group');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, 'version: 1\njobs:\n  a:\n    agent: command\n    command: [echo]\n    shardGroup: 3\n');
  const result = await loadManifest(file, { env: {} });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const diagnostic = result.error.diagnostics.find((d) => d.location.line === 6);
  assert.ok(diagnostic !== undefined, JSON.stringify(result.error.diagnostics));
  assert.match(diagnostic.message, /shardGroup|string/);
});

test('--shard I/N and auto from CODEX_RUN_SHARD, GitLab and Kubernetes variables', { timeout: 10_000 }, () => {
  assert.deepEqual(parseShardSpec('2/5'), { ok: true, value: { index: 2, total: 5 } });
  for (const bad of ['6/5', '0/5', '1/0', 'x', '2', '1/2/3']) assert.equal(parseShardSpec(bad).ok, false, bad);
  assert.deepEqual(resolveShard('auto', null, { CODEX_RUN_SHARD: '3/4' }), { ok: true, value: { index: 3, total: 4 } });
  assert.deepEqual(resolveShard('auto', null, { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '5' }), { ok: true, value: { index: 1, total: 5 } });
  assert.deepEqual(resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '0' }), { ok: true, value: { index: 1, total: 5 } }, 'Kubernetes counts from 0');
  assert.deepEqual(resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '4' }), { ok: true, value: { index: 5, total: 5 } });
  const outOfRange = resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '5' });
  assert.equal(outOfRange.ok, false);
  const noShards = resolveShard('auto', null, { JOB_COMPLETION_INDEX: '1' });
  assert.ok(!noShards.ok && /--shards/.test(noShards.error));
  const nothing = resolveShard('auto', null, {});
  assert.ok(!nothing.ok && /CODEX_RUN_SHARD/.test(nothing.error) && /CI_NODE_INDEX/.test(nothing.error) && /JOB_COMPLETION_INDEX/.test(nothing.error));
  const half = resolveShard('auto', null, { CI_NODE_INDEX: '2' });
  assert.ok(!half.ok && /CI_NODE_TOTAL/.test(half.error));
  const disagree = resolveShard('2/5', 4, {});
  assert.ok(!disagree.ok && /disagrees/.test(disagree.error));
});

test('the codex version of a shard is read from the installed package, without running codex; null without codex jobs', { timeout: 10_000 }, async () => {
  const codex = await load(['version: 1', 'jobs:', '  c: { prompt: hi }']);
  assert.match(codexVersionOf(codex.jobs, process.env) ?? '', /^[0-9]+\.[0-9]+\.[0-9]+/);
  const commands = await load(jobs(2));
  assert.equal(codexVersionOf(commands.jobs, process.env), null);
});
