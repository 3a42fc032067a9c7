/**
 * What `codex-run doctor` checks for each gemini job: which binary it will run (and why that
 * one), its version, and whether the version is the one codex-run's flags, screens and built-in
 * rules were made for. A pure result; the CLI prints it. Same shape as codex/doctor-check.ts.
 */
import type { JobPlan } from '../../run/plan.js';
import { probeGeminiVersion, resolveGeminiBinary, type GeminiBinary } from './binary.js';
import { GEMINI_RULES_VERSION, geminiSpecOf, type GeminiMode } from './options.js';

/** The outcome for one gemini job. */
export type GeminiJobCheck =
  | { job: string; mode: GeminiMode; kind: 'ok'; binary: GeminiBinary; version: string }
  /** Runs, but not the version the built-in rules were made for: screens and flags may differ. */
  | { job: string; mode: GeminiMode; kind: 'version-differs'; binary: GeminiBinary; version: string; expected: string }
  /** Cannot run: no binary, or it does not answer `--version`. */
  | { job: string; mode: GeminiMode; kind: 'broken'; binary: GeminiBinary | null; problem: string };

/** Checks every gemini job of a plan; each binary is asked for its version once. */
export async function checkGeminiJobs(jobs: readonly { job: JobPlan['job']; env: Record<string, string> }[]): Promise<GeminiJobCheck[]> {
  const versions = new Map<string, ReturnType<typeof probeGeminiVersion>>();
  const checks: GeminiJobCheck[] = [];
  for (const { job, env } of jobs) {
    if (job.agent !== 'gemini') continue;
    const spec = job.gemini ?? geminiSpecOf(undefined);
    const resolved = resolveGeminiBinary(spec.bin, job.workdir, env['PATH']);
    if (!resolved.ok) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary: null, problem: resolved.error.message });
      continue;
    }
    const binary = resolved.value;
    let probe = versions.get(binary.file);
    if (probe === undefined) {
      probe = probeGeminiVersion(binary.file, env);
      versions.set(binary.file, probe);
    }
    const version = await probe;
    if (!version.ok) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary, problem: version.error });
    } else if (version.value !== GEMINI_RULES_VERSION) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'version-differs', binary, version: version.value, expected: GEMINI_RULES_VERSION });
    } else {
      checks.push({ job: job.name, mode: spec.mode, kind: 'ok', binary, version: version.value });
    }
  }
  return checks;
}
