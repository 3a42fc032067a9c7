import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderJunitReport } from '../../src/report/junit-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import { renderReport } from '../../src/report/render-report.js';
import { stepSummaryText, STEP_SUMMARY_LIMIT } from '../../src/report/text-reports.js';
import { xmlAttr, xmlText } from '../../src/report/xml-text.js';
import { repoRoot } from '../helpers/paths.js';
import { REPORT_FIXTURE } from '../helpers/report-fixture.js';

// UPDATE_GOLDEN=1 rewrites the golden files (then review the diff).
function assertGolden(actual: string, name: string): void {
  const file = path.join(repoRoot, 'test', 'golden', name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
  const expected = readFileSync(file, 'utf8');
  if (actual !== expected) process.stderr.write(`--- actual ${name} ---\n${actual}\n--- end ---\n`);
  assert.equal(actual, expected);
}

// Characters XML 1.0 cannot carry: C0 controls other than tab, LF and CR.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

test('report.md matches the golden file', { timeout: 10_000 }, () => {
  assertGolden(renderMarkdownReport(REPORT_FIXTURE), 'report-basic.md');
});

test('report.junit.xml matches the golden file', { timeout: 10_000 }, () => {
  assertGolden(renderJunitReport(REPORT_FIXTURE), 'report-basic.junit.xml');
});

test('report.html matches the golden file', { timeout: 10_000 }, () => {
  assertGolden(renderHtmlReport(REPORT_FIXTURE), 'report-basic.html');
});

test('Markdown: every job with its outcome, failures explained, no raw markup from job text', { timeout: 10_000 }, () => {
  const md = renderMarkdownReport(REPORT_FIXTURE);
  for (const name of ['fix-tests', 'broken build', 'deploy', 'review', 'lint']) assert.match(md, new RegExp(`### \\S+ ${name}`));
  assert.match(md, /\| ✅ fix-tests \| verified \| 1m00s \| 2 \| 42,751 \| 2 \(\+6 −1\) \| 1 \|/);
  assert.match(md, /FAIL test\/api\.test\.js: expected 200, got 500/);
  // The spinner, the bare token count, the empty prompt and the footer are not "last output".
  assert.doesNotMatch(md, /Building…|^42,751$|for shortcuts/m);
  assert.match(md, /codex-run resume review`, or by hand: `codex resume 0199ffff-0000-7000-8000-000000000001`/);
  assert.match(md, /- match: "Continue\\\\\? \\\\\(y\/N\\\\\)"\n    send: "y"/);
  // Outside code blocks, markup from a job is escaped.
  const outsideCode = md.replace(/```[\s\S]*?```/g, '');
  assert.doesNotMatch(outsideCode, /<script|<img/);
  assert.doesNotMatch(md, /\u001b|\u0007|\u0000/);
});

test('JUnit: a testcase per job, failure/skipped, no invalid XML characters or raw markup', { timeout: 10_000 }, () => {
  const xml = renderJunitReport(REPORT_FIXTURE);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
  assert.match(xml, /<testsuite name="jobs\.yaml run 20261123T213705\.123Z-4242-9f3a" tests="5" failures="3" errors="0" skipped="1"/);
  assert.match(xml, /<testcase classname="jobs\.yaml" name="broken build" time="4\.200">\n {6}<failure message="It exited with code 3\." type="exit-non-zero">/);
  assert.match(xml, /<testcase classname="jobs\.yaml" name="lint" time="0\.000">\n {6}<skipped /);
  assert.doesNotMatch(xml, INVALID_XML);
  assert.doesNotMatch(xml, /<script|<img|\]\]>/);
  assert.match(xml, /&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('HTML: data embedded as JSON with no "<" a job could use to close the script', { timeout: 10_000 }, () => {
  const html = renderHtmlReport(REPORT_FIXTURE);
  assert.equal((html.match(/<script/g) ?? []).length, 2);
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  assert.doesNotMatch(json, /[<>]/);
  const data = JSON.parse(json) as { jobs: Array<{ name: string; transcript: string[] }> };
  assert.deepEqual(data.jobs.map((j) => j.name), ['fix-tests', 'broken build', 'deploy', 'review', 'lint']);
  assert.ok(data.jobs[1]!.transcript.some((l) => l.includes('</script><img src=x onerror=alert(1)>')));
  assert.doesNotMatch(html, /https?:\/\/|src="|href="/);
});

test('renderReport json is report.json re-indented', { timeout: 10_000 }, () => {
  assert.deepEqual(JSON.parse(renderReport(REPORT_FIXTURE, 'json')), REPORT_FIXTURE.report);
});

test('XML text drops what XML 1.0 cannot hold and escapes markup', { timeout: 10_000 }, () => {
  assert.equal(xmlText('a\u0001b\u001b[31mc\ud800d\uffffe & <x> "q"\ttab\n😀'), 'abcde &amp; &lt;x&gt; "q"\ttab\n😀');
  assert.equal(xmlAttr('say "hi"\nnext'), 'say &quot;hi&quot;&#10;next');
});

test('a step summary too long for GitHub is cut at a line, its code fence closed, with a pointer to the full report', { timeout: 10_000 }, () => {
  const short = renderMarkdownReport(REPORT_FIXTURE);
  assert.equal(stepSummaryText(short, '/r/report.md'), `${short}\n`);
  const long = `# head\n\`\`\`text\n${'x'.repeat(99)}\n`.repeat(1) + `${'line of output\n'.repeat(100_000)}\`\`\`\n`;
  const cut = stepSummaryText(long, '/r/report.md');
  assert.ok(Buffer.byteLength(cut) < STEP_SUMMARY_LIMIT);
  assert.match(cut, /line of output\n```\n\n_The report is too long for a job summary; the whole report is in \/r\/report\.md\._\n\n$/);
});

test("the agent's reported cost shows in report.md and report.html next to its tokens, and nowhere when unknown", { timeout: 10_000 }, () => {
  const first = REPORT_FIXTURE.report.jobs[0]!;
  const claude = { ...first, agent: 'claude' as const, argv: ['/usr/bin/claude', '-p', 'Fix it'], tokensUsed: 1234, costUsd: 0.01234 };
  const input = { ...REPORT_FIXTURE, report: { ...REPORT_FIXTURE.report, jobs: [claude, ...REPORT_FIXTURE.report.jobs.slice(1)] } };
  const md = renderMarkdownReport(input);
  assert.match(md, new RegExp(`### .*${first.name}.*\\n\\n.*tokens 1,234 · cost \\$0\\.0123`));
  const html = renderHtmlReport(input);
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const data = JSON.parse(json) as { jobs: Array<{ name: string; cost?: string }> };
  assert.equal(data.jobs.find((j) => j.name === first.name)?.cost, '$0.0123');
  // The jobs table's Tokens cell and the job's facts line show it (the page is drawn by its script).
  assert.match(html, /text:num\(j\.tokens\)\+\(j\.cost\?' \\u00b7 '\+j\.cost:''\)/);
  assert.match(html, /if\(j\.cost\)facts\.push\('cost '\+j\.cost\)/);
  // A job whose agent reported no cost has none (the golden files above hold no cost either).
  assert.equal(data.jobs.filter((j) => j.cost !== undefined).length, 1);
  assert.doesNotMatch(renderMarkdownReport(REPORT_FIXTURE), /cost \$/);
});
