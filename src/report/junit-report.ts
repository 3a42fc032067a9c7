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

/** report.junit.xml as text, ending with a newline. */
export function renderJunitReport(input: ReportInput): string {
  const { report } = input;
  const explained = explanations(input);
  const manifest = path.basename(report.manifest);
  const skipped = report.jobs.filter(isSkipped).length;
  const unfinished = report.jobs.filter((j) => j.status === 'pending' || j.status === 'running').length;
  const failures = report.jobs.filter((j) => !isSkipped(j) && j.status !== 'pending' && j.status !== 'running' && explained.get(j.name) != null).length;
  const counts = `tests="${report.jobs.length}" failures="${failures}" errors="${unfinished}" skipped="${skipped}" time="${seconds(report.durationMs)}"`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="codex-run" ${counts}>`];
  out.push(`  <testsuite name="${xmlAttr(`${manifest} run ${report.runId}`)}" ${counts} timestamp="${xmlAttr(report.startedAt)}">`);
  out.push('    <properties>');
  out.push(`      <property name="runId" value="${xmlAttr(report.runId)}"/>`);
  out.push(`      <property name="manifest" value="${xmlAttr(report.manifest)}"/>`);
  out.push(`      <property name="runDir" value="${xmlAttr(report.runDir)}"/>`);
  out.push(`      <property name="status" value="${xmlAttr(report.status)}"/>`);
  out.push('    </properties>');
  for (const job of report.jobs) {
    out.push(`    <testcase classname="${xmlAttr(manifest)}" name="${xmlAttr(job.name)}" time="${seconds(job.durationMs)}">`);
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
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
