import { processOutput } from '../ui/output-stream.js';
import { ask, fail, findJob } from './control-target.js';

interface ScreenAnswer {
  job: string;
  label: string;
  question: { text: string; options: Array<{ label: string; keys: string[] }> } | null;
  lines: string[];
}

/** `codex-run screen JOB`: the live job's rendered screen and its classified state. */
export async function screenCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const found = await findJob(spec, flags);
  if (!found.ok) return fail(found.error);
  const answer = await ask(found.value.run, 'screen', { job: found.value.job.name });
  if (!answer.ok) return fail(answer.error);
  const { stdout } = processOutput();
  if (flags['json'] === true) {
    stdout.write(`${JSON.stringify(answer.value, null, 2)}\n`);
    return 0;
  }
  const screen = answer.value as ScreenAnswer;
  const lines = [...screen.lines];
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  stdout.write(lines.map((l) => l.trimEnd()).join('\n') + '\n');
  const question = screen.question === null ? '' : `: ${screen.question.text}`;
  stdout.write(`── ${screen.job}: ${screen.label}${question}\n`);
  return 0;
}
