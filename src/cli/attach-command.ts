import { attachJob } from '../control/attach-client.js';
import { processOutput } from '../ui/output-stream.js';
import { byOf, fail, findJob } from './control-target.js';

/** Ctrl-] (GS), the detach key, as telnet and docker use it. */
const DETACH_KEY = '\x1d';

/**
 * `codex-run attach JOB [--watch]`: the job's terminal in yours. Keys go to the job and
 * supervision is paused until you detach with Ctrl-]; with `--watch`, read-only (Ctrl-] or
 * Ctrl-C leaves) and supervision goes on.
 */
export async function attachCommand(spec: string, flags: Record<string, unknown>): Promise<number> {
  const watch = flags['watch'] === true;
  const stdin = process.stdin;
  if (!watch && stdin.isTTY !== true) return fail({ code: 2, message: 'attach needs a terminal on stdin to type into the job (use --watch to only look)' });
  const found = await findJob(spec, flags);
  if (!found.ok) return fail(found.error);
  const { run, job } = found.value;
  if (run.live === null || !run.live.alive) return fail({ code: 1, message: `run ${run.runId} is not running` });
  const { stdout, stderr } = processOutput();
  // Raw before attaching: keys typed as soon as the screen shows must not wait in the line editor.
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  let early = '';
  let onKeys = (keys: string): void => {
    early += keys;
  };
  const listener = (keys: string): void => onKeys(keys);
  stdin.on('data', listener);
  stdin.resume();
  const restore = (): void => {
    stdin.off('data', listener);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  };
  const attached = await attachJob(run.live.entry.socket, { job: job.name, watch, by: byOf(flags) }, (data) => stdout.write(data));
  if (!attached.ok) {
    restore();
    return fail({ code: 1, message: attached.error });
  }
  const session = attached.value;
  onKeys = (keys: string): void => {
    const cut = keys.indexOf(DETACH_KEY);
    if (cut >= 0 || (watch && keys.includes('\x03'))) {
      if (!watch && cut > 0) session.input(keys.slice(0, cut));
      session.detach();
      return;
    }
    if (!watch) session.input(keys);
  };
  if (early !== '') onKeys(early);
  // Your terminal's resizes go to the job's (its own size comes back when you detach).
  const onResize = (): void => {
    if (process.stdout.columns > 0 && process.stdout.rows > 0) session.resize(process.stdout.columns, process.stdout.rows);
  };
  if (!watch) process.stdout.on('resize', onResize);
  const how = await session.closed;
  process.stdout.off('resize', onResize);
  restore();
  const note =
    how === 'ended' ? `job ${job.name} finished` : how === 'detached' ? `detached from ${job.name}${watch ? '' : '; supervision resumes'}` : `lost the connection to run ${run.runId}`;
  stderr.write(`\r\n[codex-run: ${note}]\r\n`);
  return how === 'lost' ? 1 : 0;
}
