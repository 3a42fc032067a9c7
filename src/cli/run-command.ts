import { processOutput } from '../ui/output-stream.js';
import { printManifestFailure } from './manifest-errors.js';
import { EventBus, type InterventionInfo, type JobChanges } from '../run/events.js';
import { exitCodeOf, runManifest, type RunManifestOptions } from '../run/run-manifest.js';
import { chooseDisplayMode, useColor } from '../ui/display-mode.js';
import { startDisplay } from '../ui/live-display.js';
import { renderSummary, unansweredQuestion } from '../ui/summary.js';
import { systemClock } from '../util/clock.js';
import { sanitizeLine } from '../ui/text.js';
import { unreachable } from '../util/unreachable.js';
import type { FailureExplanation } from '../report/failure-explanation.js';
import type { ReportRun } from '../report/report-input.js';

// Why each job did not succeed, from the final report and the transcripts beside it (only
// those of the jobs that did not: a succeeded job needs no explanation, and 200 transcript
// tails read again after the reports were a run's last memory peak).
async function explainRun(reportJson: string, runDir: string): Promise<Map<string, FailureExplanation | null>> {
  const { loadReportInputFor } = await import('../report/load-report-input.js');
  const { explanations } = await import('../report/report-facts.js');
  const { jobSucceeded } = await import('../report/failure-explanation.js');
  return explanations(await loadReportInputFor(JSON.parse(reportJson) as ReportRun, runDir, { filesOf: (job) => !jobSucceeded(job) }));
}
import { announceStarted, DETACHED_ENV } from '../control/detach.js';
import type { RunHandle } from '../run/start-run.js';

/** `codex-run [manifest]`: maps flags to {@link runManifest} options and prints the outcome. */
export async function runCommand(manifest: string, flags: Record<string, unknown>, extra: Pick<RunManifestOptions, 'resume'> = {}): Promise<number> {
  if (flags['detach'] === true) {
    const { startCommand } = await import('./start-command.js');
    return startCommand(manifest, flags);
  }
  // The background runner of `codex-run start`: tells its starter when the run started, and outlives SIGHUP.
  const detached = process.env[DETACHED_ENV] === '1' && typeof process.send === 'function';
  delete process.env[DETACHED_ENV];
  const json = flags['json'] === true;
  const mode = chooseDisplayMode({
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    quiet: flags['quiet'] === true,
    json,
  });
  const color = useColor({ isTTY: process.stdout.isTTY === true, env: process.env });
  const bus = new EventBus();
  // What each job was last asked, for the summary's "waiting for:" lines.
  const interventions = new Map<string, InterventionInfo[]>();
  // Warnings after run-finished (e.g. a notification that could not be delivered) come after the
  // live display has closed: they are printed before the summary.
  const lateWarnings: string[] = [];
  let runFinished = false;
  // What each job changed in its repository, for the summary's files-changed lines.
  const changes = new Map<string, JobChanges>();
  bus.on((event) => {
    if (event.type === 'job-changes') changes.set(event.job, event.changes);
  });
  bus.on((event) => {
    if (event.type === 'run-finished') runFinished = true;
    if (event.type === 'warning' && runFinished) lateWarnings.push(event.message);
    if (event.type !== 'job-intervention') return;
    const list = interventions.get(event.job) ?? [];
    list.push(event.intervention);
    interventions.set(event.job, list);
  });
  // Subscribed before the run starts so it sees run-started; it draws nothing until then.
  const { stdout, stderr } = processOutput();
  const display = startDisplay(bus, { mode, stream: stdout, clock: systemClock, color });
  // A reader that goes away only silences the display; the report says so and the run goes on.
  let running = true;
  for (const [name, stream] of [['stdout', stdout], ['stderr', stderr]] as const) {
    stream.onLost((code) => {
      if (running) bus.emit({ type: 'warning', at: systemClock.now(), job: null, message: `${name} was closed (${code}); the run goes on without printing there` });
    });
  }
  const outcome = await runManifest({
    manifest,
    only: (flags['job'] as string[] | undefined) ?? [],
    ...(typeof flags['out'] === 'string' ? { outDir: flags['out'] } : {}),
    ...(typeof flags['concurrency'] === 'number' ? { concurrency: flags['concurrency'] } : {}),
    ...(typeof flags['grace'] === 'number' ? { graceMs: flags['grace'] } : {}),
    ...(typeof flags['junit'] === 'string' ? { junitFile: flags['junit'] } : {}),
    dryRun: flags['dryRun'] === true,
    rehearse: flags['rehearse'] === true,
    sharding: {
      ...(typeof flags['shard'] === 'string' ? { shard: flags['shard'] } : {}),
      ...(typeof flags['shards'] === 'number' ? { shards: flags['shards'] } : {}),
      ...(typeof flags['timings'] === 'string' ? { timingsFile: flags['timings'] } : {}),
      ...(typeof flags['rerunFailed'] === 'string' ? { rerunFailed: flags['rerunFailed'] } : {}),
    },
    bus,
    handleSignals: true,
    control: true,
    ...extra,
    ...(detached ? { ignoreHangup: true, onStarted: (handle: RunHandle) => announceStarted(handle.runId, handle.runDir) } : {}),
  });
  running = false;
  await (outcome.kind === 'finished' ? display.done() : display.stop());
  switch (outcome.kind) {
    case 'invalid-manifest':
      printManifestFailure(outcome.failure);
      break;
    case 'usage-error':
      stderr.write(`codex-run: error: ${outcome.message}\n`);
      break;
    case 'setup-failed':
      stderr.write(`codex-run: error: ${outcome.message}\n`);
      break;
    case 'planned':
      stdout.write(outcome.text);
      break;
    case 'finished': {
      const { outcome: run } = outcome;
      // Shown after the display closed (they happen after run-finished); the run's outcome stands.
      for (const message of run.reportWarnings) stderr.write(`codex-run: warning: ${message}\n`);
      if (run.reportFallback !== null) process.stderr.write(`codex-run: warning: the run folder's disk is full; the final report is in ${run.reportFallback}\n`);
      if (json) {
        stdout.write(run.reportJson);
      } else {
        // The text reports' own warnings were printed above already.
        for (const message of lateWarnings) if (!run.reportWarnings.includes(message)) stderr.write(`codex-run: warning: ${sanitizeLine(message)}\n`);
        const jobs = run.results.map((r) => ({
          ...r,
          question: unansweredQuestion(interventions.get(r.name) ?? []),
          interventions: interventions.get(r.name) ?? [],
          changes: changes.get(r.name) ?? null,
        }));
        const explained = await explainRun(run.reportJson, run.runDir);
        stdout.write(renderSummary({ jobs, runDir: run.runDir, color, explanations: explained, fullText: process.stdout.isTTY !== true }));
      }
      break;
    }
    default:
      unreachable(outcome);
  }
  return exitCodeOf(outcome);
}
