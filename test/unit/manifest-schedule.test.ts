import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDiagnostics } from '../../src/manifest/format-diagnostics.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import type { JobSpec } from '../../src/manifest/model.js';

const root = await mkdtemp(path.join(tmpdir(), 'codex-run-manifest-schedule-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function write(lines: string[]): Promise<{ dir: string; file: string }> {
  const dir = path.join(root, `m${++count}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

// The jobs of a manifest that must load.
async function jobs(lines: string[]): Promise<JobSpec[]> {
  const { file } = await write(lines);
  const result = await loadManifest(file, { env: {} });
  if (!result.ok) assert.fail(`expected a valid manifest, got:\n${result.error.diagnostics.map((d) => d.message).join('\n')}`);
  return result.value.jobs;
}

// `jobs.yaml:L:C: message (hint: ...)` for each problem of a manifest that must not load.
async function problems(lines: string[]): Promise<string[]> {
  const { dir, file } = await write(lines);
  const result = await loadManifest(file, { env: {} });
  assert.equal(result.ok, false, 'expected the manifest to be rejected');
  if (result.ok) return [];
  return result.error.diagnostics.map((d) => {
    const where = `${path.relative(dir, d.location.file)}:${d.location.line}:${d.location.col}`;
    return `${where}: ${d.message}${d.hint === undefined ? '' : ` (hint: ${d.hint})`}`;
  });
}

test('a cron string schedules the job with the default policies; jobs without one have schedule null', async () => {
  const [nightly, plain] = await jobs(['version: 1', 'jobs:', '  nightly:', '    prompt: Update dependencies', '    schedule: "0 2 * * 1-5"', '  plain: { prompt: p }']);
  assert.deepEqual(nightly?.schedule, { cron: '0 2 * * 1-5', timezone: null, overlap: 'skip', catchUp: false, jitterMs: 0 });
  assert.equal(plain?.schedule, null);
});

test('the mapping form with a time zone, six fields, and every policy', async () => {
  const [job] = await jobs([
    'version: 1',
    'jobs:',
    '  nightly:',
    '    prompt: p',
    '    schedule: { cron: " 30 0 2 * * * ", timezone: Europe/Berlin }',
    '    overlap: queue',
    '    catchUp: true',
    '    jitter: 5m',
  ]);
  assert.deepEqual(job?.schedule, { cron: '30 0 2 * * *', timezone: 'Europe/Berlin', overlap: 'queue', catchUp: true, jitterMs: 300_000 });
});

test('defaults: a schedule there schedules every job; policies there serve only scheduled jobs; a job’s own value wins', async () => {
  const all = await jobs(['version: 1', 'defaults: { schedule: "0 3 * * *", overlap: replace }', 'jobs:', '  a: { prompt: p }', '  b: { prompt: p, overlap: queue }']);
  assert.deepEqual(
    all.map((job) => [job.name, job.schedule?.cron, job.schedule?.overlap]),
    [
      ['a', '0 3 * * *', 'replace'],
      ['b', '0 3 * * *', 'queue'],
    ],
  );
  const some = await jobs([
    'version: 1',
    'defaults: { jitter: 10m, catchUp: true }',
    'jobs:',
    '  scheduled: { prompt: p, schedule: "0 2 * * *", jitter: 1m }',
    '  manual: { prompt: p }',
  ]);
  assert.deepEqual(some[0]?.schedule, { cron: '0 2 * * *', timezone: null, overlap: 'skip', catchUp: true, jitterMs: 60_000 });
  assert.equal(some[1]?.schedule, null);
});

test('a bad cron is an error at the schedule value, printed with its source line', async () => {
  const { dir, file } = await write(['version: 1', 'jobs:', '  nightly-deps:', '    prompt: Update dependencies', '    # every minute 61?', '', '    schedule: "61 * * * *"']);
  const result = await loadManifest(file, { env: {} });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const text = formatDiagnostics(result.error.diagnostics, result.error.sources, { color: false, cwd: dir });
  assert.equal(
    text,
    [
      'jobs.yaml:7:15: error: invalid cron expression "61 * * * *": Constraint error, got value 61 expected range 0-59',
      '        schedule: "61 * * * *"',
      '                  ^~~~~~~~~~~~',
      '',
      '1 error in jobs.yaml',
      '',
    ].join('\n'),
  );
});

test('problems inside the mapping form point at the part that is wrong', async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'jobs:',
      '  a: { prompt: p, schedule: { cron: "* * *" } }',
      '  b: { prompt: p, schedule: { cron: "0 2 * * *", timezone: Mars/Olympus } }',
      '  c: { prompt: p, schedule: { cron: "0 2 * * *", tz: UTC } }',
      '  d: { prompt: p, schedule: { timezone: UTC } }',
      '  e: { prompt: p, schedule: 42 }',
    ]),
    [
      'jobs.yaml:3:37: invalid cron expression "* * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), found 3',
      'jobs.yaml:4:60: unknown time zone "Mars/Olympus"; expected an IANA name such as "Europe/Berlin" or "UTC"',
      "jobs.yaml:5:50: unknown key 'tz' in 'schedule' of job 'c' (hint: expected one of: cron, timezone)",
      "jobs.yaml:6:19: missing 'cron' in 'schedule' of job 'd'",
      'jobs.yaml:7:29: expected a string or a mapping, found a number 42 (hint: quote it to make it a string: "42")',
    ],
  );
});

test('policy values are checked where they are written', async () => {
  assert.deepEqual(
    await problems([
      'version: 1',
      'jobs:',
      '  a:',
      '    prompt: p',
      '    schedule: "0 2 * * *"',
      '    overlap: sometimes',
      '    catchUp: "yes"',
      '    jitter: 25h',
      '  b: { prompt: p, schedule: "0 2 * * *", jitter: 5 minutes }',
    ]),
    [
      'jobs.yaml:6:14: expected "skip", "queue" or "replace", found a string "sometimes"',
      'jobs.yaml:7:14: expected true or false, found a string "yes"',
      'jobs.yaml:8:13: expected at most 24h, found "25h"',
      'jobs.yaml:9:50: expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, found "5 minutes" (hint: write 5m)',
    ],
  );
});

test('overlap, catchUp and jitter without a schedule are errors at the field', async () => {
  assert.deepEqual(
    await problems(['version: 1', 'jobs:', '  a:', '    prompt: p', '    overlap: queue', '    jitter: 1m', '  b: { prompt: p, catchUp: true }']),
    [
      `jobs.yaml:5:5: 'overlap' only applies to a job with a 'schedule', and job 'a' has none (hint: add a 'schedule' such as "0 2 * * *" to the job (or to 'defaults:'), or remove 'overlap')`,
      `jobs.yaml:6:5: 'jitter' only applies to a job with a 'schedule', and job 'a' has none (hint: add a 'schedule' such as "0 2 * * *" to the job (or to 'defaults:'), or remove 'jitter')`,
      `jobs.yaml:7:19: 'catchUp' only applies to a job with a 'schedule', and job 'b' has none (hint: add a 'schedule' such as "0 2 * * *" to the job (or to 'defaults:'), or remove 'catchUp')`,
    ],
  );
});

test('policies in defaults with no scheduled job at all are an error at the defaults field', async () => {
  assert.deepEqual(await problems(['version: 1', 'defaults:', '  overlap: queue', 'jobs:', '  a: { prompt: p }']), [
    "jobs.yaml:3:3: 'overlap' in 'defaults' only applies to jobs with a 'schedule', and no job has one (hint: add a 'schedule' to the jobs that should run on a timetable, or remove 'overlap')",
  ]);
});

test('a schedule with its own error does not also make its policies orphans', async () => {
  assert.deepEqual(await problems(['version: 1', 'jobs:', '  a: { prompt: p, schedule: "0 25 * * *", overlap: queue }']), [
    'jobs.yaml:3:29: invalid cron expression "0 25 * * *": Constraint error, got value 25 expected range 0-23',
  ]);
});
