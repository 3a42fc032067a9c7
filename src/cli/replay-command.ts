import { renderReplayJson, renderReplayText, replayMatches } from '../rules/replay-report.js';
import { replayJob } from '../rules/replay.js';
import { useColor } from '../ui/display-mode.js';
import { unreachable } from '../util/unreachable.js';
import { printManifestFailure } from './manifest-errors.js';

/**
 * `codex-run replay <run folder> <job>`: exit 0 when the replay makes the decisions the run
 * recorded, 1 when they differ, 2 on bad input.
 */
export async function replayCommand(runDir: string, job: string, flags: Record<string, unknown>): Promise<number> {
  const outcome = await replayJob({ runDir, job, manifest: typeof flags['manifest'] === 'string' ? flags['manifest'] : null });
  switch (outcome.kind) {
    case 'invalid-manifest':
      printManifestFailure(outcome.failure);
      return 2;
    case 'usage-error':
      process.stderr.write(`codex-run: error: ${outcome.message}\n`);
      return 2;
    case 'replayed': {
      const color = useColor({ isTTY: process.stdout.isTTY === true, env: process.env });
      process.stdout.write(flags['json'] === true ? renderReplayJson(outcome.result) : renderReplayText(outcome.result, { color, cwd: process.cwd() }));
      return replayMatches(outcome.result) ? 0 : 1;
    }
    default:
      return unreachable(outcome);
  }
}
