/**
 * Scheduled jobs that share a workdir share its lock: only one of them runs there at a time.
 * When their fire times coincide, the other one is skipped every time (`overlap: skip`) or waits
 * (`queue`). This finds such pairs, so `validate` and `schedule --list` can say so, and the
 * manifest can make `queue` the default for jobs that share a workdir.
 */
import { latestFireAtOrBefore, nextFireTimes } from './cron.js';
import type { OverlapPolicy, ScheduleSpec } from './schedule-spec.js';

/** A scheduled job as far as sharing a workdir goes. */
export interface WorkdirJob {
  job: string;
  workdir: string;
  spec: Pick<ScheduleSpec, 'cron' | 'timezone'> & { overlap: OverlapPolicy };
}

/** Two jobs with one workdir that fire at the same instant, `at` being the first such instant found. */
export interface SharedFire<T extends WorkdirJob> {
  first: T;
  second: T;
  at: number;
}

/** Fires of the sparser job of a pair that are checked against the other (three months of a daily job, 100 years of a yearly one). */
const FIRES_CHECKED = 100;

/** The jobs in groups of two or more that have the same workdir, in the order given. */
export function sameWorkdirGroups<T extends { workdir: string }>(jobs: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const job of jobs) groups.set(job.workdir, [...(groups.get(job.workdir) ?? []), job]);
  return [...groups.values()].filter((group) => group.length > 1);
}

/**
 * For each job that shares a workdir with an earlier job (in the order given) and fires together
 * with it after `now`: that pair, with their first common fire. One per job, naming the first
 * earlier job it meets, so ten jobs on one schedule give nine lines, not forty-five.
 */
export function coincidingFires<T extends WorkdirJob>(jobs: readonly T[], now: number): Array<SharedFire<T>> {
  const found: Array<SharedFire<T>> = [];
  for (const group of sameWorkdirGroups(jobs)) {
    for (let k = 1; k < group.length; k++) {
      for (let i = 0; i < k; i++) {
        const at = firstCommonFire(group[i]!.spec, group[k]!.spec, now);
        if (at === null) continue;
        found.push({ first: group[i]!, second: group[k]!, at });
        break;
      }
    }
  }
  return found;
}

// Walks the fires of the sparser schedule and asks whether the denser one fires at that instant.
function firstCommonFire(a: WorkdirJob['spec'], b: WorkdirJob['spec'], now: number): number | null {
  if (a.cron.trim() === b.cron.trim() && a.timezone === b.timezone) return nextFireTimes(a, now, 1)[0] ?? null;
  const probe = 20;
  const lastA = nextFireTimes(a, now, probe).at(-1) ?? Infinity;
  const lastB = nextFireTimes(b, now, probe).at(-1) ?? Infinity;
  const [sparse, dense] = lastA >= lastB ? [a, b] : [b, a];
  for (const t of nextFireTimes(sparse, now, FIRES_CHECKED)) {
    if (latestFireAtOrBefore(dense, t) === t) return t;
  }
  return null;
}

/** What a shared fire means for the second job, in one line (no location). */
export function describeSharedFire(fire: SharedFire<WorkdirJob>, when: string): string {
  const { first, second } = fire;
  const loser = second.spec.overlap === 'skip' ? second : first.spec.overlap === 'skip' ? first : null;
  const effect =
    loser === null
      ? 'one waits for the other each time'
      : `'${loser.job}' (overlap: skip) is skipped whenever the other holds the workdir`;
  return `jobs '${first.job}' and '${second.job}' share the workdir ${first.workdir} and fire at the same time (first ${when}): only one runs there at a time, so ${effect}`;
}
