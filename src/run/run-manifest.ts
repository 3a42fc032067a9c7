import path from 'node:path';
import { resolvePtyBackend } from '../session/pty-backend.js';
import { loadManifest, type ManifestFailure } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/model.js';
import type { PtyFactory } from '../session/pty.js';
import { systemClock, type Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { adapterFor } from '../agents/registry.js';
import { unreachable } from '../util/unreachable.js';
import { describePlan } from './describe-plan.js';
import { EventBus } from './events.js';
import { planRun, type RunPlan } from './plan.js';
import { installSignalHandlers, STOP_SIGNALS, type StopSignal } from './signals.js';
import { startRun, type RunHandle, type RunOutcome, type StartRehearsal } from './start-run.js';
import { busyWorkdirs } from './workdir-guard.js';
import { describeRecovered, recoverCrashedRuns } from './crashed-runs.js';
import { hasShardOptions, type ShardRunOptions } from '../shard/shard-options.js';

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
  /** With handleSignals: SIGHUP is ignored instead (a detached run outlives its terminal). */
  ignoreHangup?: boolean;
  /** Run codex jobs against the scripted local model (`rehearsal:` scripts) instead of a real one. */
  rehearse?: boolean;
  /** Called once the run folder exists and jobs are about to start. */
  onStarted?: (handle: RunHandle) => void;
  /** Interrupts the run (as a first Ctrl-C does) when aborted; the scheduler uses it to stop a run. */
  signal?: AbortSignal;
  /** `--junit FILE`: also write the JUnit report there (the run folder always gets report.junit.xml). */
  junitFile?: string;
  /**
   * Serve the run's control socket and register it in the run folder (`live.json`, src/control/), so
   * `codex-run ps/screen/send/kill/stop` can reach it. The CLI turns it on.
   */
  control?: boolean;
  /**
   * `codex-run resume`: run only `job`, whose first attempt resumes `sessionId` with `prompt`
   * (the agent's resume launch), recorded in the report as `resumedFrom`. With `rehearse`,
   * `agentHome` is the old rehearsal's private agent home of the job, reused with its sessions.
   */
  resume?: {
    job: string;
    sessionId: string;
    prompt: string;
    fromRunId: string;
    agentHome?: string;
    /** `resume --from`: the job runs in this folder (a checkout on this machine) instead of its manifest's workdir. */
    workdir?: string;
    /** A resumed rehearsal: the script turns the session already played (playedTurns), not played again. */
    skipTurns?: number;
  };
  /** The already validated model of `manifest`, used instead of reading the file again (the scheduler's last valid one). */
  loaded?: Manifest;
  /** `--shard`, `--shards`, `--timings`, `--rerun-failed` (src/shard/); absent or empty: an ordinary run. */
  sharding?: ShardRunOptions;
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
  const resumed = options.resume === undefined ? ok(planned.value) : planResume(planned.value, options.resume, env);
  if (!resumed.ok) return { kind: 'usage-error', message: resumed.error };
  let plan = resumed.value;
  if (options.sharding !== undefined && hasShardOptions(options.sharding)) {
    const { shardRunPlan } = await import('../shard/shard-run.js');
    const sharded = await shardRunPlan(plan, options.sharding, options.only ?? [], env);
    if (!sharded.ok) return { kind: 'usage-error', message: sharded.error };
    plan = sharded.value;
  }
  if (options.dryRun === true) return { kind: 'planned', plan, text: describePlan(plan) };
  // A CODEX_RUN_PTY that cannot be honoured is bad input, found before anything is created.
  if (options.ptyFactory === undefined) {
    const backend = resolvePtyBackend({ env });
    if (!backend.ok) return { kind: 'usage-error', message: backend.error };
  }

  const runsRoot = options.outDir !== undefined ? path.resolve(options.outDir) : path.join(manifest.dir, '.codex-run', 'runs');
  // Runs whose runner died are marked crashed and their leftovers stopped before anything starts.
  const recovered = await recoverCrashedRuns(runsRoot);
  const busy = busyWorkdirs(runsRoot, plan);
  if (busy.length > 0) return { kind: 'setup-failed', message: busy.join('\n') };
  const bus = options.bus ?? new EventBus();
  const clock = options.clock ?? systemClock;
  const control = options.control === true ? await import('../control/live-run.js') : null;
  // Subscribed before the run starts, so it sees run-started.
  const watcher = control === null ? null : new control.RecordWatcher(bus);
  const started = await startRun(plan, {
    runsRoot,
    bus,
    clock,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    redactRawLog: manifest.redactRawLog ?? (env['CI'] !== undefined && env['CI'] !== ''),
    env,
    reports: {
      ...(options.junitFile !== undefined ? { junitFile: path.resolve(options.junitFile) } : {}),
      // A shard's report would repeat in the summary what the merge writes there once for all.
      ...(plan.shard === undefined && env['GITHUB_STEP_SUMMARY'] !== undefined && env['GITHUB_STEP_SUMMARY'] !== '' ? { stepSummaryFile: env['GITHUB_STEP_SUMMARY'] } : {}),
    },
    ...(options.rehearse === true ? { rehearsal: await rehearsalFor(options.resume) } : {}),
    ...(options.ptyFactory !== undefined ? { ptyFactory: options.ptyFactory } : {}),
  });
  if (!started.ok) {
    watcher?.dispose();
    return { kind: 'setup-failed', message: started.error };
  }
  const handle = started.value;
  for (const run of recovered) bus.emit({ type: 'warning', at: clock.now(), job: null, message: describeRecovered(run) });
  // Signals first: a Ctrl-C while the socket is being set up must still stop the run properly.
  const signals = options.handleSignals === true ? installSignalHandlers(handle, process, { ignoreHangup: options.ignoreHangup === true }) : null;
  const served = control === null || watcher === null ? null : await control.serveRun(handle, watcher, { clock });
  if (served?.ok === false) bus.emit({ type: 'warning', at: clock.now(), job: null, message: `no control from outside for this run: ${served.error}` });
  const onAbort = (): void => handle.interrupt(false);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  options.onStarted?.(handle);
  if (options.signal?.aborted === true) onAbort();
  try {
    const outcome = await handle.finished;
    return { kind: 'finished', outcome, signal: signals?.received() ?? null };
  } finally {
    if (served?.ok === true) await served.value.close();
    signals?.uninstall();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

// The rehearsal starter; a resumed job keeps its old rehearsal home (and so its sessions).
async function rehearsalFor(resume: RunManifestOptions['resume']): Promise<StartRehearsal> {
  const { startRehearsal } = await import('../rehearsal/rehearse-run.js');
  const home = resume?.agentHome;
  if (resume === undefined || home === undefined) return startRehearsal;
  return (jobs, o) => startRehearsal(jobs, { ...o, reuseHomes: { [resume.job]: home }, skipTurns: { [resume.job]: resume.skipTurns ?? 0 } });
}

// The plan of a resume: the one job, launched as the resume of its session.
function planResume(plan: RunPlan, resume: NonNullable<RunManifestOptions['resume']>, env: Record<string, string | undefined>): Result<RunPlan, string> {
  const jobPlan = plan.jobs.find((p) => p.job.name === resume.job);
  if (jobPlan === undefined) return err(`job '${resume.job}' is not in ${plan.manifest.file}`);
  const adapter = adapterFor(jobPlan.job.agent);
  if (adapter.resumePlan === undefined) return err(`job '${resume.job}' (agent: ${jobPlan.job.agent}) cannot be resumed: its agent has no resume by session id`);
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value;
  let job = jobPlan.job;
  if (resume.workdir !== undefined) job = { ...job, workdir: resume.workdir };
  const launch = adapter.resumePlan(job, { ...base, TERM: jobPlan.env['TERM'] ?? 'xterm-256color', ...job.env }, resume.sessionId, resume.prompt);
  return ok({
    ...plan,
    jobs: [{ ...jobPlan, job, launch, resumeSessionId: resume.sessionId }],
    resumedFrom: { runId: resume.fromRunId, job: resume.job, sessionId: resume.sessionId },
  });
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
