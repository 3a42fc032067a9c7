/**
 * How `--rehearse` runs Claude Code offline: the Messages API face and a pre-seeded private
 * CLAUDE_CONFIG_DIR per job (home.ts).
 */
import type { AgentRehearsal } from '../../adapter.js';
import { CLAUDE_PRIVATE_ENV, createClaudeHome } from './home.js';
import { messagesFace } from './messages-face.js';

export const claudeRehearsal: AgentRehearsal = {
  face: messagesFace,
  createHome: ({ baseUrl, job, parentDir, existingDir }) =>
    createClaudeHome({ baseUrl, workdir: job.workdir, parentDir, ...(existingDir !== undefined ? { existingDir } : {}) }),
  unsupportedTurns: ['patch'],
  privateEnv: CLAUDE_PRIVATE_ENV,
};
