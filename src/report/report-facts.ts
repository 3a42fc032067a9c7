/**
 * Small facts every text reporter shows the same way: a job's headline status (its outcome
 * when known), its duration, turns, tokens, and the explanation context of a run.
 */
import { agentTurns } from '../run/agent-turns.js';
import { formatDuration } from '../ui/text.js';
import { explainFailure, type FailureExplanation } from './failure-explanation.js';
import type { ReportInput, ReportJob } from './report-input.js';

/** The status a person reads first: issue 11's `outcome` when present, else the status. */
export function headline(job: ReportJob): string {
  return job.outcome ?? job.status;
}

/** `4.1s`, `2m05s`, or `-` when it never ran. */
export function durationText(job: ReportJob): string {
  return job.durationMs === null ? '-' : formatDuration(job.durationMs);
}

/** Turns: the report's `turns`, else the agent turns among the attempts (usage-limit parks are none), else null. */
export function turnsOf(job: ReportJob): number | null {
  if (typeof job.turns === 'number') return job.turns;
  return job.attempts !== undefined && job.attempts.length > 0 ? agentTurns(job.attempts) : null;
}

/** Tokens: the job's `tokensUsed`, else the sum over attempts, else null. */
export function tokensOf(job: ReportJob): number | null {
  if (job.tokensUsed !== null) return job.tokensUsed;
  const counts = (job.attempts ?? []).map((a) => a.tokens).filter((t): t is number => typeof t === 'number');
  return counts.length === 0 ? null : counts.reduce((a, b) => a + b, 0);
}

/** `42,751` with thousands separators (fixed locale so golden files are stable). */
export function numberText(n: number | null): string {
  if (n === null) return '-';
  // Whole numbers (turns, tokens: all the reports show) are grouped here: the first
  // toLocaleString of a process loads ICU's number formatting, ~13 ms of every run's exit.
  if (Number.isSafeInteger(n)) return `${n < 0 ? '-' : ''}${String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',')}`;
  return n.toLocaleString('en-US');
}

/** Each job's failure explanation (null for a job that succeeded). */
export function explanations(input: ReportInput): Map<string, FailureExplanation | null> {
  const context = { manifest: input.report.manifest };
  return new Map(input.report.jobs.map((job) => [job.name, explainFailure(job, input.transcripts[job.name] ?? '', context)]));
}

/** The short words for an intervention (rules numbered from 1, as the live display does): `answer sent "y\r" (rule 1 /Continue\?/)`, `blocked: Continue? [Yes | No]`. */
export function interventionText(info: { kind: string; [k: string]: unknown }): string {
  const parts: string[] = [info.kind];
  const sent = info['sent'];
  if (typeof sent === 'string') parts.push(`sent ${JSON.stringify(sent).replace(/\\\\/g, '\\')}`);
  const rule = info['rule'] as { index?: unknown; match?: unknown } | null | undefined;
  if (rule != null && typeof rule.index === 'number') parts.push(`(rule ${rule.index + 1}${typeof rule.match === 'string' ? ` /${rule.match}/` : ''})`);
  const question = info['question'] as { text?: unknown } | undefined;
  if (question !== undefined && typeof question.text === 'string') parts.push(`asked: ${question.text}`);
  const why = info['why'];
  if (typeof why === 'string') parts.push(`why: ${why}`);
  return parts.join(' ');
}

/** Lines of an intervention's screen excerpt. */
export function excerptOf(info: { [k: string]: unknown }): string[] {
  const excerpt = info['excerpt'];
  return Array.isArray(excerpt) ? excerpt.filter((l): l is string => typeof l === 'string') : [];
}
