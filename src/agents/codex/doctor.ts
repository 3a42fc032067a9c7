/**
 * `codex-run doctor` for codex jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for).
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { unreachable } from '../../util/unreachable.js';
import { INSTALL_PINNED_CODEX, type CodexBinary } from './binary.js';
import { checkCodexJobs, type CodexJobCheck } from './doctor-check.js';

function describeBinary(binary: CodexBinary): string {
  const why = binary.source === 'codex.bin' ? "the job's codex.bin" : binary.source === 'PATH' ? 'codex on PATH' : 'installed with codex-run';
  return `${binary.file} (${why})`;
}

function findingOf(check: CodexJobCheck): DoctorFinding {
  const what = `codex ${check.mode}`;
  switch (check.kind) {
    case 'ok':
      return { job: check.job, what, severity: 'ok', text: `${describeBinary(check.binary)}, codex-cli ${check.version}`, notes: [] };
    case 'version-differs':
      return {
        job: check.job,
        what,
        severity: 'warning',
        text: `${describeBinary(check.binary)}, codex-cli ${check.version}`,
        notes: [
          `codex-run's flags, screen rules and failure messages were made for codex-cli ${check.expected}; with ${check.version} they may not match (rehearse first, or install that version: \`${INSTALL_PINNED_CODEX}\`)`,
        ],
      };
    case 'broken':
      return { job: check.job, what, severity: 'error', text: check.problem, notes: [] };
    default:
      return unreachable(check);
  }
}

/** The findings for codex jobs; each binary is asked for its version once. */
export async function codexDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkCodexJobs(jobs)).map(findingOf);
}
