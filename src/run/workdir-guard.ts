/**
 * The manual-run side of the per-workdir lock (src/schedule/workdir-lock.ts): a run started
 * by hand refuses to start when one of its jobs' workdirs is held by another live process,
 * which is a scheduled run of `codex-run schedule` editing that checkout. It only looks and
 * never takes the lock, so runs started by hand never block each other or the scheduler.
 * Locks held by this very process are not a conflict: they are the scheduler's own, taken
 * for the run it is starting now.
 */
import { liveLockHolder } from '../schedule/workdir-lock.js';
import type { RunPlan } from './plan.js';

/** What a workdir check may be told, for tests. */
export interface WorkdirGuardOptions {
  /** This process's pid; default process.pid. */
  pid?: number;
  /** Default: the lock holder's pid, start time and boot id still match a live process. */
  isAlive?: (pid: number) => boolean;
}

/** One line per workdir of the plan that another process holds, naming the holder; empty when all are free. */
export function busyWorkdirs(runsRoot: string, plan: RunPlan, options: WorkdirGuardOptions = {}): string[] {
  const pid = options.pid ?? process.pid;
  // A worktree job edits its own worktree, not the checkout another process may hold.
  const jobs = plan.jobs.filter((p) => p.job.workspace?.isolation !== 'worktree');
  const workdirs = [...new Set(jobs.map((p) => p.job.workdir))];
  const busy: string[] = [];
  for (const workdir of workdirs) {
    const holder = liveLockHolder(runsRoot, workdir, options.isAlive);
    if (holder === null || holder.pid === pid) continue;
    const names = jobs.filter((p) => p.job.workdir === workdir).map((p) => `'${p.job.name}'`);
    busy.push(
      `workdir ${workdir} (job ${names.join(', ')}) is in use by ${holder.owner} (pid ${holder.pid}) since ${new Date(holder.since).toISOString()}; ` +
        'start this run when that one has finished, or stop it',
    );
  }
  return busy;
}
