/**
 * `rehearsal:` steps the job's agent cannot play (its adapter's AgentRehearsal.unsupportedTurns,
 * e.g. codex's `patch` on a claude job): an error at validation, located at the step's key, so
 * `codex-run validate` and `--dry-run` say it instead of the run failing at the job's start.
 */
import { UNSUPPORTED_STEP_HINT, unsupportedStepMessage, unsupportedSteps } from '../rehearsal/unsupported-turns.js';
import type { Turn } from '../rehearsal/script.js';
import type { AgentKind, Diagnostic } from './model.js';
import type { ValuePath, YamlSource } from './yaml-source.js';

/**
 * The problems of job `name` (agent `agent`, merged script `turns`). `ownScript`: the job wrote
 * `rehearsal:` itself (else its script is the one of `defaults:`, and the problem is located there).
 */
export function rehearsalStepProblems(source: YamlSource, name: string, agent: AgentKind, turns: readonly Turn[], written: unknown, ownScript: boolean): Diagnostic[] {
  const base: ValuePath = ownScript ? ['jobs', name, 'rehearsal'] : ['defaults', 'rehearsal'];
  const steps = Array.isArray(written) ? written : [];
  return unsupportedSteps(agent, turns).map(({ index, kind }) => {
    const step: unknown = steps[index];
    // At the step's own key (e.g. `patch`) when it is written as one, else at the step.
    const key = typeof step === 'object' && step !== null && Object.prototype.hasOwnProperty.call(step, kind) ? [kind] : [];
    return source.diagnostic([...base, String(index), ...key], unsupportedStepMessage(name, agent, index, kind), {
      ...(key.length > 0 ? { part: 'key' as const } : {}),
      hint: UNSUPPORTED_STEP_HINT,
    });
  });
}
