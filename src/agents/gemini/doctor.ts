/**
 * `codex-run doctor` for gemini jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for).
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { agentFinding } from '../agent-binary.js';
import { GEMINI_BINARY } from './binary.js';
import { checkGeminiJobs } from './doctor-check.js';

/** The findings for gemini jobs; each binary is asked for its version once. */
export async function geminiDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkGeminiJobs(jobs)).map((check) => agentFinding(check, GEMINI_BINARY, 'Gemini CLI'));
}
