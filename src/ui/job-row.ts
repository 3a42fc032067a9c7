import type { JobPhase, JobResult } from '../run/events.js';
import { unreachable } from '../util/unreachable.js';
import { describeOutcome, type ResumeHistory } from './outcome.js';
import { statusPaint, type Palette } from './palette.js';
import { describeQuestion, type QuestionInfo } from './question-text.js';
import { formatElapsed, padEnd, sanitizeLine, truncate } from './text.js';

/** Job names longer than this are cut in the live rows so the status column stays in view. */
export const NAME_MAX = 32;

/** What the live display knows about one job, updated from its events. */
export interface JobRow {
  name: string;
  phase: JobPhase;
  /** The detail of the last job-state event, e.g. why the job is stopping. */
  detail: string | null;
  /** Clock time the job left `pending`, for the ticking elapsed time; null while pending. */
  since: number | null;
  /** The job's last meaningful output line, already sanitised; null before the first. */
  activity: string | null;
  /** Set by job-finished. */
  result: JobResult | null;
  /** What the agent asks while the job is blocked (from the blocked intervention); null otherwise. */
  question: QuestionInfo | null;
  /** The job's resumes so far (from its resume interventions), for the final title; null when none. */
  resumes: ResumeHistory | null;
}

/** The job-state detail supervision shows while a job is blocked on a question. */
export const WAITING_FOR_INPUT = 'waiting for input';

/** A new row for a planned job. */
export function pendingRow(name: string): JobRow {
  return { name, phase: 'pending', detail: null, since: null, activity: null, result: null, question: null, resumes: null };
}

/** How a row is laid out at this moment. */
export interface RowLayout {
  now: number;
  /** Width of the name column (names are padded to it). */
  nameWidth: number;
  /** Characters available for the whole title. */
  width: number;
  palette: Palette;
}

/**
 * The row's title: `name  running 12s`, `name  stopping 31s (timeout)`,
 * `name  failed (exit 1) in 3.2s: 2 tests failed`, cut to the layout width before colouring.
 */
export function rowTitle(row: JobRow, layout: RowLayout): string {
  const { palette } = layout;
  const name = padEnd(truncate(sanitizeLine(row.name), layout.nameWidth), layout.nameWidth);
  const room = layout.width - layout.nameWidth - 2;
  const { word, tail, paint } = statusParts(row, layout);
  const shown = truncate(word + tail, room);
  let painted = shown.startsWith(word) ? paint(word) + shown.slice(word.length) : paint(shown);
  // A job waiting for a person is the row to notice: the whole state in bold yellow.
  if (row.result === null && row.detail === WAITING_FOR_INPUT) painted = palette.bold(palette.yellow(shown));
  return `${palette.bold(name)}  ${painted}`;
}

/**
 * The line under the row, cut to `width`: while the job is blocked, what the agent asks
 * (`? Continue? [Yes | No]`, highlighted); otherwise its last output line; null for nothing.
 */
export function rowActivity(row: JobRow, width: number, palette?: Palette): string | null {
  if (row.result !== null) return null;
  if (row.question !== null) {
    const text = truncate(`? ${describeQuestion(row.question)}`, width);
    return palette === undefined ? text : palette.bold(palette.yellow(text));
  }
  if (row.activity === null) return null;
  return truncate(row.activity, width);
}

// The status word (coloured) and the rest of the title after it.
function statusParts(row: JobRow, layout: RowLayout): { word: string; tail: string; paint: (s: string) => string } {
  const { palette } = layout;
  if (row.result !== null) {
    const text = describeOutcome(row.result, row.resumes);
    const word = row.result.status;
    return { word, tail: text.slice(word.length), paint: statusPaint(palette, row.result.status) };
  }
  const elapsed = row.since === null ? '' : ` ${formatElapsed(layout.now - row.since)}`;
  const detail = row.detail === null || sanitizeLine(row.detail) === '' ? '' : ` (${sanitizeLine(row.detail)})`;
  switch (row.phase) {
    case 'pending':
      return { word: 'pending', tail: '', paint: palette.dim };
    case 'starting':
    case 'running':
      return { word: row.phase, tail: elapsed + detail, paint: palette.cyan };
    case 'stopping':
      return { word: row.phase, tail: elapsed + detail, paint: palette.yellow };
    case 'finished':
      return { word: 'finishing', tail: elapsed, paint: palette.dim };
    default:
      return unreachable(row.phase);
  }
}
