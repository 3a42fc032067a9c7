/**
 * What a shard's run records about itself in report.json (`shard`), so `codex-run merge` can
 * check the plan, find lost jobs (the whole assignment travels with every shard) and say which
 * machine ran what; and `rerunOf` for a `--rerun-failed` run.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { JobSpec } from '../manifest/model.js';
import { resolveCodexBinary } from '../agents/codex/binary.js';
import type { ShardPlan } from './plan.js';
import type { ShardSpec } from './shard-spec.js';

/** The shard facts known when the run starts (times come from the run itself). */
export interface ShardStamp {
  index: number;
  total: number;
  planHash: string;
  host: string;
  codexVersion: string | null;
  /** The whole plan: job name to its shard (1-based). */
  assignment: Record<string, number>;
  filter: string[];
}

/** A `--rerun-failed` run: the plan and run whose failed jobs it runs again. */
export interface RerunOf {
  /** The plan of the shards it reruns; null when the report was of an unsharded run. */
  planHash: string | null;
  runId: string;
}

/** The stamp for shard `spec` of `plan`. */
export function shardStamp(spec: ShardSpec, plan: ShardPlan, jobs: readonly JobSpec[], env: Readonly<Record<string, string | undefined>>): ShardStamp {
  return {
    index: spec.index,
    total: spec.total,
    planHash: plan.hash,
    host: hostname(),
    codexVersion: codexVersionOf(jobs, env),
    assignment: { ...plan.assignment },
    filter: [...plan.filter],
  };
}

/**
 * The version of the codex binary the shard's codex jobs use, when it is cheap to know: read
 * from the `@openai/codex` package.json beside the binary (no process is started). Null for a
 * shard without codex jobs, or a binary outside such a package.
 */
export function codexVersionOf(jobs: readonly JobSpec[], env: Readonly<Record<string, string | undefined>>): string | null {
  const job = jobs.find((j) => j.agent === 'codex');
  if (job === undefined) return null;
  return resolveVersion(job, env);
}

function resolveVersion(job: JobSpec, env: Readonly<Record<string, string | undefined>>): string | null {
  try {
    const bin = job.codex?.bin ?? null;
    const found = resolveCodexBinary(bin, job.workdir, job.env['PATH'] ?? env['PATH']);
    if (!found.ok) return null;
    let dir = path.dirname(realpathSync(found.value.file));
    for (let depth = 0; depth < 6; depth++) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === '@openai/codex' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // No package.json here: look further up.
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    // Unknown is fine: the field is informative.
  }
  return null;
}
