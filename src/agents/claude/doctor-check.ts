/**
 * What `codex-run doctor` checks for each claude job: which binary it will run (and why that
 * one), that binary's version, and whether the version is the one codex-run's flags, screens
 * and built-in rules were made for. A pure result; the CLI prints it. Same shape as
 * codex/doctor-check.ts.
 */
import type { DoctorInput } from '../adapter.js';
import { checkAgentJobs, type AgentJobCheck } from '../agent-binary.js';
import { probeClaudeVersion, resolveClaudeBinary, type ClaudeBinary } from './binary.js';
import { CLAUDE_RULES_VERSION, claudeSpecOf, type ClaudeMode } from './options.js';

/** The outcome for one claude job. */
export type ClaudeJobCheck = AgentJobCheck<ClaudeMode, ClaudeBinary>;

/** Checks every claude job of a plan; each binary is asked for its version once. */
export function checkClaudeJobs(jobs: readonly DoctorInput[]): Promise<ClaudeJobCheck[]> {
  return checkAgentJobs(jobs, {
    agent: 'claude',
    rulesVersion: CLAUDE_RULES_VERSION,
    optionsOf: (job) => {
      const spec = job.claude ?? claudeSpecOf(undefined);
      return { mode: spec.mode, bin: spec.bin };
    },
    resolve: (bin, workdir, pathVar) => resolveClaudeBinary(bin, workdir, pathVar),
    probe: probeClaudeVersion,
  });
}
