/**
 * What `codex-run doctor` checks for each gemini job: which binary it will run (and why that
 * one), its version, and whether the version is the one codex-run's flags, screens and built-in
 * rules were made for. A pure result; the CLI prints it. Same shape as codex/doctor-check.ts.
 */
import type { DoctorInput } from '../adapter.js';
import { checkAgentJobs, type AgentJobCheck } from '../agent-binary.js';
import { probeGeminiVersion, resolveGeminiBinary, type GeminiBinary } from './binary.js';
import { GEMINI_RULES_VERSION, geminiSpecOf, type GeminiMode } from './options.js';

/** The outcome for one gemini job. */
export type GeminiJobCheck = AgentJobCheck<GeminiMode, GeminiBinary>;

/** Checks every gemini job of a plan; each binary is asked for its version once. */
export function checkGeminiJobs(jobs: readonly DoctorInput[]): Promise<GeminiJobCheck[]> {
  return checkAgentJobs(jobs, {
    agent: 'gemini',
    rulesVersion: GEMINI_RULES_VERSION,
    optionsOf: (job) => {
      const spec = job.gemini ?? geminiSpecOf(undefined);
      return { mode: spec.mode, bin: spec.bin };
    },
    resolve: (bin, workdir, pathVar) => resolveGeminiBinary(bin, workdir, pathVar),
    probe: probeGeminiVersion,
  });
}
