/**
 * `codex-run doctor` for codex jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for).
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { agentFinding } from '../agent-binary.js';
import { CODEX_BINARY } from './binary.js';
import { checkCodexJobs } from './doctor-check.js';

/** The findings for codex jobs; each binary is asked for its version once. */
export async function codexDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkCodexJobs(jobs)).map((check) => agentFinding(check, CODEX_BINARY, 'codex-cli'));
}
