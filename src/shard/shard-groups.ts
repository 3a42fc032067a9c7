/**
 * Jobs that must run on the same machine: those sharing a workdir without worktree isolation
 * (they work on the same files), and those with the same `shardGroup:`. A group never splits
 * over shards. The manifest's own folder (every job's default workdir) does not count as
 * shared: each machine has its own checkout of it, and counting it would put nearly every
 * manifest on one shard; jobs there that need each other say so with `shardGroup:`. Groups are listed in manifest order (of their first job), jobs in manifest order.
 */
import type { JobSpec } from '../manifest/model.js';

/** Jobs that go to one shard together, in manifest order. */
export interface ShardGroup {
  jobs: JobSpec[];
}

/** Groups `jobs` (in manifest order) by shared workdir and `shardGroup`. */
export function shardGroups(jobs: readonly JobSpec[], manifestDir: string): ShardGroup[] {
  // Union-find over job positions; the root is always the lowest position, so order is stable.
  const parent = jobs.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i]!;
    return i;
  };
  const join = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  };
  const firstByKey = new Map<string, number>();
  jobs.forEach((job, i) => {
    const keys: string[] = [];
    if ((job.workspace?.isolation ?? 'none') !== 'worktree' && job.workdir !== manifestDir) keys.push(`workdir\0${job.workdir}`);
    if (job.shardGroup !== undefined) keys.push(`group\0${job.shardGroup}`);
    for (const key of keys) {
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, i);
      else join(first, i);
    }
  });
  const groups = new Map<number, JobSpec[]>();
  jobs.forEach((job, i) => {
    const root = find(i);
    const list = groups.get(root) ?? [];
    list.push(job);
    groups.set(root, list);
  });
  return [...groups.keys()].sort((a, b) => a - b).map((root) => ({ jobs: groups.get(root)! }));
}
