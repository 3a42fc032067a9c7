import { processOutput } from '../ui/output-stream.js';
import { ask, byOf, fail, findJob } from './control-target.js';

/**
 * `codex-run send JOB TEXT | --keys esc,enter | --key ctrl-c`: types into a live job's
 * terminal through its supervision (recorded as an intervention by the user; Enter after
 * the job's enter delay).
 */
export async function sendCommand(spec: string, text: string | undefined, flags: Record<string, unknown>): Promise<number> {
  const keys = [...((flags['keys'] as string[] | undefined) ?? []).flatMap((k) => k.split(',')), ...((flags['key'] as string[] | undefined) ?? [])]
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (keys.length > 0 && text !== undefined) return fail({ code: 2, message: 'send takes TEXT or --keys/--key, not both' });
  if (keys.length === 0 && text === undefined) return fail({ code: 2, message: 'send needs TEXT or --keys/--key' });
  const found = await findJob(spec, flags);
  if (!found.ok) return fail(found.error);
  const fields = keys.length > 0 ? { keys } : { text, enter: flags['enter'] !== false };
  const answer = await ask(found.value.run, 'send', { job: found.value.job.name, by: byOf(flags), ...fields });
  if (!answer.ok) return fail(answer.error);
  const { stdout } = processOutput();
  if (flags['json'] === true) stdout.write(`${JSON.stringify(answer.value)}\n`);
  else stdout.write(`sent ${(answer.value as { sent: string }).sent} to ${found.value.job.name}\n`);
  return 0;
}
