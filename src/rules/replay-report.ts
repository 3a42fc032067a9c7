/**
 * How a replay reads: the setup (rules, timing), each decision with its offset from the job's
 * start and the screen lines behind it, then how it compares with what the run recorded.
 * Pure functions from the result to text.
 *
 *   +0.116s  answer   answers[0] "Continue\?" types y\r
 *            │ Continue? [y/n]
 *   +1.630s  blocked  waiting for input: Apply changes (2/2)? [y/n]
 */
import path from 'node:path';
import { createPalette } from '../ui/palette.js';
import { describeQuestion } from '../ui/question-text.js';
import { formatDuration, padEnd, sanitizeLine } from '../ui/text.js';
import type { RecordedIntervention, ReplayedDecision, ReplayResult } from './replay.js';

/** Whether the replay made the decisions the run recorded. */
export function replayMatches(result: ReplayResult): boolean {
  return result.comparison.every((c) => c.kind === 'same');
}

function offset(at: number, base: number): string {
  const ms = at - base;
  return ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms)}`;
}

function what(d: ReplayedDecision): string {
  const i = d.intervention;
  const rule = d.rule === null ? '' : `${d.rule} `;
  switch (d.type) {
    case 'send':
      return `${rule}types ${i.sent ?? ''}${d.dropped ? ' (dropped: an answer was still being typed)' : ''}`;
    case 'blocked':
      return `${rule}waiting for input${i.question === undefined ? '' : `: ${describeQuestion(i.question)}`}`;
    case 'stop':
      return `${rule}stops the job: ${sanitizeLine(d.message ?? '')}`;
    default:
      return rule;
  }
}

function recordedText(r: RecordedIntervention, base: number): string {
  const rule = r.rule === null ? '' : ` rule ${r.rule.index} "${r.rule.match}"`;
  return `${offset(r.at, base)} ${r.kind}${rule}${r.sent === null ? '' : ` typed ${r.sent}`}`;
}

/** The human-readable replay. */
export function renderReplayText(result: ReplayResult, options: { color: boolean; cwd: string }): string {
  const p = createPalette(options.color);
  const shown = (file: string): string => path.relative(options.cwd, file) || file;
  const t = result.timing;
  const lines = [
    `replay of job ${JSON.stringify(result.job)} from ${shown(result.runDir)} (${shown(result.logFile)}, ${result.logBytes} bytes, screen ${result.rules.cols}x${result.rules.rows})`,
    `rules:  ${shown(result.manifest)}${result.sameManifest ? ' (the run\'s manifest as it is now)' : ''}: ${result.rules.job.supervision.answers.length} own, ${result.rules.builtin.length} built-in`,
    t.kind === 'recorded'
      ? `timing: recorded (${path.basename(t.file)}, ${t.entries} entries)`
      : p.yellow(`timing: estimated: this run has no timing index (made before codex-run wrote <job>.timing), so the output is spread evenly over the job's running time from report.json (${formatDuration(t.to - t.from)}); offsets are approximate and waits between outputs are lost`),
    '',
  ];
  if (result.decisions.length === 0) lines.push('  no decisions: nothing on the screen made supervision act');
  for (const d of result.decisions) {
    const kind = padEnd(d.intervention.kind, 8);
    const line = `  ${padEnd(offset(d.at, result.base), 9)}${d.type === 'stop' ? p.red(kind) : d.type === 'blocked' ? p.yellow(kind) : p.cyan(kind)} ${what(d)}`;
    lines.push(d.dropped ? p.dim(line) : line);
    for (const e of d.intervention.excerpt) lines.push(p.dim(`             │ ${sanitizeLine(e)}`));
  }
  lines.push('');
  const recorded = result.comparison.filter((c) => c.kind !== 'only-replayed').length;
  if (replayMatches(result)) {
    lines.push(p.green(`same as the run: ${recorded} intervention${recorded === 1 ? '' : 's'} recorded, each made again`));
  } else {
    lines.push(p.red('different from the run (report.json):'));
    for (const c of result.comparison) {
      switch (c.kind) {
        case 'same':
          lines.push(p.dim(`    same      ${offset(c.replayed.at, result.base)} ${c.replayed.intervention.kind} (run: ${offset(c.recorded.at, result.base)})`));
          break;
        case 'only-replayed':
          lines.push(p.green(`  + replay    ${offset(c.replayed.at, result.base)} ${c.replayed.intervention.kind} ${what(c.replayed)}`));
          break;
        case 'only-recorded':
          lines.push(p.red(`  - run       ${recordedText(c.recorded, result.base)}`));
          break;
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The machine-readable replay. */
export function renderReplayJson(result: ReplayResult): string {
  const at = (ms: number): number => ms - result.base;
  const out = {
    runDir: result.runDir,
    job: result.job,
    manifest: result.manifest,
    logFile: result.logFile,
    timing: result.timing.kind,
    same: replayMatches(result),
    decisions: result.decisions.map((d) => ({ atMs: at(d.at), type: d.type, rule: d.rule, message: d.message, dropped: d.dropped, intervention: { ...d.intervention, at: at(d.intervention.at) } })),
    comparison: result.comparison.map((c) => ({
      kind: c.kind,
      replayed: c.kind === 'only-recorded' ? null : { atMs: at(c.replayed.at), kind: c.replayed.intervention.kind, rule: c.replayed.intervention.rule, sent: c.replayed.intervention.sent },
      recorded: c.kind === 'only-replayed' ? null : { ...c.recorded, atMs: at(c.recorded.at) },
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
