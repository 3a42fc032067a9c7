import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadReportInput, loadReportInputFor, readTail } from '../../src/report/load-report-input.js';
import { jobSucceeded } from '../../src/report/failure-explanation.js';
import type { ReportRun } from '../../src/report/report-input.js';
import { REPORT_FIXTURE } from '../helpers/report-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';

test('loadReportInput reads report.json, job-state lines (a torn line skipped), transcripts, and patches inside the run folder only', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const outside = path.join(tempDir(), 'secret.patch');
  writeFileSync(outside, 'not for the report');
  const jobs = REPORT_FIXTURE.report.jobs.map((j, i) => (i === 1 ? { ...j, changes: { patchFile: outside } } : j));
  const report: ReportRun = { ...REPORT_FIXTURE.report, runDir: dir, jobs };
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report));
  writeFileSync(path.join(dir, 'fix-tests.txt'), 'line one\nline two\n');
  writeFileSync(path.join(dir, 'fix-tests.patch'), '+added\n');
  writeFileSync(
    path.join(dir, 'events.jsonl'),
    [
      '{"type":"job-state","at":"2026-11-23T21:37:19.000Z","job":"deploy","phase":"running","detail":"waiting for input"}',
      '{"type":"job-activity","at":"2026-11-23T21:37:19.500Z","job":"deploy","line":"x"}',
      '{"type":"job-state","at":"2026-11-23T21:37:49.000Z","job":"deploy","pha',
    ].join('\n'),
  );
  const loaded = await loadReportInput(dir);
  assert.ok(loaded.ok);
  assert.equal(loaded.value.report.runId, REPORT_FIXTURE.report.runId);
  assert.deepEqual(loaded.value.transcripts, { 'fix-tests': 'line one\nline two\n' });
  assert.deepEqual(loaded.value.states, [{ at: '2026-11-23T21:37:19.000Z', job: 'deploy', phase: 'running', detail: 'waiting for input' }]);
  assert.deepEqual(loaded.value.patches, { 'fix-tests': '+added\n' });

  const missing = await loadReportInput(path.join(dir, 'nope'));
  assert.ok(!missing.ok);
  assert.match(missing.error, /cannot read .*report\.json/);
  writeFileSync(path.join(dir, 'report.json'), '{"jobs": [');
  const broken = await loadReportInput(dir);
  assert.ok(!broken.ok);
  assert.match(broken.error, /report\.json is not valid JSON/);
});

test('readTail starts at a whole line when it cuts', { timeout: 10_000 }, async () => {
  const file = path.join(tempDir(), 't.txt');
  writeFileSync(file, 'first line\nsecond line\nthird\n');
  assert.equal(await readTail(file, 15), 'third\n');
  assert.equal(await readTail(file, 1000), 'first line\nsecond line\nthird\n');
  assert.equal(await readTail(path.join(file, 'missing'), 10), null);
});

test('loadReportInputFor reads the transcripts and patches of the jobs asked for only (the end-of-run explanation reads the failed ones)', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const jobs = REPORT_FIXTURE.report.jobs.map((j) => ({ ...j, changes: { patchFile: `${j.name}.patch` } }));
  const report: ReportRun = { ...REPORT_FIXTURE.report, runDir: dir, jobs };
  for (const job of jobs) {
    writeFileSync(path.join(dir, path.basename(job.transcriptFile)), `${job.name} said this\n`);
    writeFileSync(path.join(dir, `${job.name}.patch`), `+${job.name}\n`);
  }
  const failed = jobs.filter((j) => !jobSucceeded(j)).map((j) => j.name);
  assert.ok(failed.length > 0 && failed.length < jobs.length);
  const some = await loadReportInputFor(report, dir, { filesOf: (job) => !jobSucceeded(job) });
  assert.deepEqual(Object.keys(some.transcripts).sort(), [...failed].sort());
  assert.deepEqual(Object.keys(some.patches ?? {}).sort(), [...failed].sort());
  const all = await loadReportInputFor(report, dir);
  assert.equal(Object.keys(all.transcripts).length, jobs.length);
});
