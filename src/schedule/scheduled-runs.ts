/**
 * The daemon's runner: each fire becomes a normal run (`runManifest`) of the jobs it names,
 * with its own run folder, logs and report.json, from the manifest's last valid model. The
 * request's AbortSignal interrupts the run the way a first Ctrl-C does (the stop ladder).
 */
import type { PtyFactory } from '../session/pty.js';
import { runManifest } from '../run/run-manifest.js';
import type { RunHandle } from '../run/start-run.js';
import type { Clock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import type { RunJobs, RunOutcome, RunRequest } from './daemon.js';
import type { ScheduledManifests } from './scheduled-manifests.js';

/** Options for {@link ScheduledRuns}. */
export interface ScheduledRunsOptions {
  manifests: ScheduledManifests;
  /** The runner's environment for the jobs; default process.env. */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /** Time each stop-ladder step gets; default the run's own default. */
  graceMs?: number;
  ptyFactory?: PtyFactory;
}

export class ScheduledRuns {
  /** Runs that have started and not finished. */
  private readonly active = new Set<RunHandle>();

  constructor(private readonly options: ScheduledRunsOptions) {}

  /**
   * The daemon's `runJobs`. A run that cannot start (its run folder cannot be created) rejects
   * with the reason, which the daemon logs as an error of that job and counts as a failed run.
   */
  readonly run: RunJobs = async (request: RunRequest): Promise<RunOutcome> => {
    const loaded = this.options.manifests.latest(request.manifest);
    if (loaded === undefined) throw new Error(`Internal error: ${request.manifest} was scheduled without a valid model`);
    const started: RunHandle[] = [];
    const outcome = await runManifest({
      manifest: loaded.file,
      loaded,
      only: request.jobs,
      outDir: this.options.manifests.runsRoot(loaded),
      signal: request.signal,
      onStarted: (handle) => {
        started.push(handle);
        this.active.add(handle);
      },
      ...(this.options.env !== undefined ? { env: this.options.env } : {}),
      ...(this.options.clock !== undefined ? { clock: this.options.clock } : {}),
      ...(this.options.graceMs !== undefined ? { graceMs: this.options.graceMs } : {}),
      ...(this.options.ptyFactory !== undefined ? { ptyFactory: this.options.ptyFactory } : {}),
    });
    for (const handle of started) this.active.delete(handle);
    switch (outcome.kind) {
      case 'finished':
        return { runDir: outcome.outcome.runDir, status: outcome.outcome.status };
      case 'setup-failed':
      case 'usage-error':
        throw new Error(outcome.message);
      case 'invalid-manifest':
      case 'planned':
        throw new Error(`Internal error: a scheduled run of ${loaded.file} ended as '${outcome.kind}'`);
      default:
        return unreachable(outcome);
    }
  };

  /** A second Ctrl-C while stopping: every run still on its stop ladder skips the grace periods. */
  hurry(): void {
    for (const handle of this.active) handle.interrupt(true);
  }
}
