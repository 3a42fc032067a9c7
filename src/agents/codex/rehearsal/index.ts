import type { AgentRehearsal } from '../../adapter.js';
import { createRehearsalHome, REHEARSAL_MODEL, REHEARSAL_UNSET_ENV } from './codex-home.js';
import { responsesFace } from './responses-face.js';

/**
 * How codex is rehearsed: the Responses face, and a private CODEX_HOME per job (inside the run
 * folder) whose provider points at the job's route (`<baseUrl>/v1`, codex appends `/responses`).
 */
export const codexRehearsal: AgentRehearsal = {
  face: responsesFace,
  createHome: ({ baseUrl, job, parentDir, existingDir }) =>
    createRehearsalHome({
      baseUrl: `${baseUrl}/v1`,
      workdirs: [job.workdir],
      model: REHEARSAL_MODEL,
      parentDir,
      ...(existingDir !== undefined ? { existingDir } : {}),
    }),
  privateEnv: [...REHEARSAL_UNSET_ENV, 'OPENAI_*', 'CODEX_API_KEY*'],
};
