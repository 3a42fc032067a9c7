/**
 * `codex-run doctor` for claude jobs: the checks of doctor-check.ts as neutral findings the CLI
 * prints (which binary and why that one, its version, a warning for a version codex-run's
 * rules were not made for).
 */
import type { DoctorFinding, DoctorInput } from '../adapter.js';
import { agentFinding } from '../agent-binary.js';
import { CLAUDE_BINARY } from './binary.js';
import { checkClaudeJobs } from './doctor-check.js';

/** The findings for claude jobs; each binary is asked for its version once. */
export async function claudeDoctor(jobs: readonly DoctorInput[]): Promise<DoctorFinding[]> {
  return (await checkClaudeJobs(jobs)).map((check) => agentFinding(check, CLAUDE_BINARY, 'Claude Code'));
}
