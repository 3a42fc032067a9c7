import path from 'node:path';
import { loadManifest, type ManifestFailure } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/model.js';
import type { PtyFactory } from '../session/pty.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ok } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { describePlan } from './describe-plan.js';
import { EventBus } from './events.js';
import { planRun, type RunPlan } from './plan.js';
import { installSignalHandlers, STOP_SIGNALS, type StopSignal } from './signals.js';
import { startRun, type RunHandle, type RunOutcome } from './start-run.js';
import { busyWorkdirs } from './workdir-guard.js';

/** Everything a run can be asked to do; the CLI maps its flags onto this. */
export interface RunManifestOptions {
  /** Path of the manifest file. */
  manifest: string;
  /** `--job` selections (empty: every job). */
  only?: readonly string[];
  /** Replaces `<manifest folder>/.codex-run/runs` as the parent of run folders. */
  outDir?: string;
  dryRun?: boolean;
  concurrency?: number;
  /** The runner's environment; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Observers (live display, tests) subscribe here before the run starts. */
  bus?: EventBus;
  clock?: Clock;
  ptyFactory?: PtyFactory;
  /** Time each stop-ladder step gets (Ctrl-C, TERM) before the next. */
  graceMs?: number;
  /** Turn SIGINT/SIGTERM/SIGHUP of this process into a run interrupt (the CLI does). */
  handleSignals?: boolean;
  /** Run codex jobs against the scripted local model (`rehearsal:` scripts) instead of a real one. */
  rehearse?: boolean;
  /** Called once the run folder exists and jobs are about to start. */
  onStarted?: (handle: RunHandle) => void;
  /** Interrupts the run (as a first Ctrl-C does) when aborted; the scheduler uses it to stop a run. */
  signal?: AbortSignal;
  /** The already validated model of `manifest`, used instead of reading the file again (the scheduler's last valid one). */
  loaded?: Manifest;
}

export type RunManifestOutcome =
  | { kind: 'invalid-manifest'; failure: ManifestFailure }
  | { kind: 'usage-error'; message: string }
  | { kind: 'setup-failed'; message: string }
  | { kind: 'planned'; plan: RunPlan; text: string }
  | { kind: 'finished'; outcome: RunOutcome; signal: StopSignal | null };

/** Default time each stop-ladder step gets before the next. */
export const DEFAULT_GRACE_MS = 5000;

/** Loads, validates, plans and runs a manifest: the library's front door. Never throws for user mistakes. */
export async function runManifest(options: RunManifestOptions): Promise<RunManifestOutcome> {
  const env = options.env ?? process.env;
  const loaded = options.loaded !== undefined ? ok(options.loaded) : await loadManifest(options.manifest, { env });
  if (!loaded.ok) return { kind: 'invalid-manifest', failure: loaded.error };
  const manifest = loaded.value;
  const planned = planRun(manifest, {
    env,
    ...(options.only !== undefined ? { only: options.only } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  if (!planned.ok) return { kind: 'usage-error', message: planned.error };
  const plan = planned.value;
  if (options.dryRun === true) return { kind: 'planned', plan, text: describePlan(plan) };

  const runsRoot = options.outDir !== undefined ? path.resolve(options.outDir) : path.join(manifest.dir, '.codex-run', 'runs');
  const busy = busyWorkdirs(runsRoot, plan);
  if (busy.length > 0) return { kind: 'setup-failed', message: busy.join('\n') };
  const started = await startRun(plan, {
    runsRoot,
    bus: options.bus ?? new EventBus(),
    clock: options.clock ?? systemClock,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    redactRawLog: manifest.redactRawLog ?? (env['CI'] !== undefined && env['CI'] !== ''),
    env,
    ...(options.rehearse === true ? { rehearsal: (await import('../rehearsal/rehearse-run.js')).startRehearsal } : {}),
    ...(options.ptyFactory !== undefined ? { ptyFactory: options.ptyFactory } : {}),
  });
  if (!started.ok) return { kind: 'setup-failed', message: started.error };
  const handle = started.value;
  const signals = options.handleSignals === true ? installSignalHandlers(handle) : null;
  const onAbort = (): void => handle.interrupt(false);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  options.onStarted?.(handle);
  if (options.signal?.aborted === true) onAbort();
  try {
    const outcome = await handle.finished;
    return { kind: 'finished', outcome, signal: signals?.received() ?? null };
  } finally {
    signals?.uninstall();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The process exit code for an outcome: 0 all succeeded, 1 any did not, 2 bad usage or manifest, 128+n after a signal. */
export function exitCodeOf(outcome: RunManifestOutcome): number {
  switch (outcome.kind) {
    case 'invalid-manifest':
    case 'usage-error':
      return 2;
    case 'setup-failed':
      return 1;
    case 'planned':
      return 0;
    case 'finished':
      if (outcome.signal !== null) return STOP_SIGNALS[outcome.signal];
      return outcome.outcome.status === 'succeeded' ? 0 : 1;
    default:
      return unreachable(outcome);
  }
}
