/**
 * report.md: the run for a person (and for `$GITHUB_STEP_SUMMARY` or a PR comment): a table
 * of jobs, then per job its outcome, duration, turns, tokens, files changed, interventions,
 * and for a job that did not succeed the failure explanation. Pure; GitHub-flavoured
 * Markdown; job text is escaped so it cannot add markup (HTML included).
 */
import { costText, sanitizeLine } from '../ui/text.js';
import type { FailureExplanation } from './failure-explanation.js';
import { durationText, excerptOf, explanations, headline, interventionText, numberText, tokensOf, turnsOf } from './report-facts.js';
import type { ReportInput, ReportJob } from './report-input.js';
import { formatDuration } from '../ui/text.js';

/** The name of the Markdown report in a run folder. */
export const MARKDOWN_REPORT_FILE_NAME = 'report.md';

/** Inline text: one line, Markdown and HTML specials escaped. */
export function mdText(text: string): string {
  return mdEscape(sanitizeLine(text));
}

// Escapes without trimming (prose pieces keep their spaces).
function mdEscape(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/** Inline code that survives any backticks inside. */
function mdCode(text: string): string {
  const clean = sanitizeLine(text);
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A fenced block that no line of `lines` can close early. */
function mdBlock(lines: readonly string[], info = 'text'): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, ...lines.map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')), fence].join('\n');
}

// Text with `code` spans written by the explanation: the code kept as code, the rest escaped.
function mdProse(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length >= 2 ? mdCode(part.slice(1, -1)) : mdEscape(part.replace(/[\u0000-\u001f\u007f]/g, ' '))))
    .join('');
}

const ICON: Record<string, string> = { succeeded: '✅', verified: '✅', skipped: '⏭️', running: '⏳', pending: '⏳', interrupted: '⏹️' };

function icon(job: ReportJob, failed: boolean): string {
  return ICON[headline(job)] ?? (failed ? '❌' : '✅');
}

function filesChanged(job: ReportJob): string {
  const files = job.changes?.files;
  if (files === undefined) return '-';
  const added = files.reduce((n, f) => n + (f.added ?? 0), 0);
  const removed = files.reduce((n, f) => n + (f.removed ?? 0), 0);
  return `${files.length} (+${added} −${removed})`;
}

/** The explanation as Markdown (also used for the step summary). */
export function explanationMarkdown(explanation: FailureExplanation): string[] {
  const out = [`**Why:** ${mdProse(explanation.reason)}`, ''];
  if (explanation.tail.length > 0) out.push('Last output:', '', mdBlock(explanation.tail), '');
  for (const step of explanation.next) {
    const [first, ...rest] = step.split('\n');
    out.push(`**Next:** ${mdProse(first ?? '')}`, '');
    if (rest.length > 0) out.push(mdBlock(rest, 'yaml'), '');
  }
  return out;
}

