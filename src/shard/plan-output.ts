/**
 * `codex-run plan` output: a table for people, JSON for scripts, and the one-line matrix
 * GitHub Actions reads with `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`
 * (each entry's `shard` is what `--shard ${{ matrix.shard }}` takes). Pure.
 */
import { formatDuration } from '../ui/text.js';
import type { ShardPlan } from './plan.js';

/** `plan --format json`. */
export interface PlanJson {
  planHash: string;
  total: number;
  filter: string[];
  shards: Array<{ index: number; jobs: string[]; estimatedMs?: number }>;
}

export function planJson(plan: ShardPlan): PlanJson {
  return {
    planHash: plan.hash,
    total: plan.total,
    filter: [...plan.filter],
    shards: plan.shards.map((s) => ({ index: s.index, jobs: [...s.jobs], ...(s.estimatedMs === null ? {} : { estimatedMs: s.estimatedMs }) })),
  };
}

/** The most jobs one GitHub Actions matrix may generate. */
export const GITHUB_MATRIX_LIMIT = 256;

/** `plan --format github-matrix`: one line, every shard (empty ones too: they still report). */
export function githubMatrix(plan: ShardPlan): string {
  const include = plan.shards.map((s) => ({ shard: `${s.index}/${plan.total}`, index: s.index, total: plan.total, jobs: s.jobs.length }));
  return `${JSON.stringify({ include })}\n`;
}

/** `plan` (text): one row per shard with its jobs. */
export function planText(plan: ShardPlan): string {
  const timed = plan.estimates !== null;
  const rows = plan.shards.map((s) => [`${s.index}/${plan.total}`, String(s.jobs.length), timed ? formatDuration(s.estimatedMs ?? 0) : '', s.jobs.length === 0 ? '(none)' : s.jobs.join(', ')]);
  const head = ['SHARD', 'JOBS', timed ? 'ESTIMATE' : '', 'NAMES'];
  const columns = timed ? [0, 1, 2, 3] : [0, 1, 3];
  const width = (c: number): number => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length));
  const line = (cells: string[]): string => columns.map((c, i) => (i === columns.length - 1 ? cells[c]! : cells[c]!.padEnd(width(c)))).join('  ');
  const jobs = plan.shards.reduce((n, s) => n + s.jobs.length, 0);
  const filter = plan.filter.length === 0 ? '' : `, filter: ${plan.filter.join(', ')}`;
  return [`plan ${plan.hash.slice(0, 12)}: ${jobs} job${jobs === 1 ? '' : 's'} over ${plan.total} shard${plan.total === 1 ? '' : 's'}${timed ? ' (by timings)' : ''}${filter}`, line(head), ...rows.map(line)].join('\n') + '\n';
}
