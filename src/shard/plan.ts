/**
 * The shard plan: which shard runs which job. Deterministic and coordination-free: it depends
 * only on the jobs (their digests, in manifest order), the job filter, N and the timings used,
 * so every machine of a CI matrix computes the same plan and the same hash. No clock, no
 * randomness, no machine paths (see job-digest.ts).
 *
 * Without timings: groups in manifest order, each onto the shard with the fewest jobs (ties:
 * the lowest index). With timings: the longest group first onto the shard with the least
 * estimated time; a job without a timing counts as the median of the known ones.
 */
import type { JobSpec } from '../manifest/model.js';
import { canonicalJson, jobDigest, sha256 } from './job-digest.js';
import { shardGroups, type ShardGroup } from './shard-groups.js';

/** Bumped when the same input would be assigned differently, so old and new plans never merge. */
export const PLAN_VERSION = 1;

export interface ShardPlanInput {
  /** The manifest's folder (paths in the digest are relative to it). */
  manifestDir: string;
  /** The jobs after the job filter, in manifest order. */
  jobs: readonly JobSpec[];
  /** The job filter (`--job` names, or the jobs `--rerun-failed` picked); empty: every job. */
  filter: readonly string[];
  /** N. */
  total: number;
  /** Earlier durations by job name (`--timings report.json`); null or empty: a balanced split by job count. */
  timings?: ReadonlyMap<string, number> | null;
}

/** One shard of the plan. */
export interface PlannedShard {
  /** 1-based. */
  index: number;
  /** Job names in manifest order. */
  jobs: string[];
  /** With timings: the sum of its jobs' estimates; else null. */
  estimatedMs: number | null;
}

/** The whole plan, identical on every machine. */
export interface ShardPlan {
  /** sha256 of the canonical description (see {@link planHashInput}). */
  hash: string;
  total: number;
  /** The filter as hashed: sorted, without duplicates. */
  filter: string[];
  /** Each job's shard (1-based), keys in manifest order. */
  assignment: Record<string, number>;
  shards: PlannedShard[];
  /** Each job's estimate when timings were used, else null. */
  estimates: Record<string, number> | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

// Each job's estimate, or null when no job has a timing (then the split is by count).
function estimatesOf(jobs: readonly JobSpec[], timings: ReadonlyMap<string, number> | null | undefined): Record<string, number> | null {
  if (timings === null || timings === undefined) return null;
  const known = jobs.map((j) => timings.get(j.name)).filter((ms): ms is number => ms !== undefined && Number.isFinite(ms) && ms >= 0);
  if (known.length === 0) return null;
  const fallback = median(known);
  const out: Record<string, number> = {};
  for (const job of jobs) {
    const ms = timings.get(job.name);
    out[job.name] = ms !== undefined && Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : fallback;
  }
  return out;
}

// The shard (0-based) with the least load; ties go to the lowest index.
function leastLoaded(loads: number[]): number {
  let best = 0;
  for (let i = 1; i < loads.length; i++) if (loads[i]! < loads[best]!) best = i;
  return best;
}

/** The canonical description the plan hash is taken over. */
export function planHashInput(input: ShardPlanInput, filter: string[], estimates: Record<string, number> | null): string {
  return canonicalJson({
    planVersion: PLAN_VERSION,
    total: input.total,
    filter,
    jobs: input.jobs.map((job) => ({ name: job.name, digest: jobDigest(job, input.manifestDir) })),
    timings: estimates,
  });
}

/** Splits the jobs over `total` shards. Pure. */
export function planShards(input: ShardPlanInput): ShardPlan {
  if (!Number.isInteger(input.total) || input.total < 1) throw new Error(`Internal error: a plan of ${input.total} shards`);
  const filter = [...new Set(input.filter)].sort();
  const estimates = estimatesOf(input.jobs, input.timings);
  const groups = shardGroups(input.jobs, input.manifestDir);
  const weight = (group: ShardGroup): number => (estimates === null ? group.jobs.length : group.jobs.reduce((sum, j) => sum + estimates[j.name]!, 0));
  // With timings the longest group goes first (ties: manifest order, which sort keeps).
  const order = estimates === null ? groups : [...groups].sort((a, b) => weight(b) - weight(a));
  const loads = new Array<number>(input.total).fill(0);
  const shardOf = new Map<string, number>();
  for (const group of order) {
    const target = leastLoaded(loads);
    loads[target] = loads[target]! + weight(group);
    for (const job of group.jobs) shardOf.set(job.name, target + 1);
  }
  const assignment: Record<string, number> = {};
  for (const job of input.jobs) assignment[job.name] = shardOf.get(job.name)!;
  const shards: PlannedShard[] = loads.map((load, i) => ({
    index: i + 1,
    jobs: input.jobs.filter((j) => assignment[j.name] === i + 1).map((j) => j.name),
    estimatedMs: estimates === null ? null : load,
  }));
  return { hash: sha256(planHashInput(input, filter, estimates)), total: input.total, filter, assignment, shards, estimates };
}
