/**
 * Which shard this process runs: `--shard I/N` (1-based), or `--shard auto`, read from the CI
 * system's variables. Bad values are usage errors (exit 2) that say what was expected and,
 * for `auto`, which variables were looked at.
 */
import { err, ok, type Result } from '../util/result.js';

/** One shard of a plan: `index` is 1-based, `1 <= index <= total`. */
export interface ShardSpec {
  index: number;
  total: number;
}

/** The variables `--shard auto` reads, in order. */
export const SHARD_ENV = {
  /** `CODEX_RUN_SHARD=2/5`: set it yourself (any CI). */
  own: 'CODEX_RUN_SHARD',
  /** GitLab `parallel:` (1-based). */
  gitlabIndex: 'CI_NODE_INDEX',
  gitlabTotal: 'CI_NODE_TOTAL',
  /** Kubernetes Indexed Job (0-based), with `--shards N`. */
  k8sIndex: 'JOB_COMPLETION_INDEX',
} as const;

/** Most shards a plan may have: far more than any CI matrix allows (GitHub: 256). */
export const MAX_SHARDS = 1000;

function wholeNumber(text: string): number | null {
  return /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** `--shards N`: a whole number from 1 to {@link MAX_SHARDS}. */
export function parseShardCount(text: string, what = '--shards'): Result<number, string> {
  const n = wholeNumber(text);
  if (n === null || n < 1 || n > MAX_SHARDS) return err(`${what} expects a whole number from 1 to ${MAX_SHARDS}, found '${text}'`);
  return ok(n);
}

/** `I/N` with `1 <= I <= N`. */
export function parseShardSpec(text: string, what = '--shard'): Result<ShardSpec, string> {
  const match = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(text);
  if (match === null) return err(`${what} expects I/N (shard I of N, counted from 1, e.g. 2/5) or auto, found '${text}'`);
  const index = Number(match[1]);
  const total = Number(match[2]);
  if (total < 1 || total > MAX_SHARDS) return err(`${what} '${text}': N must be from 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > total) return err(`${what} '${text}': shard ${index} of ${total} does not exist; shards are counted from 1 to ${total}`);
  return ok({ index, total });
}

/**
 * The shard from `--shard` (I/N or auto) and `--shards N`. With `auto`: CODEX_RUN_SHARD, else
 * GitLab's CI_NODE_INDEX/CI_NODE_TOTAL, else Kubernetes' JOB_COMPLETION_INDEX (0-based) with `--shards`.
 */
export function resolveShard(flag: string, shards: number | null, env: Readonly<Record<string, string | undefined>>): Result<ShardSpec, string> {
  const agree = (spec: ShardSpec, from: string): Result<ShardSpec, string> =>
    shards !== null && shards !== spec.total ? err(`--shards ${shards} disagrees with ${from}, which says ${spec.total} shards`) : ok(spec);
  if (flag.trim() !== 'auto') {
    const spec = parseShardSpec(flag);
    return spec.ok ? agree(spec.value, `--shard ${flag}`) : spec;
  }
  const set = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value;
  };
  const own = set(SHARD_ENV.own);
  if (own !== null) {
    const spec = parseShardSpec(own, SHARD_ENV.own);
    return spec.ok ? agree(spec.value, `${SHARD_ENV.own}=${own}`) : spec;
  }
  const gitlabIndex = set(SHARD_ENV.gitlabIndex);
  const gitlabTotal = set(SHARD_ENV.gitlabTotal);
  if (gitlabIndex !== null || gitlabTotal !== null) {
    if (gitlabIndex === null || gitlabTotal === null) {
      return err(`--shard auto: GitLab sets both ${SHARD_ENV.gitlabIndex} and ${SHARD_ENV.gitlabTotal} (with parallel:); only ${gitlabIndex === null ? SHARD_ENV.gitlabTotal : SHARD_ENV.gitlabIndex} is set`);
    }
    const spec = parseShardSpec(`${gitlabIndex}/${gitlabTotal}`, `${SHARD_ENV.gitlabIndex}/${SHARD_ENV.gitlabTotal}`);
    return spec.ok ? agree(spec.value, `${SHARD_ENV.gitlabIndex}/${SHARD_ENV.gitlabTotal}=${gitlabIndex}/${gitlabTotal}`) : spec;
  }
  const k8s = set(SHARD_ENV.k8sIndex);
  if (k8s !== null) {
    const index = wholeNumber(k8s);
    if (index === null) return err(`--shard auto: ${SHARD_ENV.k8sIndex} expects a whole number (0-based), found '${k8s}'`);
    if (shards === null) return err(`--shard auto: ${SHARD_ENV.k8sIndex}=${k8s} is set (a Kubernetes Indexed Job); give the number of shards with --shards N (the Job's completions)`);
    if (index >= shards) return err(`--shard auto: ${SHARD_ENV.k8sIndex}=${k8s} is 0-based and must be below --shards ${shards}`);
    return ok({ index: index + 1, total: shards });
  }
  return err(
    `--shard auto: no shard in the environment; looked at ${SHARD_ENV.own} (I/N), ${SHARD_ENV.gitlabIndex}/${SHARD_ENV.gitlabTotal} (GitLab parallel:) and ${SHARD_ENV.k8sIndex} with --shards N (Kubernetes Indexed Job). Give --shard I/N instead`,
  );
}
