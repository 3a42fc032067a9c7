import type { JobSpec } from '../manifest/model.js';

/**
 * What a job's workdir lock (src/schedule/workdir-lock.ts) stands for: the folder it edits.
 * That is its workdir, except for a job with `isolation: worktree`, which edits a worktree of
 * its own: its unit is the job itself, so worktree jobs of one repository never wait for each
 * other or for a run in the checkout, while two runs of the same job still do.
 */
export function lockUnitOf(job: Pick<JobSpec, 'name' | 'workdir' | 'workspace'>): string {
  return job.workspace?.isolation === 'worktree' ? `${job.workdir}#worktree:${job.name}` : job.workdir;
}
