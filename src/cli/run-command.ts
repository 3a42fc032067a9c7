import { printManifestFailure } from './manifest-errors.js';
import { EventBus } from '../run/events.js';
import { exitCodeOf, runManifest } from '../run/run-manifest.js';
import { chooseDisplayMode, useColor } from '../ui/display-mode.js';
import { startDisplay } from '../ui/live-display.js';
import { renderSummary } from '../ui/summary.js';
import { systemClock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/** `codex-run [manifest]`: maps flags to {@link runManifest} options and prints the outcome. */
export async function runCommand(manifest: string, flags: Record<string, unknown>): Promise<number> {
  const json = flags['json'] === true;
  const mode = chooseDisplayMode({
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    quiet: flags['quiet'] === true,
    json,
  });
  const color = useColor({ isTTY: process.stdout.isTTY === true, env: process.env });
  const bus = new EventBus();
  // Subscribed before the run starts so it sees run-started; it draws nothing until then.
  const display = startDisplay(bus, { mode, stream: process.stdout, clock: systemClock, color });
  const outcome = await runManifest({
    manifest,
    only: (flags['job'] as string[] | undefined) ?? [],
    ...(typeof flags['out'] === 'string' ? { outDir: flags['out'] } : {}),
    ...(typeof flags['concurrency'] === 'number' ? { concurrency: flags['concurrency'] } : {}),
    ...(typeof flags['grace'] === 'number' ? { graceMs: flags['grace'] } : {}),
    dryRun: flags['dryRun'] === true,
    rehearse: flags['rehearse'] === true,
    bus,
    handleSignals: true,
  });
  await (outcome.kind === 'finished' ? display.done() : display.stop());
  switch (outcome.kind) {
    case 'invalid-manifest':
      printManifestFailure(outcome.failure);
      break;
    case 'usage-error':
      process.stderr.write(`codex-run: error: ${outcome.message}\n`);
      break;
    case 'setup-failed':
      process.stderr.write(`codex-run: error: ${outcome.message}\n`);
      break;
    case 'planned':
      process.stdout.write(outcome.text);
      break;
    case 'finished': {
      const { outcome: run } = outcome;
      if (run.reportFallback !== null) process.stderr.write(`codex-run: warning: the run folder's disk is full; the final report is in ${run.reportFallback}\n`);
      if (json) {
        process.stdout.write(run.reportJson);
      } else {
        process.stdout.write(renderSummary({ jobs: run.results, runDir: run.runDir, color }));
      }
      break;
    }
    default:
      unreachable(outcome);
  }
  return exitCodeOf(outcome);
}
