import { processOutput } from '../ui/output-stream.js';
import { loadManifestOrReport } from './manifest-errors.js';
import { planRun } from '../run/plan.js';
import { planFor } from '../shard/shard-run.js';
import { githubMatrix, planJson, planText } from '../shard/plan-output.js';

const FORMATS = ['text', 'json', 'github-matrix'] as const;

/** `codex-run plan jobs.yaml --shards N`: prints the shard plan (which job runs on which shard). */
export async function planCommand(manifestFile: string, flags: Record<string, unknown>): Promise<number> {
  const { stdout, stderr } = processOutput();
  const format = typeof flags['format'] === 'string' ? flags['format'] : 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    stderr.write(`codex-run: error: --format expects ${FORMATS.join(', ')}, found '${format}'\n`);
    return 2;
  }
  const manifest = await loadManifestOrReport(manifestFile);
  if (manifest === null) return 2;
  const only = (flags['job'] as string[] | undefined) ?? [];
  // The same job selection (and its errors) as a run with --job.
  const selected = planRun(manifest, { env: process.env, only });
  if (!selected.ok) {
    stderr.write(`codex-run: error: ${selected.error}\n`);
    return 2;
  }
  const total = flags['shards'] as number;
  const timings = typeof flags['timings'] === 'string' ? flags['timings'] : undefined;
  const plan = await planFor(manifest, selected.value.jobs.map((p) => p.job), only, total, timings);
  if (!plan.ok) {
    stderr.write(`codex-run: error: ${plan.error}\n`);
    return 2;
  }
  if (format === 'json') stdout.write(`${JSON.stringify(planJson(plan.value), null, 2)}\n`);
  else if (format === 'github-matrix') stdout.write(githubMatrix(plan.value));
  else stdout.write(planText(plan.value));
  return 0;
}
