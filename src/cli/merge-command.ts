import { processOutput } from '../ui/output-stream.js';
import { mergeRun } from '../shard/merge-run.js';
import { sanitizeLine } from '../ui/text.js';

/**
 * `codex-run merge DIR... --out DIR`: one run folder from the shards' run folders. Exit code as
 * a single run's (0 every job succeeded, 1 otherwise, lost jobs included); 2 for bad input
 * (a folder without report.json, shards of different plans, an --out that is not empty).
 */
export async function mergeCommand(dirs: string[], flags: Record<string, unknown>): Promise<number> {
  const { stdout, stderr } = processOutput();
  const summaryFile = process.env['GITHUB_STEP_SUMMARY'];
  const merged = await mergeRun({
    dirs,
    outDir: flags['out'] as string,
    requireShards: typeof flags['requireShards'] === 'number' ? flags['requireShards'] : null,
    reports: {
      ...(typeof flags['junit'] === 'string' ? { junitFile: flags['junit'] } : {}),
      ...(summaryFile !== undefined && summaryFile !== '' ? { stepSummaryFile: summaryFile } : {}),
    },
    now: Date.now(),
  });
  if (!merged.ok) {
    stderr.write(`codex-run: error: ${merged.error.message}\n`);
    return merged.error.kind === 'usage' ? 2 : 1;
  }
  const { report, reportJson, warnings } = merged.value;
  for (const message of warnings) stderr.write(`codex-run: warning: ${sanitizeLine(message)}\n`);
  if (flags['json'] === true) {
    stdout.write(reportJson);
  } else {
    const counts = Object.entries(report.summary)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ');
    const shards = report.shards?.length ?? 0;
    stdout.write(`merged ${shards} shard${shards === 1 ? '' : 's'} of ${report.plan?.total ?? '?'} (plan ${report.plan?.hash.slice(0, 12) ?? '?'}): ${report.jobs.length} jobs${counts === '' ? '' : ` (${counts})`}, run ${report.status}\n`);
    for (const job of report.jobs.filter((j) => j.status === 'lost')) stdout.write(`  ${sanitizeLine(job.name)}: lost: ${sanitizeLine(job.message ?? '')}\n`);
    stdout.write(`Run folder: ${report.runDir}\n`);
  }
  if (merged.value.shortfall !== null) {
    stderr.write(`codex-run: error: ${merged.value.shortfall}\n`);
    return 1;
  }
  return report.status === 'succeeded' ? 0 : 1;
}
