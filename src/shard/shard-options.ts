/**
 * The shard options of a run, as the CLI gives them; kept apart from shard-run.ts so an
 * ordinary run checks for them without loading the shard code.
 */

/** The shard options as the CLI gives them. */
export interface ShardRunOptions {
  /** `--shard I/N` or `--shard auto`. */
  shard?: string;
  /** `--shards N` (with `--shard auto` and JOB_COMPLETION_INDEX). */
  shards?: number;
  /** `--timings report.json`. */
  timingsFile?: string;
  /** `--rerun-failed report.json`. */
  rerunFailed?: string;
}

/** Whether any shard option is given (none: the run is exactly as before). */
export function hasShardOptions(options: ShardRunOptions): boolean {
  return options.shard !== undefined || options.shards !== undefined || options.timingsFile !== undefined || options.rerunFailed !== undefined;
}
