import { processOutput } from '../ui/output-stream.js';
import { runSchedule, scheduleExitCode, type ScheduleMode } from '../schedule/run-schedule.js';
import { unreachable } from '../util/unreachable.js';

/**
 * `codex-run schedule <manifest...> [--list] [--once] [--out DIR]`: maps flags to
 * {@link runSchedule} options and prints the outcome. The daemon log goes to stderr.
 */
export async function scheduleCommand(manifests: string[], flags: Record<string, unknown>): Promise<number> {
  if (flags['list'] === true && flags['once'] === true) {
    processOutput().stderr.write('codex-run: error: --list and --once cannot be combined\n');
    return 2;
  }
  const mode: ScheduleMode = flags['list'] === true ? 'list' : flags['once'] === true ? 'once' : 'daemon';
  const outcome = await runSchedule({
    manifests,
    mode,
    ...(typeof flags['out'] === 'string' ? { outDir: flags['out'] } : {}),
    logSink: processOutput().stderr,
    handleSignals: true,
    cwd: process.cwd(),
  });
  switch (outcome.kind) {
    case 'invalid-manifest':
      processOutput().stderr.write(outcome.diagnostics);
      break;
    case 'setup-failed':
      processOutput().stderr.write(`codex-run: error: ${outcome.message}\n`);
      break;
    case 'listed':
      processOutput().stdout.write(outcome.text);
      break;
    case 'ran-once':
    case 'stopped':
      break;
    default:
      unreachable(outcome);
  }
  return scheduleExitCode(outcome);
}
