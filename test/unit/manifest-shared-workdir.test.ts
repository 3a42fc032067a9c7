import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { Manifest } from '../../src/manifest/model.js';
import { runSchedule } from '../../src/schedule/run-schedule.js';
import { coincidingFires } from '../../src/schedule/shared-workdirs.js';
import { FakeClock } from '../helpers/fake-clock.js';

// Scheduled jobs sharing a workdir (issue 10, item 19): one must not be skipped forever unnoticed.

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-shared-workdir-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;
const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

async function write(lines: string[]): Promise<string> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(path.join(dir, 'w1'), { recursive: true });
  await mkdir(path.join(dir, 'w2'), { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

function job(name: string, workdir: string, cron: string, extra = ''): string[] {
  return [`  ${name}:`, '    agent: command', '    command: [echo]', `    workdir: ${workdir}`, `    schedule: { cron: "${cron}", timezone: UTC }`, ...(extra === '' ? [] : [`    ${extra}`])];
}

async function load(lines: string[]): Promise<Manifest> {
  const result = await loadManifest(await write(lines), { env: {}, now: NOW });
  if (!result.ok) assert.fail(result.error.diagnostics.map((d) => d.message).join('\n'));
  return result.value;
}

const MANIFEST = [
  'version: 1',
  'jobs:',
  ...job('nightly', 'w1', '0 2 * * *'),
  ...job('hourly', 'w1', '0 * * * *'),
  ...job('other-time', 'w1', '30 3 * * *', 'overlap: skip'),
  ...job('elsewhere', 'w2', '0 2 * * *'),
  ...job('alone-skip', 'w2', '15 4 * * *', 'overlap: skip'),
];

test('jobs sharing a workdir default to overlap: queue; an overlap written in the manifest is kept', { timeout: 20_000 }, async () => {
  const manifest = await load(MANIFEST);
  assert.deepEqual(
    Object.fromEntries(manifest.jobs.map((j) => [j.name, j.schedule?.overlap])),
    { nightly: 'queue', hourly: 'queue', 'other-time': 'skip', elsewhere: 'queue', 'alone-skip': 'skip' },
  );
  const single = await load(['version: 1', 'jobs:', ...job('only', 'w1', '0 2 * * *')]);
  assert.equal(single.jobs[0]?.schedule?.overlap, 'skip', 'a job alone in its workdir keeps the skip default');
});

test('validate warns, located at the later job, about jobs that share a workdir and fire together', { timeout: 20_000 }, async () => {
  const manifest = await load(MANIFEST);
  const warnings = manifest.warnings?.diagnostics ?? [];
  assert.deepEqual(
    warnings.map((d) => `${d.severity} ${d.location.line}:${d.location.col}: ${d.message}`),
    [
      `warning 12:5: jobs 'nightly' and 'hourly' share the workdir ${path.join(path.dirname(manifest.file), 'w1')} and fire at the same time (first 2026-01-01T02:00:00.000Z): only one runs there at a time, so one waits for the other each time`,
    ],
  );
  const skipped = await load(['version: 1', 'jobs:', ...job('a', 'w1', '0 2 * * *'), ...job('b', 'w1', '0 2 * * 1', 'overlap: skip')]);
  assert.match(skipped.warnings?.diagnostics[0]?.message ?? '', /first 2026-01-05T02:00:00\.000Z\): only one runs there at a time, so 'b' \(overlap: skip\) is skipped whenever the other holds the workdir$/);
});

test('coincidingFires finds a common fire of a sparse and a dense schedule, and none when they never meet', { timeout: 20_000 }, () => {
  const spec = (cron: string) => ({ cron, timezone: 'UTC', overlap: 'skip' as const });
  const jobs = [
    { job: 'yearly', workdir: '/w', spec: spec('0 5 1 6 *') },
    { job: 'every-minute', workdir: '/w', spec: spec('* * * * *') },
    { job: 'odd-minutes', workdir: '/w', spec: spec('1-59/2 * * * *') },
    { job: 'even-minutes', workdir: '/x', spec: spec('*/2 * * * *') },
  ];
  const found = coincidingFires(jobs, NOW).map((f) => [f.first.job, f.second.job, new Date(f.at).toISOString()]);
  assert.deepEqual(found, [
    ['yearly', 'every-minute', '2026-06-01T05:00:00.000Z'],
    ['every-minute', 'odd-minutes', '2026-01-01T00:01:00.000Z'],
  ]);
  // Ten jobs on one schedule: one line for each job after the first, not one per pair.
  const ten = Array.from({ length: 10 }, (_, i) => ({ job: `j${i}`, workdir: '/w', spec: spec('0 2 * * *') }));
  assert.deepEqual(
    coincidingFires(ten, NOW).map((f) => `${f.first.job}-${f.second.job}`),
    ['j0-j1', 'j0-j2', 'j0-j3', 'j0-j4', 'j0-j5', 'j0-j6', 'j0-j7', 'j0-j8', 'j0-j9'],
  );
});

test('schedule --list ends with the same warning, across manifests too', { timeout: 20_000 }, async () => {
  const file = await write(MANIFEST);
  const outcome = await runSchedule({ manifests: [file], mode: 'list', clock: new FakeClock(NOW), env: {} });
  assert.equal(outcome.kind, 'listed');
  if (outcome.kind !== 'listed') return;
  assert.match(outcome.text, /\nwarning: jobs 'nightly' and 'hourly' share the workdir \S+w1 and fire at the same time \(first 2026-01-01 02:00 \+00:00\): only one runs there at a time, so one waits for the other each time\n$/);
  assert.match(outcome.text, /^nightly .*\n {2}schedule .*\n {2}policy {4}overlap queue,/m);
});
