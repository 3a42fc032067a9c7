/**
 * What `codex-run doctor` checks for each codex job: which binary it will run (and why that
 * one), that binary's version, and whether the version is the one codex-run's flags, screens
 * and built-in rules were made for. A pure result; the CLI prints it.
 */
import type { DoctorInput } from '../adapter.js';
import { checkAgentJobs, type AgentJobCheck } from '../agent-binary.js';
import { probeCodexVersion, resolveCodexBinary, type CodexBinary } from './binary.js';
import { CODEX_RULES_VERSION, codexSpecOf, type CodexMode } from './options.js';

/** The outcome for one codex job. */
export type CodexJobCheck = AgentJobCheck<CodexMode, CodexBinary>;

/** Checks every codex job of a plan; each binary is asked for its version once. */
export function checkCodexJobs(jobs: readonly DoctorInput[]): Promise<CodexJobCheck[]> {
  return checkAgentJobs(jobs, {
    agent: 'codex',
    rulesVersion: CODEX_RULES_VERSION,
    optionsOf: (job) => {
      const spec = job.codex ?? codexSpecOf(undefined);
      return { mode: spec.mode, bin: spec.bin };
    },
    resolve: (bin, workdir, pathVar) => resolveCodexBinary(bin, workdir, pathVar),
    probe: probeCodexVersion,
  });
}
