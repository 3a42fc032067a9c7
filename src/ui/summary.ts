import type { JobResult, JobStatus } from '../run/events.js';
import { describeResumes, outcomeDetail, outcomeDuration, outcomeMessage, resumeHistory, turnsNote } from './outcome.js';
import { createPalette, statusPaint } from './palette.js';
import { describeQuestion, type QuestionInfo } from './question-text.js';
import { padEnd, sanitizeLine, truncate } from './text.js';
import type { InterventionInfo, JobChanges } from '../run/events.js';
import { explanationLines, type FailureExplanation } from '../report/failure-explanation.js';
import { describeChanges } from './changes-text.js';

/** What the end-of-run summary is made from. */
export interface SummaryInput {
  /** Jobs in plan order, each with its final result. */
  jobs: Array<{ name: string; result: JobResult; question?: QuestionInfo | null; interventions?: readonly InterventionInfo[]; changes?: JobChanges | null }>;
  /** The run folder, printed as the last line. */
  runDir: string;
  color: boolean;
  /** Per job name, why it did not succeed and what to do next (src/report/failure-explanation.ts); shown after the table. */
  explanations?: ReadonlyMap<string, FailureExplanation | null>;
  /** Never cut text (not a TTY: CI logs keep every word); otherwise long messages end in `…`. */
  fullText?: boolean;
}

/** Longest question line shown under a job; the full text is in report.json. */
const QUESTION_WIDTH = 100;

/** Longest failure message shown in the table; the full text is in report.json. */
const MESSAGE_WIDTH = 60;

/** Order of the per-status counts in the totals line. */
const STATUS_ORDER: readonly JobStatus[] = ['succeeded', 'failed', 'timed_out', 'killed', 'interrupted', 'skipped'];

/**
 * The end-of-run summary: a compact table (job, status, duration, exit/reason and message),
 * a totals line, and as the last line `Run folder: <path>`, so the last line the CLI prints
 * names the run folder. Pure; ends with a newline.
 *
 *   JOB        STATUS     DURATION  EXIT/REASON
 *   lint       succeeded  4.1s      exit 0
 *   fix-tests  failed     3.2s      exit 1: 2 tests failed
 *              2 files changed (+14 −3) on codex-run/20260101T000000.000Z-1-ab12/fix-tests
 *   deploy     failed     30.4s     waiting-for-input: a question stayed unanswered for 30s
 *              waiting for: Continue? [Yes | No]
 *   2 jobs: 1 succeeded, 1 failed
 *   Run folder: /work/.codex-run/runs/20260101-000000-ab12
 */
export function renderSummary(input: SummaryInput): string {
  const palette = createPalette(input.color);
  const lines: string[] = [];
  if (input.jobs.length > 0) {
    const rows = input.jobs.map(({ name, result, interventions }) => {
      const resumes = resumeHistory(interventions ?? []);
      const detail = [outcomeDetail(result), resumes === null ? null : describeResumes(resumes)].filter((s) => s !== null).join(', ');
      const message = outcomeMessage(result);
      const turns = turnsNote(result);
      const shown = detail === '' ? null : detail;
      const why = [turns === null ? shown : `${shown ?? ''} [${turns}]`.trimStart(), message === null ? null : input.fullText === true ? message : truncate(message, MESSAGE_WIDTH)].filter((s) => s !== null).join(': ');
      return { name: sanitizeLine(name), status: result.status, duration: outcomeDuration(result) ?? '-', why };
    });
    const questions = input.jobs.map((j) => (j.result.status === 'succeeded' ? null : (j.question ?? null)));
    const nameWidth = Math.max(3, ...rows.map((r) => Array.from(r.name).length));
    const statusWidth = Math.max(6, ...rows.map((r) => r.status.length));
    const durationWidth = Math.max(8, ...rows.map((r) => r.duration.length));
    const row = (name: string, status: string, duration: string, why: string, paintStatus: (s: string) => string): string =>
      `${padEnd(name, nameWidth)}  ${paintStatus(padEnd(status, statusWidth))}  ${padEnd(duration, durationWidth)}  ${why}`.trimEnd();
    lines.push(palette.dim(row('JOB', 'STATUS', 'DURATION', 'EXIT/REASON', (s) => s)));
    for (const [i, r] of rows.entries()) {
      lines.push(row(r.name, r.status, r.duration, r.why, statusPaint(palette, r.status)));
      const question = questions[i];
      if (question != null) {
        const asked = describeQuestion(question);
        lines.push(`${' '.repeat(nameWidth + 2)}${palette.yellow(`waiting for: ${input.fullText === true ? asked : truncate(asked, QUESTION_WIDTH)}`)}`);
      }
      const changes = input.jobs[i]?.changes;
      if (changes != null) lines.push(`${' '.repeat(nameWidth + 2)}${palette.dim(sanitizeLine(describeChanges(changes)))}`);
    }
  }
  // Each failure explained after the table: the reason, its last output lines, what to do next.
  // Skipped jobs are left out: the table says why, and an interrupted night would list every queued job.
  for (const { name, result } of input.jobs) {
    if (result.status === 'skipped') continue;
    const explanation = input.explanations?.get(name) ?? null;
    if (explanation === null || explanation.next.length === 0 && explanation.tail.length === 0) continue;
    const [reason, ...rest] = explanationLines(explanation);
    lines.push(`${palette.red(sanitizeLine(name))}: ${reason ?? ''}`);
    for (const raw of rest) {
      const line = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
      lines.push(`  ${line.startsWith('Next:') ? palette.cyan(line) : line}`);
    }
  }
  lines.push(totalsLine(input.jobs.map((j) => j.result.status)));
  lines.push(`Run folder: ${input.runDir}`);
  return lines.join('\n') + '\n';
}

// `3 jobs: 2 succeeded, 1 failed`, statuses in a fixed order, zero counts left out.
function totalsLine(statuses: JobStatus[]): string {
  const total = `${statuses.length} job${statuses.length === 1 ? '' : 's'}`;
  const counts = STATUS_ORDER.map((status) => ({ status, n: statuses.filter((s) => s === status).length }))
    .filter((c) => c.n > 0)
    .map((c) => `${c.n} ${c.status}`);
  return counts.length === 0 ? total : `${total}: ${counts.join(', ')}`;
}

/**
 * The question a job was left waiting on: the last blocked intervention's, unless an answer or
 * a denial came after it. Null when none.
 */
export function unansweredQuestion(interventions: readonly InterventionInfo[]): QuestionInfo | null {
  for (let i = interventions.length - 1; i >= 0; i--) {
    const info = interventions[i]!;
    if (info.kind === 'answer' || info.kind === 'deny') return null;
    if (info.kind === 'blocked') return info.question ?? null;
  }
  return null;
}
