import type { RunPlan } from './plan.js';
import type { JobSpec } from '../manifest/model.js';
import { formatDuration } from '../manifest/duration.js';
import { formatSize, type SendSpec } from '../session/policies/spec.js';
import type { BuiltinRule } from '../agents/adapter.js';
import { precheck } from '../session/precheck.js';
import { Redactor } from '../logs/redactor.js';
import { expandBranch } from '../git/ref-name.js';
import type { BudgetSpec } from '../manifest/completion-fields.js';

/** Quotes an argv element for display only (it is never given to a shell). */
function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function describeLimit(ms: number | null): string {
  return ms === null ? 'none' : formatDuration(ms);
}

// Where a limit came from when the manifest did not set it: the agent's default, or no default at all.
function limitSource(job: JobSpec, defaulted: boolean, explainNone = false): string {
  const defaults = job.agentDefaults;
  if (defaults === undefined) return '';
  if (defaulted) return ` (${job.agent} default)`;
  return explainNone && defaults.noDefaults !== null && job.timeoutMs === null ? ` (${defaults.noDefaults})` : '';
}

function describeSend(send: SendSpec): string {
  return send.kind === 'keys' ? `keys [${send.keys.join(', ')}]` : `${JSON.stringify(send.text)}${send.enter ? ' + enter' : ''}`;
}

// The supervision lines of a job: its answer rules in order, the idle ladder, loop guard and cap.
function describeSupervision(job: JobSpec, decline: SendSpec): string[] {
  const { answers, idle, loop, maxOutputBytes } = job.supervision;
  const lines: string[] = [];
  if (answers.length === 0) lines.push('  answers: none (unanswered questions are reported as blocked)');
  else lines.push('  answers:');
  for (const rule of answers) {
    const what =
      rule.action === 'respond' && rule.send !== null
        ? `send ${describeSend(rule.send)}`
        : rule.action === 'deny'
          ? `deny with ${describeSend(rule.send ?? decline)}${rule.failJob ? ', then fail' : ''}`
          : rule.action;
    const max = rule.max === null ? '' : ` (at most ${rule.max}x)`;
    lines.push(`    ${rule.index + 1}. /${rule.matchSource}/ -> ${what}${max}`);
  }
  const ladder = [
    idle.pokeMs === null ? null : `poke with ${describeSend(idle.pokeWith)} after ${formatDuration(idle.pokeMs)}`,
    idle.killMs === null ? null : `stop after ${formatDuration(idle.killMs)}${limitSource(job, job.agentDefaults?.idleKill === true)}`,
    `blocked after ${formatDuration(idle.blockedAfterMs)} unanswered, then ${idle.onBlocked}`,
  ].filter((part) => part !== null);
  lines.push(`  idle:    ${ladder.join('; ')} (without progress)`);
  lines.push(`  loop:    ${loop === null ? 'off' : `stop after ${loop.repeats} repeats of a block of up to ${loop.maxBlockLines} lines`}`);
  lines.push(`  output:  ${maxOutputBytes === null ? 'no cap' : `stop after ${formatSize(maxOutputBytes)}`}`);
  return lines;
}

// The adapter's rules for the agent's own screens, after the job's: name, what they look for, what they do, why.
function describeBuiltinRules(rules: readonly BuiltinRule[], decline: SendSpec): string[] {
  if (rules.length === 0) return [];
  const lines = ['  built-in rules (after the job\'s own; a job rule matching the same screen wins):'];
  for (const { name, why, rule } of rules) {
    const what = rule.action === 'respond' && rule.send !== null ? `send ${describeSend(rule.send)}` : rule.action === 'deny' ? `deny with ${describeSend(rule.send ?? decline)}` : rule.action;
    lines.push(`    ${rule.index + 1}. ${name} /${rule.match.source}/ -> ${what}: ${why}`);
  }
  return lines;
}

// Where the job works and what becomes of its changes (src/workspace), when the manifest says.
function describeWorkspace(job: JobSpec): string[] {
  const spec = job.workspace;
  if (spec === undefined || spec.isolation === 'none') return [];
  const { base, branch, keep } = spec.worktree;
  const author = spec.commit === null ? null : spec.commit.author === null ? "the repository's user" : `${spec.commit.author.name} <${spec.commit.author.email}>`;
  return [
    `  branch:  ${expandBranch(branch, { run: "{run}", job: job.name, date: "{date}" })} from ${base ?? "HEAD"}, in a worktree under <run folder>/worktrees/, keep ${keep}`,
    `  commit:  ${author === null ? 'no (changes stay uncommitted; recorded in the report and the patch)' : `yes, as ${author}`}`,
  ];
}

function describeBudget(budget: BudgetSpec): string | null {
  const parts = [
    budget.tokens === null ? null : `${budget.tokens} tokens`,
    budget.turns === null ? null : `${budget.turns} turns`,
    budget.wallMs === null ? null : `${formatDuration(budget.wallMs)} wall`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

// verify / until / budget / limits / retry of a job that sets any of them (nothing otherwise).
function describeCompletion(job: JobSpec): string[] {
  const c = job.completion;
  if (c === undefined) return [];
  const lines: string[] = [];
  if (c.verify !== null) {
    const until = c.untilVerified ? `; until verified, at most ${c.maxTurns} turns (continue: ${JSON.stringify(c.continuePrompt.split('\n')[0] ?? '')}...)` : '';
    lines.push(`  verify:  ${c.verify.command.map(quoteArg).join(' ')} (timeout ${formatDuration(c.verify.timeoutMs)})${until}`);
  }
  const budget = describeBudget(c.budget);
  if (budget !== null) lines.push(`  budget:  ${budget}`);
  lines.push(`  limits:  wait up to ${formatDuration(c.limitsWaitMs)} for a usage-limit reset`);
  if (c.retry !== null) lines.push(`  retry:   up to ${c.retry.max}x, ${formatDuration(c.retry.backoffMs)} apart`);
  return lines;
}

/** The `--dry-run` text: what would run, where, with which limits. Env values are never shown. */
export function describePlan(plan: RunPlan): string {
  const lines = [`Plan for ${plan.manifest.file}: ${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'}, ${plan.concurrency} at a time`];
  const runBudget = plan.manifest.budget === undefined ? null : describeBudget(plan.manifest.budget);
  if (runBudget !== null) lines.push(`Run budget: ${runBudget}`);
  const redactor = Redactor.forJobs(plan.jobs.map((p) => ({ env: p.env, secrets: p.job.secrets })));
  for (const { job, launch, env, envKeys, decline, builtinRules, agentLines } of plan.jobs) {
    lines.push('', `${job.name} (${job.agent})`);
    const checked = precheck(job, launch, env);
    if (checked.ok) {
      lines.push(`  argv:    ${redactor.text([checked.value.file, ...checked.value.args].map(quoteArg).join(' '))}`);
    } else {
      lines.push(`  error:   ${checked.error.message}`);
    }
    for (const { label, text } of agentLines ?? []) lines.push(`  ${`${label}:`.padEnd(9)}${redactor.text(text)}`);
    lines.push(`  workdir: ${job.workdir}`);
    lines.push(`  env:     ${envKeys.length === 0 ? '(inherited only)' : envKeys.join(', ')}`);
    lines.push(`  timeout: ${describeLimit(job.timeoutMs)}${limitSource(job, job.agentDefaults?.timeout === true, true)}`);
    lines.push(...describeWorkspace(job));
    lines.push(...describeCompletion(job));
    lines.push(...describeSupervision(job, decline));
    lines.push(...describeBuiltinRules(builtinRules, decline));
  }
  return lines.join('\n') + '\n';
}
