/**
 * report.junit.xml: the run as JUnit XML so CI test views (GitHub, GitLab, Jenkins) list
 * agent jobs: one testsuite per run, one testcase per job (classname: the manifest file,
 * name: the job), `<failure>` with the reason and the output tail for a job that did not
 * succeed, `<skipped>` for a skipped one, `<system-out>` with the transcript's tail. Pure.
 */
import path from 'node:path';
import { explanationLines } from './failure-explanation.js';
import { explanations, headline } from './report-facts.js';
import type { ReportInput, ReportJob } from './report-input.js';
import { xmlAttr, xmlText } from './xml-text.js';

/** The name of the JUnit report in a run folder. */
export const JUNIT_REPORT_FILE_NAME = 'report.junit.xml';

/** Lines of transcript in `<system-out>`. */
export const SYSTEM_OUT_LINES = 200;

function seconds(ms: number | null): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function transcriptTail(text: string | undefined): string {
  if (text === undefined) return '';
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  return lines.slice(-SYSTEM_OUT_LINES).join('\n');
}

function isSkipped(job: ReportJob): boolean {
  return job.status === 'skipped';
}

/** report.junit.xml as text, ending with a newline (the parts of {@link junitReportParts}, joined). */
export function renderJunitReport(input: ReportInput): string {
  return [...junitReportParts(input)].join('');
}

/** report.junit.xml in parts, a testcase each (written part by part: see htmlReportParts in html-report.ts). */
export function* junitReportParts(input: ReportInput): Generator<string> {
  const { report } = input;
  const explained = explanations(input);
  const manifest = path.basename(report.manifest);
  const skipped = report.jobs.filter(isSkipped).length;
  const unfinished = report.jobs.filter((j) => j.status === 'pending' || j.status === 'running').length;
  const failures = report.jobs.filter((j) => !isSkipped(j) && j.status !== 'pending' && j.status !== 'running' && explained.get(j.name) != null).length;
  const counts = `tests="${report.jobs.length}" failures="${failures}" errors="${unfinished}" skipped="${skipped}" time="${seconds(report.durationMs)}"`;
  const head: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="codex-run" ${counts}>`];
  head.push(`  <testsuite name="${xmlAttr(`${manifest} run ${report.runId}`)}" ${counts} timestamp="${xmlAttr(report.startedAt)}">`);
  head.push('    <properties>');
  head.push(`      <property name="runId" value="${xmlAttr(report.runId)}"/>`);
  head.push(`      <property name="manifest" value="${xmlAttr(report.manifest)}"/>`);
  head.push(`      <property name="runDir" value="${xmlAttr(report.runDir)}"/>`);
  head.push(`      <property name="status" value="${xmlAttr(report.status)}"/>`);
  head.push('    </properties>');
  yield `${head.join('\n')}\n`;
  for (const job of report.jobs) {
    const out: string[] = [`    <testcase classname="${xmlAttr(manifest)}" name="${xmlAttr(job.name)}" time="${seconds(job.durationMs)}">`];
    const explanation = explained.get(job.name) ?? null;
    if (isSkipped(job)) {
      out.push(`      <skipped message="${xmlAttr(explanation?.reason ?? 'skipped')}"/>`);
    } else if (job.status === 'pending' || job.status === 'running') {
      out.push(`      <error message="${xmlAttr(`did not finish (${job.status})`)}" type="unfinished"/>`);
    } else if (explanation !== null) {
      const type = job.reason ?? headline(job);
      out.push(`      <failure message="${xmlAttr(explanation.reason)}" type="${xmlAttr(type)}">${xmlText(explanationLines(explanation).join('\n'))}</failure>`);
    }
    const tail = transcriptTail(input.transcripts[job.name]);
    if (tail !== '') out.push(`      <system-out>${xmlText(tail)}</system-out>`);
    out.push('    </testcase>');
    yield `${out.join('\n')}\n`;
  }
  yield '  </testsuite>\n</testsuites>\n';
}
