import { processOutput } from '../ui/output-stream.js';
import { printManifestFailure } from './manifest-errors.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { placeholdersIn, withUnsetPlaceholders } from '../manifest/interpolate.js';
import { canonicalJson, jobDigestInput } from '../shard/job-digest.js';
import { planRun } from '../run/plan.js';
import { planFor } from '../shard/shard-run.js';
import { GITHUB_MATRIX_LIMIT, githubMatrix, planJson, planText } from '../shard/plan-output.js';

const FORMATS = ['text', 'json', 'github-matrix'] as const;

/** `codex-run plan jobs.yaml --shards N`: prints the shard plan (which job runs on which shard). */
export async function planCommand(manifestFile: string, flags: Record<string, unknown>): Promise<number> {
  const { stdout, stderr } = processOutput();
  const format = typeof flags['format'] === 'string' ? flags['format'] : 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    stderr.write(`codex-run: error: --format expects ${FORMATS.join(', ')}, found '${format}'\n`);
    return 2;
  }
  // Variable names count in the plan, not their values: a CI plan job has no secrets, so an
  // unset ${VAR} is a placeholder here, unless it is in what the plan hashes (a workdir, say).
  const loaded = await loadManifest(manifestFile, { env: withUnsetPlaceholders(process.env) });
  if (!loaded.ok) {
    printManifestFailure(loaded.error);
    return 2;
  }
  const manifest = loaded.value;
  const total = flags['shards'] as number;
  if (format === 'github-matrix' && total > GITHUB_MATRIX_LIMIT) {
    stderr.write(`codex-run: error: --shards ${total}: a GitHub Actions matrix runs at most ${GITHUB_MATRIX_LIMIT} jobs; use --shards ${GITHUB_MATRIX_LIMIT} or fewer (each shard runs several jobs)\n`);
    return 2;
  }
  const only = (flags['job'] as string[] | undefined) ?? [];
  // The same job selection (and its errors) as a run with --job.
  const selected = planRun(manifest, { env: process.env, only });
  if (!selected.ok) {
    stderr.write(`codex-run: error: ${selected.error}\n`);
    return 2;
  }
  for (const { job } of selected.value.jobs) {
    const needed = placeholdersIn(canonicalJson(jobDigestInput(job, manifest.dir)));
    if (needed.length > 0) {
      stderr.write(`codex-run: error: ${job.location.file}:${job.location.line}:${job.location.col}: job '${job.name}' uses ${needed.map((n) => `\${${n}}`).join(', ')} in what decides the plan (its workdir or agent options); set ${needed.length === 1 ? 'it' : 'them'} as the shards will\n`);
      return 2;
    }
  }
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
