/**
 * What supervision makes of one screen: the classifier's verdict (state, question, options)
 * and the answer rule that fires on it, with what it would type. The rules are run by a
 * real Supervisor (answer rules first, the job's then the adapter's built-in ones, with the
 * same matching, deny guard and built-in stand-back) on a virtual clock, so this is what a
 * run would do the moment the screen appeared, not a re-implementation of it.
 */
import { classifySnapshot } from '../session/classify/classify-snapshot.js';
import type { AgentScreenState, ScreenQuestion } from '../session/classify/types.js';
import type { Decision, InterventionKind } from '../session/policies/policy.js';
import type { RuleAction } from '../session/policies/spec.js';
import { Supervisor } from '../session/policies/supervisor.js';
import type { ScreenSnapshot } from '../session/screen.js';
import { VirtualClock } from '../util/virtual-clock.js';
import { ruleAt, ruleLabel, type JobRules } from './job-rules.js';

/** A rule that fires on a screen, and what it does. */
export interface FiredRule {
  /** Position in the composed list: the job's `answers:` (0-based), then the built-in rules. */
  index: number;
  /** The pattern as written, or a built-in rule's name (`codex:trust-folder`). */
  match: string;
  /** `answers[0] "Continue\?"` or `codex:trust-folder`. */
  label: string;
  builtin: boolean;
  action: RuleAction;
  /** What the run records: answer, deny, fail, kill, notify. */
  kind: InterventionKind;
  /** Exactly what it types, escapes visible (`y\r`); null when it types nothing. */
  sent: string | null;
}

/** The verdict on one screen. */
export interface ScreenEvaluation {
  state: AgentScreenState;
  reason: string;
  question: ScreenQuestion | null;
  /** The rule a run would act on; null when none fires. */
  fired: FiredRule | null;
  /** Further rules firing on the same screen; a run types one answer at a time and drops these. */
  also: FiredRule[];
}

/** The classifier's verdict on a snapshot (wrapped lines joined, with the cursor). */
export function classifySnap(snap: ScreenSnapshot, agent: string): { state: AgentScreenState; reason: string; question: ScreenQuestion | null } {
  const verdict = classifySnapshot(snap, { agent });
  return { state: verdict.state, reason: verdict.reason, question: verdict.question === undefined ? null : { text: verdict.question.text, options: verdict.question.options } };
}

/** The rules' decisions that name a rule, as {@link FiredRule}s. */
export function firedRules(rules: JobRules, decisions: readonly Decision[]): FiredRule[] {
  const fired: FiredRule[] = [];
  for (const d of decisions) {
    if (d.type !== 'send' && d.type !== 'stop' && d.type !== 'blocked') continue;
    const ref = d.intervention.rule;
    if (ref === null) continue;
    const rule = ruleAt(rules, ref.index);
    // A deny rule with fail: true records the denial and then the stop: one rule, one entry.
    if (fired.some((f) => f.index === ref.index)) continue;
    fired.push({
      index: ref.index,
      match: ref.match,
      label: ruleLabel(rules, ref),
      builtin: rule?.builtin === true,
      action: rule?.action ?? 'respond',
      kind: d.intervention.kind,
      sent: d.intervention.sent,
    });
  }
  return fired;
}

/** Classifies the screen and runs the job's rules on it once. */
export function evaluateScreen(snap: ScreenSnapshot, rules: JobRules): ScreenEvaluation {
  const decisions: Decision[] = [];
  const supervisor = new Supervisor({
    spec: rules.spec,
    clock: new VirtualClock(snap.at),
    decline: rules.decline,
    timing: rules.timing,
    onDecision: (d) => decisions.push(d),
  });
  try {
    supervisor.observeScreen(snap);
  } finally {
    supervisor.dispose();
  }
  const [fired = null, ...also] = firedRules(rules, decisions);
  return { ...classifySnap(snap, rules.job.agent), fired, also };
}
