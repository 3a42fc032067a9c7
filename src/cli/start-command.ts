import { codexRunBin, startDetached, type DetachOutcome } from '../control/detach.js';
import { processOutput } from '../ui/output-stream.js';

/** The `run` arguments that reproduce the parsed run options in the background runner. */
export function runArgs(manifest: string, flags: Record<string, unknown>): string[] {
  const args = ['run', manifest];
  for (const job of (flags['job'] as string[] | undefined) ?? []) args.push('--job', job);
  if (typeof flags['out'] === 'string') args.push('--out', flags['out']);
  if (typeof flags['concurrency'] === 'number') args.push('--concurrency', String(flags['concurrency']));
  if (typeof flags['grace'] === 'number') args.push('--grace', `${flags['grace']}ms`);
  if (flags['rehearse'] === true) args.push('--rehearse');
  if (typeof flags['shard'] === 'string') args.push('--shard', flags['shard']);
  if (typeof flags['shards'] === 'number') args.push('--shards', String(flags['shards']));
  if (typeof flags['timings'] === 'string') args.push('--timings', flags['timings']);
  if (typeof flags['rerunFailed'] === 'string') args.push('--rerun-failed', flags['rerunFailed']);
  return args;
}

/**
 * `codex-run start jobs.yaml` / `codex-run jobs.yaml --detach`: runs the manifest in the
 * background, in its own session (it outlives the terminal and SIGHUP), and prints its run
 * id and folder once it started.
 */
export async function startCommand(manifest: string, flags: Record<string, unknown>): Promise<number> {
  const { stderr } = processOutput();
  if (flags['dryRun'] === true) {
    stderr.write('codex-run: error: --dry-run runs nothing; it cannot be started in the background\n');
    return 2;
  }
  const outcome = await startDetached(codexRunBin(), runArgs(manifest, flags), { cwd: process.cwd(), env: process.env });
  return printStarted(outcome, flags['json'] === true);
}

/** Prints what a background start came to; its exit code. */
export function printStarted(outcome: DetachOutcome, json: boolean): number {
  const { stdout, stderr } = processOutput();
  switch (outcome.kind) {
    case 'started': {
      const { runId, runDir, pid } = outcome.message;
      stdout.write(json ? `${JSON.stringify({ runId, runDir, pid })}\n` : `started run ${runId} in the background (pid ${pid})\nrun folder: ${runDir}\n`);
      return 0;
    }
    case 'failed':
      stderr.write(outcome.stderr);
      return outcome.exitCode === 0 ? 1 : outcome.exitCode;
    case 'timeout':
      stderr.write(`${outcome.stderr}codex-run: error: the background runner (pid ${outcome.pid ?? '?'}) did not say it started; it was left running\n`);
      return 1;
  }
}
