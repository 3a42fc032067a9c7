import type { JobSpec } from '../manifest/model.js';
import type { Result } from '../util/result.js';
import type { SendSpec } from '../session/policies/spec.js';

/** How to start one job's agent: an argv (never a shell string) and extra environment. */
export interface LaunchPlan {
  /** Program to execute: an absolute path, or a bare name looked up on the child's PATH. */
  file: string;
  args: string[];
  /** Variables the adapter adds over the job's environment. */
  env: Record<string, string>;
}

/** Why an adapter could not build a launch plan. */
export interface LaunchProblem {
  reason: 'binary-missing';
  message: string;
}

/**
 * One agent CLI (codex, command, ...): turns a job into a launch plan and says how the
 * agent likes to be stopped. Composed per job by the session.
 */
export interface AgentAdapter {
  readonly kind: JobSpec['agent'];
  plan(job: JobSpec, env: Record<string, string>): Result<LaunchPlan, LaunchProblem>;
  /** Whether the stop ladder begins with Ctrl-C typed into the terminal. */
  readonly interruptFirst: boolean;
  /** How a deny rule declines a prompt of this agent when the rule has no `send`. */
  readonly decline: SendSpec;
}
