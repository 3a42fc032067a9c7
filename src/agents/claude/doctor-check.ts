/**
 * What `codex-run doctor` checks for each claude job: which binary it will run (and why that
 * one), that binary's version, and whether the version is the one codex-run's flags, screens
 * and built-in rules were made for. A pure result; the CLI prints it. Same shape as
 * codex/doctor-check.ts.
 */
import type { DoctorInput } from '../adapter.js';
import { probeClaudeVersion, resolveClaudeBinary, type ClaudeBinary } from './binary.js';
import { CLAUDE_RULES_VERSION, claudeSpecOf, type ClaudeMode } from './options.js';

/** The outcome for one claude job. */
export type ClaudeJobCheck =
  | { job: string; mode: ClaudeMode; kind: 'ok'; binary: ClaudeBinary; version: string }
  /** Runs, but not the version the built-in rules were made for: screens and flags may differ. */
  | { job: string; mode: ClaudeMode; kind: 'version-differs'; binary: ClaudeBinary; version: string; expected: string }
  /** Cannot run: no binary, or it does not answer `--version`. */
  | { job: string; mode: ClaudeMode; kind: 'broken'; binary: ClaudeBinary | null; problem: string };

/** Checks every claude job of a plan; each binary is asked for its version once. */
export async function checkClaudeJobs(jobs: readonly DoctorInput[]): Promise<ClaudeJobCheck[]> {
  const versions = new Map<string, ReturnType<typeof probeClaudeVersion>>();
  const checks: ClaudeJobCheck[] = [];
  for (const { job, env } of jobs) {
    if (job.agent !== 'claude') continue;
    const spec = job.claude ?? claudeSpecOf(undefined);
    const resolved = resolveClaudeBinary(spec.bin, job.workdir, env['PATH']);
    if (!resolved.ok) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary: null, problem: resolved.error.message });
      continue;
    }
    const binary = resolved.value;
    let probe = versions.get(binary.file);
    if (probe === undefined) {
      probe = probeClaudeVersion(binary.file, env);
      versions.set(binary.file, probe);
    }
    const version = await probe;
    if (!version.ok) checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary, problem: version.error });
    else if (version.value !== CLAUDE_RULES_VERSION) checks.push({ job: job.name, mode: spec.mode, kind: 'version-differs', binary, version: version.value, expected: CLAUDE_RULES_VERSION });
    else checks.push({ job: job.name, mode: spec.mode, kind: 'ok', binary, version: version.value });
  }
  return checks;
}