/** report.md as text, ending with a newline. */
export function renderMarkdownReport(input: ReportInput): string {
  const { report } = input;
  const explained = explanations(input);
  const out: string[] = [];
  const counts = Object.entries(report.summary)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const took = report.durationMs === null ? '' : ` in ${formatDuration(report.durationMs)}`;
  out.push(`## codex-run: ${report.status === 'succeeded' ? '✅' : report.status === 'running' ? '⏳' : '❌'} ${mdText(report.status)}${took}`, '');
  out.push(`Run ${mdCode(report.runId)} of ${mdCode(report.manifest)}: ${report.jobs.length} job${report.jobs.length === 1 ? '' : 's'}${counts === '' ? '' : ` (${counts})`}.`, '');
  // Which PTY backend ran the terminals (src/session/pty-backend.ts): the fallback is worth knowing.
  if (report.runner?.pty !== undefined) {
    out.push(report.runner.pty === 'native' ? 'PTY backend: the native pump.' : 'PTY backend: node-pty (the JavaScript fallback; `codex-run doctor` says why).', '');
  }
  // One shard's run (`--shard I/N`): only part of the plan; `codex-run merge` makes the whole.
  if (report.shard !== undefined) {
    out.push(`Shard ${report.shard.index} of ${report.shard.total} of plan ${mdCode(report.shard.planHash.slice(0, 12))} on ${mdText(report.shard.host)}: only this shard's jobs; \`codex-run merge\` combines the shards.`, '');
  }
  // A merged run (`codex-run merge`): where its parts ran.
  if (report.plan !== undefined && report.shards !== undefined) {
    const parts = report.shards.map((s) => `${s.index ?? '?'}/${report.plan!.total} on ${mdText(s.host ?? 'an unknown host')}`);
    const reruns = report.reruns?.length ?? 0;
    out.push(`Merged from ${report.shards.length} of ${report.plan.total} shards of plan ${mdCode(report.plan.hash.slice(0, 12))}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}${reruns === 0 ? '' : ` and ${reruns} rerun${reruns === 1 ? '' : 's'}`}.`, '');
  }
  if (report.jobs.length > 0) {
    out.push('| Job | Outcome | Duration | Turns | Tokens | Files changed | Interventions |', '|---|---|---|---:|---:|---|---:|');
    for (const job of report.jobs) {
      const failed = explained.get(job.name) != null;
      out.push(
        `| ${icon(job, failed)} ${mdText(job.name)} | ${mdText(headline(job))} | ${durationText(job)} | ${numberText(turnsOf(job))} | ${numberText(tokensOf(job))} | ${filesChanged(job)} | ${job.interventions.length} |`,
      );
    }
    out.push('');
  }
  for (const job of report.jobs) {
    const explanation = explained.get(job.name) ?? null;
    out.push(`### ${icon(job, explanation !== null)} ${mdText(job.name)}: ${mdText(headline(job))}`, '');
    const facts = [`status ${mdText(job.status)}${job.exitCode !== null ? ` (exit ${job.exitCode})` : ''}`, `duration ${durationText(job)}`];
    const turns = turnsOf(job);
    if (turns !== null) facts.push(`turns ${turns}`);
    const tokens = tokensOf(job);
    if (tokens !== null) facts.push(`tokens ${numberText(tokens)}`);
    if (job.costUsd !== undefined) facts.push(`cost ${costText(job.costUsd)}`);
    if (job.sessionId !== null) facts.push(`session ${mdCode(job.sessionId)}`);
    out.push(facts.join(' · '), '');
    if (job.lastMessage !== null && job.lastMessage.trim() !== '') out.push(`> ${mdText(job.lastMessage)}`, '');
    if (job.attempts !== undefined && job.attempts.length > 1) {
      out.push(`Attempts: ${job.attempts.map((a) => `${a.n}${a.reason === null ? '' : ` (${mdText(a.reason)})`}${a.verify == null ? '' : a.verify.passed ? ' verify passed' : ' verify failed'}`).join(', ')}`, '');
    }
    const files = job.changes?.files;
    if (files !== undefined && files.length > 0) {
      const where = job.changes?.branch == null ? '' : ` on branch ${mdCode(job.changes.branch)}`;
      out.push(`Files changed${where}:`, '');
      for (const f of files) out.push(`- ${mdCode(f.path)} ${mdText(f.status)} +${f.added ?? 0} −${f.removed ?? 0}`);
      out.push('');
    }
    if (job.interventions.length > 0) {
      out.push('Interventions:', '');
      for (const info of job.interventions) {
        const excerpt = excerptOf(info).map(sanitizeLine).filter((l) => l !== '');
        out.push(`- ${mdText(info.at)} ${mdText(interventionText(info))}${excerpt.length === 0 ? '' : ` — screen: ${mdText(excerpt.slice(-2).join(' / '))}`}`);
      }
      out.push('');
    }
    if (explanation !== null) out.push(...explanationMarkdown(explanation));
  }
  if (report.warnings.length > 0) {
    out.push('### Warnings', '');
    for (const w of report.warnings) out.push(`- ${w.job === null ? '' : `${mdText(w.job)}: `}${mdText(w.message)}`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
