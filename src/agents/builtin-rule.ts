/**
 * How an adapter declares its built-in answer rules (first-run screens, trust dialogs, pickers a
 * job must never answer): each agent folder lists its own definitions; this turns them into the
 * numbered rules supervision runs after the job's own, named `<agent>:<name>`.
 */
import { builtinPattern } from '../session/policies/pattern.js';
import type { AnswerRule, SendSpec } from '../session/policies/spec.js';
import type { BuiltinRule } from './adapter.js';

/** One built-in rule of an adapter. */
export interface BuiltinRuleDefinition {
  name: string;
  why: string;
  match: RegExp;
  action: AnswerRule['action'];
  send: SendSpec | null;
}

/** The rules of `definitions`, named `<prefix><name>` and numbered from `firstIndex` (the count of the job's own rules). */
export function builtinRules(prefix: string, definitions: readonly BuiltinRuleDefinition[], firstIndex: number): BuiltinRule[] {
  return definitions.map((d, i) => ({
    name: `${prefix}${d.name}`,
    why: d.why,
    rule: {
      index: firstIndex + i,
      match: builtinPattern(d.match),
      matchSource: `${prefix}${d.name}`,
      action: d.action,
      send: d.send,
      max: null,
      failJob: false,
      builtin: true,
    },
  }));
}
