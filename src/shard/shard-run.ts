/**
 * The shard options of a run (`--shard`, `--shards`, `--timings`, `--rerun-failed`) applied to
 * its plan: the jobs this process runs and what its report records about the shard. Without
 * them the plan is returned unchanged.
 */
import type { JobSpec, Manifest } from '../manifest/model.js';
import type { RunPlan } from '../run/plan.js';
import { err, ok, type Result } from '../util/result.js';
import { planShards, type ShardPlan } from './plan.js';
import { loadRerun } from './rerun.js';
import { resolveShard } from './shard-spec.js';
import { shardStamp } from './shard-stamp.js';
import { loadTimings } from './timings.js';
import type { ShardRunOptions } from './shard-options.js';

/** The plan of `total` shards over `jobs` (already filtered, manifest order). */
export async function planFor(manifest: Manifest, jobs: readonly JobSpec[], filter: readonly string[], total: number, timingsFile?: string): Promise<Result<ShardPlan, string>> {
  let timings: Map<string, number> | null = null;
  if (timingsFile !== undefined) {
    const loaded = await loadTimings(timingsFile);
    if (!loaded.ok) return loaded;
    timings = loaded.value;
  }
  return ok(planShards({ manifestDir: manifest.dir, jobs, filter, total, timings }));
}

/** The run plan narrowed to this shard's jobs (and to the jobs to rerun), with its shard and rerun facts. */
export async function shardRunPlan(plan: RunPlan, options: ShardRunOptions, only: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Result<RunPlan, string>> {
  if (options.shard === undefined) {
    if (options.shards !== undefined) return err('--shards is for --shard auto (with JOB_COMPLETION_INDEX) and for `codex-run plan`; give --shard too');
    if (options.timingsFile !== undefined) return err('--timings shapes a shard plan; give --shard too');
  }
  let jobs = plan.jobs;
  let filter = [...only];
  let rerunOf: RunPlan['rerunOf'];
  if (options.rerunFailed !== undefined) {
    const rerun = await loadRerun(options.rerunFailed, plan.manifest.jobs.map((j) => j.name));
    if (!rerun.ok) return rerun;
    const wanted = new Set(rerun.value.jobs);
    jobs = jobs.filter((p) => wanted.has(p.job.name));
    filter = jobs.map((p) => p.job.name);
    rerunOf = rerun.value.rerunOf;
  }
  let shard: RunPlan['shard'];
  if (options.shard !== undefined) {
    const spec = resolveShard(options.shard, options.shards ?? null, env);
    if (!spec.ok) return spec;
    const planned = await planFor(plan.manifest, jobs.map((p) => p.job), filter, spec.value.total, options.timingsFile);
    if (!planned.ok) return planned;
    const mine = new Set(planned.value.shards[spec.value.index - 1]?.jobs ?? []);
    jobs = jobs.filter((p) => mine.has(p.job.name));
    shard = shardStamp(spec.value, planned.value, jobs.map((p) => p.job), env);
  }
  return ok({ ...plan, jobs, ...(shard !== undefined ? { shard } : {}), ...(rerunOf !== undefined ? { rerunOf } : {}) });
}
