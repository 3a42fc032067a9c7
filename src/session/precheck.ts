import { statSync } from 'node:fs';
import type { LaunchPlan, LaunchProblem } from '../agents/adapter.js';
import { findExecutable } from '../agents/find-executable.js';
import type { JobSpec } from '../manifest/model.js';
import type { FailureReason } from '../run/events.js';
import type { Result } from '../util/result.js';

export interface PrecheckFailure {
  reason: Extract<FailureReason, 'workdir-missing' | 'binary-missing' | 'agent-usage'>;
  message: string;
}

/**
 * Checks what node-pty would only report as "execvp(3) failed" after the fact: the workdir
 * exists and the program can be executed. Returns the plan with its program resolved.
 */
export function precheck(
  job: JobSpec,
  launch: Result<LaunchPlan, LaunchProblem>,
  env: Record<string, string>,
): Result<LaunchPlan, PrecheckFailure> {
  if (!launch.ok) return launch;
  let isDir = false;
  try {
    isDir = statSync(job.workdir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    return { ok: false, error: { reason: 'workdir-missing', message: `workdir ${job.workdir} does not exist or is not a folder` } };
  }
  const file = findExecutable(launch.value.file, job.workdir, env['PATH']);
  if (file === null) {
    return {
      ok: false,
      error: {
        reason: 'binary-missing',
        message: `'${launch.value.file}' was not found or is not executable (looked in ${launch.value.file.includes('/') ? job.workdir : "the job's PATH"})`,
      },
    };
  }
  return { ok: true, value: { ...launch.value, file } };
}
