/**
 * A job's supervision as the runner composes it (src/session/job-supervision.ts): the job's
 * own answer rules, then its agent adapter's built-in rules, the adapter's declining key and
 * its answer timing. `rules test` and `replay` build their supervisors from this, so they
 * judge screens exactly as a run would.
 */
import type { BuiltinRule } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';
import { terminalOf } from '../agents/adapter.js';
import type { JobSpec } from '../manifest/model.js';
import type { RuleRef } from '../session/policies/policy.js';
import type { SendTiming } from '../session/policies/send-steps.js';
import type { AnswerRule, SendSpec, SupervisionSpec } from '../session/policies/spec.js';
import { DEFAULT_COLS, DEFAULT_ROWS } from '../session/pty.js';

/** What a job's supervisor is built from. */
export interface JobRules {
  job: JobSpec;
  /** The job's rules followed by the adapter's built-in ones, in the order they are checked. */
  spec: SupervisionSpec;
  builtin: BuiltinRule[];
  decline: SendSpec;
  timing: Partial<SendTiming>;
  /** The PTY size the runner gives the job. */
  cols: number;
  rows: number;
}

/** The supervision of `job` as a run composes it. */
export function jobRules(job: JobSpec): JobRules {
  const adapter = adapterFor(job.agent);
  const builtin = adapter.builtinRules?.(job, job.supervision.answers.length) ?? [];
  return {
    job,
    spec: { ...job.supervision, answers: [...job.supervision.answers, ...builtin.map((b) => b.rule)] },
    builtin,
    decline: terminalOf(adapter, job).decline,
    timing: { enterDelayMs: job.enterDelayMs, answerDelayMs: adapter.answerDelayMs ?? 0 },
    cols: DEFAULT_COLS,
    rows: DEFAULT_ROWS,
  };
}

/** How a rule is named to people: `answers[0] "Continue\?"`, or a built-in's name (`codex:trust-folder`). */
export function ruleLabel(rules: JobRules, ref: RuleRef): string {
  const rule = ruleAt(rules, ref.index);
  if (rule?.builtin === true) return ref.match;
  // As written in the manifest: quoting it as JSON would double every backslash of a regex.
  return `answers[${ref.index}] "${ref.match}"`;
}

/** The rule at position `index` of the composed list (the job's own rules first). */
export function ruleAt(rules: JobRules, index: number): AnswerRule | undefined {
  return rules.spec.answers.find((r) => r.index === index);
}
