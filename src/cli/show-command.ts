import { readRegistered } from '../control/registry.js';
import { readReport } from '../control/locate.js';
import { formatMs } from '../session/policies/policy.js';
import { processOutput } from '../ui/output-stream.js';
import { sanitizeLine } from '../ui/text.js';
import { fail, findRun } from './control-target.js';

/** `codex-run show RUN [--json]`: one run's summary from its report (and whether its runner is alive). */
export async function showCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const found = await findRun(spec, flags);
  if (!found.ok) return fail(found.error);
  const report = await readReport(found.value.runDir);
  if (!report.ok) return fail({ code: 1, message: report.error });
  const r = report.value;
  const live = await readRegistered(found.value.runDir);
  // A report that still says running, with no live runner behind it, is a run that died.
  const state = r.status !== 'running' ? r.status : live?.alive === true ? 'running' : 'dead';
  const { stdout } = processOutput();
  if (flags['json'] === true) {
    stdout.write(`${JSON.stringify({ state, ...r }, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `run ${r.runId}: ${state}${r.durationMs === null ? '' : ` in ${formatMs(r.durationMs)}`}`,
    `manifest: ${r.manifest}`,
    `folder:   ${r.runDir}`,
    `started:  ${r.startedAt}`,
  ];
  const resumedFrom = (r as { resumedFrom?: { runId: string; job: string; sessionId: string } }).resumedFrom;
  if (resumedFrom !== undefined) lines.push(`resumes:  ${resumedFrom.runId}/${resumedFrom.job} (session ${resumedFrom.sessionId})`);
  for (const job of r.jobs) {
    const parts = [
      `  ${job.name.padEnd(16)} ${job.status.padEnd(11)}`,
      job.reason === null ? '' : job.reason,
      job.durationMs === null ? '' : formatMs(job.durationMs),
      job.tokensUsed === null ? '' : `${job.tokensUsed} tokens`,
      job.sessionId === null ? '' : `session ${job.sessionId}`,
      job.interventions.length === 0 ? '' : `${job.interventions.length} intervention(s)`,
    ];
    lines.push(parts.filter((p) => p !== '').join('  '));
    if (job.message !== null) lines.push(`    ${sanitizeLine(job.message)}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w.job === null ? '' : `${w.job}: `}${sanitizeLine(w.message)}`);
  stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
