// The big reports of a run are written part by part (issue 16: the whole report.html and
// report.junit.xml of a 200-job run as single strings, escaped and encoded, were the run's
// memory peak). These tests hold the parts to that: one job's data per part, the same bytes
// as the whole page, and an atomic file write that takes parts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { htmlReportData, htmlReportParts, renderHtmlReport, scriptSafeJson } from '../../src/report/html-report.js';
import { junitReportParts, renderJunitReport } from '../../src/report/junit-report.js';
import { writeFileAtomic } from '../../src/report/atomic-write.js';
import type { ReportInput } from '../../src/report/report-input.js';
import { REPORT_FIXTURE } from '../helpers/report-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';

// The fixture's jobs, copied to `count` jobs with their own names and a transcript of their own
// (a line carrying the job's marker, many times: the shape of a flood's tail).
function manyJobs(count: number): ReportInput {
  const base = REPORT_FIXTURE.report.jobs;
  const jobs = Array.from({ length: count }, (_, i) => ({ ...base[i % base.length]!, name: `job-${i}` }));
  const transcripts: Record<string, string> = {};
  for (const job of jobs) transcripts[job.name] = `marker<${job.name}> “quoted” </script>\n`.repeat(150);
  return { ...REPORT_FIXTURE, report: { ...REPORT_FIXTURE.report, jobs }, transcripts };
}

function markersIn(part: string): Set<string> {
  return new Set([...part.matchAll(/marker(?:<|\\u003c)(job-\d+)/g)].map((m) => m[1]!));
}

test('report.html comes in parts of at most one job each, and the parts are the page', { timeout: 20_000 }, () => {
  const input = manyJobs(40);
  const parts = [...htmlReportParts(input)];
  const seen = new Set<string>();
  for (const part of parts) {
    const markers = markersIn(part);
    assert.ok(markers.size <= 1, `a part holds ${markers.size} jobs' transcripts`);
    for (const m of markers) seen.add(m);
  }
  assert.equal(seen.size, 40);
  const page = parts.join('');
  assert.equal(page, renderHtmlReport(input));
  // The data the page carries is that of the whole object, escaped the same way.
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)?.[1];
  assert.equal(json, scriptSafeJson(htmlReportData(input)));
  assert.deepEqual(JSON.parse(json!), JSON.parse(JSON.stringify(htmlReportData(input))));
});

test('report.junit.xml comes in parts of at most one testcase each, and the parts are the file', { timeout: 20_000 }, () => {
  const input = manyJobs(40);
  const parts = [...junitReportParts(input)];
  for (const part of parts) {
    assert.ok((part.match(/<testcase /g) ?? []).length <= 1);
    assert.ok(markersIn(part.replace(/&lt;/g, '<')).size <= 1);
  }
  assert.equal((parts.join('').match(/<testcase /g) ?? []).length, 40);
  assert.equal(parts.join(''), renderJunitReport(input));
});

test('writeFileAtomic writes parts as one file, 0600, and a failure part way leaves the old file whole', { timeout: 20_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'report.html');
  const parts = ['<p>one</p>\n', 'zwei “drei” 😀\n', 'x'.repeat(200_000)];
  const written = await writeFileAtomic(file, parts);
  assert.deepEqual(written, { ok: true, value: undefined });
  assert.equal(readFileSync(file, 'utf8'), parts.join(''));
  assert.equal(statSync(file).mode & 0o777, 0o600);

  writeFileSync(file, 'the old report\n');
  function* failing(): Generator<string> {
    yield 'a new beginning\n';
    throw new Error('renderer failed');
  }
  const failed = await writeFileAtomic(file, failing());
  assert.equal(failed.ok, false);
  assert.match(failed.ok ? '' : failed.error, /cannot write .*report\.html: .*renderer failed/);
  assert.equal(readFileSync(file, 'utf8'), 'the old report\n');
  assert.deepEqual(readdirSync(dir), ['report.html']);
});
