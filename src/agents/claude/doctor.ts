/**
 * `codex-run doctor` for claude jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for). Same shape as codex/doctor.ts.
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { unreachable } from '../../util/unreachable.js';
import { INSTALL_PINNED_CLAUDE, type ClaudeBinary } from './binary.js';
import { checkClaudeJobs, type ClaudeJobCheck } from './doctor-check.js';

function describeBinary(binary: ClaudeBinary): string {
  const why = binary.source === 'claude.bin' ? "the job's claude.bin" : binary.source === 'PATH' ? 'claude on PATH' : 'installed with codex-run';
  return `${binary.file} (${why})`;
}

function findingOf(check: ClaudeJobCheck): DoctorFinding {
  const what = `claude ${check.mode}`;
  switch (check.kind) {
    case 'ok':
      return { job: check.job, what, severity: 'ok', text: `${describeBinary(check.binary)}, Claude Code ${check.version}`, notes: [] };
    case 'version-differs':
      return {
        job: check.job,
        what,
        severity: 'warning',
        text: `${describeBinary(check.binary)}, Claude Code ${check.version}`,
        notes: [
          `codex-run's flags, screen rules and failure messages were made for Claude Code ${check.expected}; with ${check.version} they may not match (rehearse first, or install that version: \`${INSTALL_PINNED_CLAUDE}\`)`,
        ],
      };
    case 'broken':
      return { job: check.job, what, severity: 'error', text: check.problem, notes: [] };
    default:
      return unreachable(check);
  }
}

/** The findings for claude jobs; each binary is asked for its version once. */
export async function claudeDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkClaudeJobs(jobs)).map(findingOf);
}
