/** The text of `codex-run schedule --list`: each scheduled job with its next fire times. */
import { formatDuration } from '../manifest/duration.js';
import { nextFireTimes, resolveTimeZone } from './cron.js';
import type { ScheduledJob } from './daemon.js';
import { formatZoned } from './zoned-time.js';

export interface ListOptions {
  /** Fire times are listed strictly after this instant. */
  now: number;
  /** How many fire times per job; default 3. */
  count?: number;
}

/**
 * One block per job, in the order given:
 * ```
 * nightly-deps  (/repo/jobs.yaml)
 *   schedule  0 2 * * 1-5  Europe/Berlin
 *   policy    overlap skip, catchUp false, jitter 5m
 *   next      2026-01-05 02:00 +01:00
 *             2026-01-06 02:00 +01:00
 * ```
 * Times are shown in the job's own zone, the one its cron line is read in.
 */
export function formatScheduleList(jobs: readonly ScheduledJob[], options: ListOptions): string {
  if (jobs.length === 0) return 'No job has a schedule.\n';
  const count = options.count ?? 3;
  return jobs
    .map((job) => {
      const zone = resolveTimeZone(job.spec);
      const zoneLabel = job.spec.timezone === null ? `${zone} (local)` : zone;
      const times = nextFireTimes(job.spec, options.now, count).map((t) => formatZoned(t, zone));
      const jitter = job.spec.jitterMs === 0 ? 'none' : formatDuration(job.spec.jitterMs);
      const lines = [
        `${job.job}  (${job.manifest})`,
        `  schedule  ${job.spec.cron}  ${zoneLabel}`,
        `  policy    overlap ${job.spec.overlap}, catchUp ${String(job.spec.catchUp)}, jitter ${jitter}`,
        ...(times.length === 0 ? ['  next      never'] : times.map((t, i) => `  ${i === 0 ? 'next' : '    '}      ${t}`)),
      ];
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}
