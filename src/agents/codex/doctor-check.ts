/**
 * What `codex-run doctor` checks for each codex job: which binary it will run (and why that
 * one), that binary's version, and whether the version is the one codex-run's flags, screens
 * and built-in rules were made for. A pure result; the CLI prints it.
 */
import type { DoctorInput } from '../adapter.js';
import { probeCodexVersion, resolveCodexBinary, type CodexBinary } from './binary.js';
import { CODEX_RULES_VERSION, codexSpecOf, type CodexMode } from './options.js';

/** The outcome for one codex job. */
export type CodexJobCheck =
  | { job: string; mode: CodexMode; kind: 'ok'; binary: CodexBinary; version: string }
  /** Runs, but not the version the built-in rules were made for: screens and flags may differ. */
  | { job: string; mode: CodexMode; kind: 'version-differs'; binary: CodexBinary; version: string; expected: string }
  /** Cannot run: no binary, or it does not answer `--version`. */
  | { job: string; mode: CodexMode; kind: 'broken'; binary: CodexBinary | null; problem: string };

/** Checks every codex job of a plan; each binary is asked for its version once. */
export async function checkCodexJobs(jobs: readonly DoctorInput[]): Promise<CodexJobCheck[]> {
  const versions = new Map<string, ReturnType<typeof probeCodexVersion>>();
  const checks: CodexJobCheck[] = [];
  for (const { job, env } of jobs) {
    if (job.agent !== 'codex') continue;
    const spec = job.codex ?? codexSpecOf(undefined);
    const resolved = resolveCodexBinary(spec.bin, job.workdir, env['PATH']);
    if (!resolved.ok) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary: null, problem: resolved.error.message });
      continue;
    }
    const binary = resolved.value;
    let probe = versions.get(binary.file);
    if (probe === undefined) {
      probe = probeCodexVersion(binary.file, env);
      versions.set(binary.file, probe);
    }
    const version = await probe;
    if (!version.ok) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'broken', binary, problem: version.error });
    } else if (version.value !== CODEX_RULES_VERSION) {
      checks.push({ job: job.name, mode: spec.mode, kind: 'version-differs', binary, version: version.value, expected: CODEX_RULES_VERSION });
    } else {
      checks.push({ job: job.name, mode: spec.mode, kind: 'ok', binary, version: version.value });
    }
  }
  return checks;
}
