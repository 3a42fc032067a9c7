/**
 * How `rules test` results read: one block per screen for people, or JSON for machines.
 * Pure functions from the results to text.
 *
 *   ok    test/fixtures/rules/approve.txt
 *         state     waiting_input (question at the end)
 *         question  Would you like to run the following command? [Yes, proceed (y) | No (esc)]
 *         rule      answers[0] "Would you like to run" -> answer, types y
 *   FAIL  test/fixtures/rules/mismatch.txt  (expected in mismatch.expect.yaml)
 *         - rule: 1
 *         + rule: 0  # answers[0] "Continue\?"
 */
import path from 'node:path';
import { createPalette } from '../ui/palette.js';
import { describeQuestion } from '../ui/question-text.js';
import { formatDuration, sanitizeLine } from '../ui/text.js';
import type { FiredRule } from './evaluate-screen.js';
import type { JobRules } from './job-rules.js';
import { allMet, type ScreenResult } from './rules-test.js';

/** What a fired rule does, in words: `answer, types y\r`, `deny, types \x1b`, `fail`. */
export function describeFired(f: FiredRule): string {
  return f.sent === null ? f.kind : `${f.kind}, types ${f.sent}`;
}

/** The human-readable report. */
export function renderRulesText(results: readonly ScreenResult[], rules: JobRules, options: { color: boolean; cwd: string }): string {
  const p = createPalette(options.color);
  const shown = (file: string): string => path.relative(options.cwd, file) || file;
  const lines: string[] = [`rules of job ${JSON.stringify(rules.job.name)} (${rules.job.agent}): ${rules.job.supervision.answers.length} own, ${rules.builtin.length} built-in; screen ${rules.cols}x${rules.rows}`];
  for (const r of results) {
    const where = r.pauseAtMs === null ? '' : ` @ +${formatDuration(r.pauseAtMs)} (output paused)`;
    let mark = p.dim('--  ');
    if (r.expect !== null) mark = r.expect.mismatches.length === 0 ? p.green('ok  ') : p.red('FAIL');
    lines.push('', `${mark}  ${shown(r.file)}${where}${r.expect === null ? '' : p.dim(`  (expected in ${path.basename(r.expect.file)})`)}`);
    const e = r.evaluation;
    lines.push(`      state     ${e.state} ${p.dim(`(${sanitizeLine(e.reason)})`)}`);
    if (e.question !== null) lines.push(`      question  ${p.yellow(describeQuestion(e.question, { keys: true }))}`);
    if (e.fired === null) {
      const idle = rules.spec.idle;
      const then = e.state === 'waiting_input' ? p.dim(` (unanswered: a run reports it blocked after ${formatDuration(idle.blockedAfterMs)}, then ${idle.onBlocked})`) : '';
      lines.push(`      rule      none${then}`);
    } else {
      lines.push(`      rule      ${e.fired.label} -> ${describeFired(e.fired)}`);
      for (const also of e.also) lines.push(p.dim(`                also matches ${also.label} -> ${describeFired(also)} (not acted on: one answer at a time)`));
    }
    for (const m of r.expect?.mismatches ?? []) {
      lines.push(p.red(`      - ${m.key}: ${m.expected}`));
      lines.push(p.green(`      + ${m.key}: ${m.actual}`));
    }
    if (r.expect !== null && r.expect.mismatches.length > 0) for (const t of r.tail) lines.push(p.dim(`      │ ${sanitizeLine(t)}`));
  }
  const checked = results.filter((r) => r.expect !== null);
  const failed = checked.filter((r) => r.expect!.mismatches.length > 0).length;
  lines.push('', `${results.length} screen${results.length === 1 ? '' : 's'}, ${checked.length} with expectations: ${failed === 0 ? p.green(`${checked.length} met`) : p.red(`${failed} not met`)}`);
  return `${lines.join('\n')}\n`;
}

/** The machine-readable report. */
export function renderRulesJson(results: readonly ScreenResult[], rules: JobRules, manifest: string): string {
  const out = {
    manifest,
    job: rules.job.name,
    agent: rules.job.agent,
    cols: rules.cols,
    rows: rules.rows,
    ok: allMet(results),
    screens: results.map((r) => ({
      file: r.file,
      kind: r.kind,
      pauseAtMs: r.pauseAtMs,
      state: r.evaluation.state,
      reason: r.evaluation.reason,
      question: r.evaluation.question,
      rule: r.evaluation.fired,
      also: r.evaluation.also,
      tail: r.tail,
      expect: r.expect,
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
