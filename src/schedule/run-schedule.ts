/**
 * `codex-run schedule`'s library front door: lists schedules, runs what is due once, or keeps
 * the scheduler running until SIGINT/SIGTERM. The CLI maps flags onto {@link RunScheduleOptions}
 * and prints the outcome.
 *
 * Where things go:
 * - Run folders: each manifest's own runs root, `<manifest folder>/.codex-run/runs`, or `outDir`.
 * - The scheduler's own files (schedule-state.json, schedule.log, schedule.lock, locks/): the *schedule root*,
 *   which is `outDir` when given, else the runs root of the first manifest. With several
 *   manifests in different folders that is the first one's; a manual run sees the workdir locks
 *   of scheduled runs when it uses the same runs root (see src/run/workdir-guard.ts).
 */
import path from 'node:path';
import type { PtyFactory } from '../session/pty.js';
import { installSignalHandlers, STOP_SIGNALS, type StopSignal } from '../run/signals.js';
import { systemClock, type Clock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';
import { ScheduleDaemon, type OnceResult, type ScheduledJob } from './daemon.js';
import { DaemonLogWriter, type TextSink } from './daemon-log.js';
import { formatScheduleList } from './list.js';
import { resolveTimeZone } from './cron.js';
import { formatZoned } from './zoned-time.js';
import type { WatchManifests } from './manifest-watcher.js';
import { runsRootFor, ScheduledManifests } from './scheduled-manifests.js';
import { ScheduledRuns } from './scheduled-runs.js';
import { acquireScheduleLock } from './schedule-lock.js';
import { describeRecovered, recoverCrashedRuns } from '../run/crashed-runs.js';

/** What `codex-run schedule` does: print the schedules, run what is due once, or run until stopped. */
export type ScheduleMode = 'list' | 'once' | 'daemon';

export interface RunScheduleOptions {
  /** Manifest files; at least one. */
  manifests: readonly string[];
  mode: ScheduleMode;
  /** `--out`: run folders and the scheduler's own files go here. */
  outDir?: string;
  /** Where daemon log lines go besides `<schedule root>/schedule.log` (the CLI passes stderr). */
  logSink?: TextSink | null;
  /** Turn SIGINT/SIGTERM/SIGHUP into a stop (the CLI does). */
  handleSignals?: boolean;
  env?: Record<string, string | undefined>;
  /** Diagnostics show paths relative to this folder; default process.cwd(). */
  cwd?: string;
  clock?: Clock;
  graceMs?: number;
  ptyFactory?: PtyFactory;
  /** Watcher factory for the daemon; default chokidar. */
  watch?: WatchManifests;
  /** Quiet time after a manifest write before it is reloaded. */
  debounceMs?: number;
}

/** How `codex-run schedule` ended. */
export type RunScheduleOutcome =
  /** A manifest did not validate at start; `diagnostics` is printable text. Nothing ran. */
  | { kind: 'invalid-manifest'; diagnostics: string }
  /**
   * The schedule root or its log could not be set up, another scheduler holds the schedule
   * root (src/schedule/schedule-lock.ts; exit 1, like a busy workdir), or the scheduler could not start.
   */
  | { kind: 'setup-failed'; message: string }
  | { kind: 'listed'; text: string }
  /** `--once` finished: every run it started (`outcome` null when the run could not start). */
  | { kind: 'ran-once'; runs: OnceResult['runs']; signal: StopSignal | null }
  /** The daemon stopped, after a signal when `signal` is set. */
  | { kind: 'stopped'; signal: StopSignal | null };

/** The schedule root: `outDir`, else the runs root of the first manifest (see the file comment). */
export function scheduleRootFor(manifests: readonly string[], outDir: string | undefined): string {
  const first = manifests[0];
  if (first === undefined) throw new Error('Internal error: no manifest to schedule');
  return runsRootFor(path.dirname(path.resolve(first)), outDir);
}

// `schedule --list`: jobs (of any of the manifests) that share a workdir and fire together.
async function sharedWorkdirWarnings(jobs: readonly ScheduledJob[], now: number): Promise<string> {
  const { coincidingFires, describeSharedFire } = await import('./shared-workdirs.js');
  const lines = coincidingFires(jobs, now).map((fire) => `warning: ${describeSharedFire(fire, formatZoned(fire.at, resolveTimeZone(fire.second.spec)))}\n`);
  return lines.length === 0 ? '' : `\n${lines.join('')}`;
}

/** Runs `codex-run schedule` in the given mode. Never throws for user mistakes. */
export async function runSchedule(options: RunScheduleOptions): Promise<RunScheduleOutcome> {
  const files = [...new Set(options.manifests.map((file) => path.resolve(file)))];
  const clock = options.clock ?? systemClock;
  const manifests = new ScheduledManifests({
    ...(options.outDir !== undefined ? { outDir: options.outDir } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  // Every manifest is checked before anything is created, so a typo leaves no trace on disk.
  const loaded = await Promise.all(files.map((file) => manifests.load(file)));
  const problems = loaded.flatMap((result) => (result.ok ? [] : [result.error]));
  if (problems.length > 0) return { kind: 'invalid-manifest', diagnostics: problems.join('\n') };
  if (options.mode === 'list') {
    const jobs: ScheduledJob[] = loaded.flatMap((result) => (result.ok ? result.value : []));
    return { kind: 'listed', text: formatScheduleList(jobs, { now: clock.now() }) + (await sharedWorkdirWarnings(jobs, clock.now())) };
  }

  const root = scheduleRootFor(files, options.outDir);
  // Before the log: a second scheduler must not write into the first one's files at all.
  const locked = acquireScheduleLock(root, files, { now: clock.now() });
  if (!locked.ok) return { kind: 'setup-failed', message: locked.error.message };
  const scheduleLock = locked.value.lock;
  const log = DaemonLogWriter.open(root, options.logSink ?? null);
  if (!log.ok) {
    scheduleLock.release();
    return { kind: 'setup-failed', message: log.error };
  }
  if (locked.value.recoveredPid !== undefined) log.value.write({ type: 'lock-recovered', at: clock.now(), workdir: root, stalePid: locked.value.recoveredPid });
  // Runs a killed scheduler left 'running' are marked crashed and their leftovers stopped now,
  // not at the next fire, which may be a day away.
  for (const runsRoot of new Set(files.map((file) => runsRootFor(path.dirname(file), options.outDir)))) {
    for (const run of await recoverCrashedRuns(runsRoot)) log.value.write({ type: 'error', at: clock.now(), message: describeRecovered(run), job: null });
  }
  const runs = new ScheduledRuns({
    manifests,
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...(options.ptyFactory !== undefined ? { ptyFactory: options.ptyFactory } : {}),
  });
  const daemon = new ScheduleDaemon({
    manifests: files,
    runsRoot: root,
    clock,
    loadSchedules: manifests.load,
    runJobs: runs.run,
    onEvent: log.value.write,
    ...(options.watch !== undefined ? { watch: options.watch } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  // The first signal stops the scheduler (runs go down the stop ladder); a second one also
  // makes those runs skip their grace periods, as it does for a plain run.
  const signals =
    options.handleSignals === true
      ? installSignalHandlers({
          interrupt: (immediate) => {
            daemon.interrupt();
            if (immediate) runs.hurry();
          },
        })
      : null;
  try {
    const mode = options.mode;
    switch (mode) {
      case 'once': {
        const once = await daemon.runOnce();
        if (!once.ok) return notStarted(once.error, manifests, signals?.received() ?? null);
        return { kind: 'ran-once', runs: once.value.runs, signal: signals?.received() ?? null };
      }
      case 'daemon': {
        const started = await daemon.start();
        if (!started.ok) return notStarted(started.error, manifests, signals?.received() ?? null);
        await daemon.whenStopped();
        return { kind: 'stopped', signal: signals?.received() ?? null };
      }
      default:
        return unreachable(mode);
    }
  } finally {
    signals?.uninstall();
    log.value.close();
    scheduleLock.release();
  }
}

/** The exit code: 0 listed, or every `--once` run succeeded; 1 a run did not; 2 an invalid manifest; 128+n after a signal. */
export function scheduleExitCode(outcome: RunScheduleOutcome): number {
  switch (outcome.kind) {
    case 'invalid-manifest':
      return 2;
    case 'setup-failed':
      return 1;
    case 'listed':
      return 0;
    case 'ran-once':
      if (outcome.signal !== null) return STOP_SIGNALS[outcome.signal];
      return outcome.runs.every((run) => run.outcome?.status === 'succeeded') ? 0 : 1;
    case 'stopped':
      return outcome.signal === null ? 0 : STOP_SIGNALS[outcome.signal];
    default:
      return unreachable(outcome);
  }
}

// Why the scheduler did not get going: stopped by a signal while loading, a manifest that
// stopped validating since the check above, or a file-system problem.
function notStarted(message: string, manifests: ScheduledManifests, signal: StopSignal | null): RunScheduleOutcome {
  if (signal !== null) return { kind: 'stopped', signal };
  if (manifests.anyInvalid()) return { kind: 'invalid-manifest', diagnostics: message };
  return { kind: 'setup-failed', message };
}
