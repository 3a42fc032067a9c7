/**
 * Writes the people-facing reports of a finished run into its folder (report.md,
 * report.junit.xml, report.html), a copy of the JUnit report where `--junit` asks, and
 * appends the Markdown to `$GITHUB_STEP_SUMMARY`. A report that cannot be written is a
 * warning returned to the caller, never a failed run.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from '../logs/fs-error.js';
import { writeFileAtomic } from './atomic-write.js';
import { HTML_REPORT_FILE_NAME, htmlReportParts } from './html-report.js';
import { JUNIT_REPORT_FILE_NAME, junitReportParts } from './junit-report.js';
import { loadReportInputFor } from './load-report-input.js';
import { MARKDOWN_REPORT_FILE_NAME, renderMarkdownReport } from './markdown-report.js';
import type { ReportInput, ReportRun } from './report-input.js';

/** GitHub refuses a step summary over 1 MiB; a longer report is cut (at a line) below that. */
export const STEP_SUMMARY_LIMIT = 1000 * 1000;

/** The Markdown as appended to a step summary: whole, or cut at a line with a pointer to the full file. */
export function stepSummaryText(markdown: string, fullReport: string): string {
  if (Buffer.byteLength(markdown, 'utf8') <= STEP_SUMMARY_LIMIT) return `${markdown}\n`;
  let cut = markdown.slice(0, STEP_SUMMARY_LIMIT / 2);
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  // An open code fence would swallow the note: close it.
  if ((cut.match(/^`{3,}/gm) ?? []).length % 2 === 1) cut += '\n```';
  return `${cut}\n\n_The report is too long for a job summary; the whole report is in ${fullReport}._\n\n`;
}

/** Where else the reports go. */
export interface TextReportOptions {
  /** `--junit FILE`: a copy of the JUnit report. */
  junitFile?: string;
  /** `$GITHUB_STEP_SUMMARY`: the Markdown report is appended to it. */
  stepSummaryFile?: string;
}

/** Renders and writes the reports; resolves with warnings (empty when all went well). Never rejects. */
export async function writeTextReports(runDir: string, report: ReportRun, options: TextReportOptions = {}): Promise<string[]> {
  const warnings: string[] = [];
  let input: ReportInput;
  try {
    input = await loadReportInputFor(report, runDir);
  } catch (e: unknown) {
    return [`cannot read the run folder for the reports: ${describeFsError(e)}`];
  }
  // One report at a time, the big ones part by part: all of them whole at once, with their
  // encoded copies, were the run's memory peak (issue 16: 200 jobs, 9 MB of reports).
  const markdown = renderMarkdownReport(input);
  const writes: Array<[string, () => Iterable<string>]> = [
    [path.join(runDir, MARKDOWN_REPORT_FILE_NAME), () => [markdown]],
    [path.join(runDir, JUNIT_REPORT_FILE_NAME), () => junitReportParts(input)],
    [path.join(runDir, HTML_REPORT_FILE_NAME), () => htmlReportParts(input)],
  ];
  if (options.junitFile !== undefined) writes.push([path.resolve(options.junitFile), () => junitReportParts(input)]);
  for (const [file, parts] of writes) {
    const written = await writeFileAtomic(file, parts());
    if (!written.ok) warnings.push(written.error);
  }
  if (options.stepSummaryFile !== undefined && options.stepSummaryFile !== '') {
    try {
      // Appended, never replaced: other steps write to the same summary.
      await appendFile(options.stepSummaryFile, stepSummaryText(markdown, path.join(runDir, MARKDOWN_REPORT_FILE_NAME)), 'utf8');
    } catch (e: unknown) {
      warnings.push(`cannot append the report to $GITHUB_STEP_SUMMARY (${options.stepSummaryFile}): ${describeFsError(e)}`);
    }
  }
  return warnings;
}
