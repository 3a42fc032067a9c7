import { processOutput } from '../ui/output-stream.js';
import { ask, byOf, fail, findJob, findRun } from './control-target.js';

/** `codex-run kill JOB`: the job's stop ladder, recorded as killed by the user. */
export async function killCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const found = await findJob(spec, flags);
  if (!found.ok) return fail(found.error);
  const answer = await ask(found.value.run, 'kill', { job: found.value.job.name, by: byOf(flags) });
  if (!answer.ok) return fail(answer.error);
  processOutput().stdout.write(flags['json'] === true ? `${JSON.stringify(answer.value)}\n` : `stopping ${found.value.job.name} (run ${found.value.run.runId})\n`);
  return 0;
}

/** `codex-run stop RUN`: like Ctrl-C to the run: every job on its stop ladder, no new ones. */
export async function stopCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const found = await findRun(spec, flags);
  if (!found.ok) return fail(found.error);
  const answer = await ask(found.value, 'stop', { by: byOf(flags) });
  if (!answer.ok) return fail(answer.error);
  processOutput().stdout.write(flags['json'] === true ? `${JSON.stringify(answer.value)}\n` : `stopping run ${found.value.runId}\n`);
  return 0;
}
