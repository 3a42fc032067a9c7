/**
 * `codex-run doctor` for gemini jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for). Same shape as codex/doctor.ts.
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { unreachable } from '../../util/unreachable.js';
import { INSTALL_PINNED_GEMINI, type GeminiBinary } from './binary.js';
import { checkGeminiJobs, type GeminiJobCheck } from './doctor-check.js';

function describeBinary(binary: GeminiBinary): string {
  const why = binary.source === 'gemini.bin' ? "the job's gemini.bin" : binary.source === 'PATH' ? 'gemini on PATH' : 'installed with codex-run';
  return `${binary.file} (${why})`;
}

function findingOf(check: GeminiJobCheck): DoctorFinding {
  const what = `gemini ${check.mode}`;
  switch (check.kind) {
    case 'ok':
      return { job: check.job, what, severity: 'ok', text: `${describeBinary(check.binary)}, Gemini CLI ${check.version}`, notes: [] };
    case 'version-differs':
      return {
        job: check.job,
        what,
        severity: 'warning',
        text: `${describeBinary(check.binary)}, Gemini CLI ${check.version}`,
        notes: [
          `codex-run's flags, screen rules and failure messages were made for Gemini CLI ${check.expected}; with ${check.version} they may not match (rehearse first, or install that version: \`${INSTALL_PINNED_GEMINI}\`)`,
        ],
      };
    case 'broken':
      return { job: check.job, what, severity: 'error', text: check.problem, notes: [] };
    default:
      return unreachable(check);
  }
}

/** The findings for gemini jobs; each binary is asked for its version once. */
export async function geminiDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkGeminiJobs(jobs)).map(findingOf);
}
