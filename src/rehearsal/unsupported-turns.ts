/**
 * Script steps a job's agent cannot play under `--rehearse` (AgentRehearsal.unsupportedTurns,
 * e.g. `patch`, codex's own format, on a claude or gemini job): what is said about one, both
 * by manifest validation (located at the step) and, as a fallback, when a rehearsal starts.
 */
import { adapterFor } from '../agents/registry.js';
import type { AgentKind } from '../manifest/model.js';

/** The indexes and kinds of the steps of `turns` that `agent`'s rehearsal declares it cannot play. */
export function unsupportedSteps(agent: AgentKind, turns: ReadonlyArray<{ kind: string }>): Array<{ index: number; kind: string }> {
  const unsupported = adapterFor(agent).rehearsal?.unsupportedTurns ?? [];
  return turns.flatMap((turn, index) => (unsupported.includes(turn.kind) ? [{ index, kind: turn.kind }] : []));
}

/** The message for step `index` (0-based) of job `job`'s script. */
export function unsupportedStepMessage(job: string, agent: AgentKind, index: number, kind: string): string {
  return `job ${job}: rehearsal step ${index + 1} is \`${kind}\`, which an \`agent: ${agent}\` job cannot play`;
}

/** What to do instead. */
export const UNSUPPORTED_STEP_HINT = 'use `write:`/`edit:` (every agent) instead';
