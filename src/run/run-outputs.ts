import { tmpdir } from 'node:os';
import type { PtyBackendKind } from '../session/pty-backend.js';
import path from 'node:path';
import { DiskSpace, reserveBytesFor } from '../logs/disk-space.js';
import { EventsLog, EVENTS_FILE_NAME } from '../logs/events-log.js';
import { JobFiles, jobFileNames, type JobFileNames } from '../logs/job-files.js';
import { Redactor } from '../logs/redactor.js';
import { createRunFolder } from '../logs/run-folder.js';
import { assignFileNames } from '../logs/safe-name.js';
import { REPORT_FILE_NAME, renderJsonReport, toJsonReport } from '../report/json-report.js';
import { ReportWriter } from '../report/report-writer.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { reduceRunRecord } from '../report/run-record.js';
import { writeTextReports, type TextReportOptions } from '../report/text-reports.js';
import type { Clock } from '../util/clock.js';
import { err, ok, type Result } from '../util/result.js';
import { ActivitySampler } from './activity-sampler.js';
import type { EventBus, JobPlanInfo, RunEvent } from './events.js';
import type { RunPlan } from './plan.js';
import { identifyProcess } from '../util/process-identity.js';

type RunStartedEvent = Extract<RunEvent, { type: 'run-started' }>;

/** Everything a run writes to disk: the run folder, events.jsonl, report.json and each job's files. */
export interface RunOutputs {
  readonly runId: string;
  readonly runDir: string;
  /** Per-job facts for the run-started event (file names relative to the run folder). */
  readonly jobs: JobPlanInfo[];
  /** The run-started event whose record is already in report.json; emit it to start the run. */
  readonly runStarted: RunStartedEvent;
  /** Creates `<job>.log`, `<job>.txt` and the timing index `<job>.timing`; they are closed by the job session. */
  openJob(name: string): Promise<Result<JobFiles, string>>;
  /** The job's final result is about to be emitted: its last activity line goes out first. */
  finishJob(name: string): void;
  /**
   * Flushes and closes everything after run-finished; resolves with the final report.json text
   * and, when it could not be written into the run folder (disk full), where it was written instead.
   */
  close(): Promise<{ reportJson: string; reportFallback: string | null; reportWarnings: string[] }>;
}

/** Creates the run folder and starts recording the bus into events.jsonl and report.json. */
export async function openRunOutputs(
  plan: RunPlan,
  options: { runsRoot: string; bus: EventBus; clock: Clock; redactor?: Redactor; redactRawLog?: boolean; reports?: TextReportOptions; pty?: PtyBackendKind },
): Promise<Result<RunOutputs, string>> {
  const { bus, clock } = options;
  const redactor = options.redactor ?? Redactor.none;
  const bases = assignFileNames(plan.jobs.map((p) => p.job.name));
  const names = new Map<string, JobFileNames>();
  const jobs = plan.jobs.map(({ job, launch, envKeys }): JobPlanInfo => {
    const files = jobFileNames(bases.get(job.name) ?? 'job');
    names.set(job.name, files);
    return {
      name: job.name,
      argv: launch.ok ? [launch.value.file, ...launch.value.args] : [],
      agent: job.agent,
      workdir: job.workdir,
      envKeys,
      timeoutMs: job.timeoutMs,
      ...files,
    };
  });

  const space = new DiskSpace();
  let runStarted: RunStartedEvent | null = null;
  // The first report.json is written before the folder gets its final name (see run-folder.ts).
  const folder = await createRunFolder(options.runsRoot, clock, {
    prepare: async (partialDir, { runId, dir }) => {
      runStarted = redactor.event({ type: 'run-started', at: clock.now(), runId, runDir: dir, manifest: plan.manifest.file, jobs, runner: { ...identifyProcess(), ...(options.pty !== undefined ? { pty: options.pty } : {}) }, ...(plan.resumedFrom !== undefined ? { resumedFrom: plan.resumedFrom } : {}), ...(plan.shard !== undefined ? { shard: plan.shard } : {}), ...(plan.rerunOf !== undefined ? { rerunOf: plan.rerunOf } : {}) }) as RunStartedEvent;
      const written = await writeFileAtomic(path.join(partialDir, REPORT_FILE_NAME), renderJsonReport(reduceRunRecord(null, runStarted)));
      if (written.ok) await space.reserve(partialDir, reserveBytesFor(jobs.length));
      return written;
    },
  });
  if (!folder.ok) return err(folder.error);
  if (runStarted === null) throw new Error('Internal error: the run folder was created without its first report');
  const started: RunStartedEvent = runStarted;
  const { runId, dir } = folder.value;
  space.moved(dir);
  const warn = (message: string): void => bus.emit({ type: 'warning', at: clock.now(), job: null, message });

  const events = await EventsLog.open(path.join(dir, EVENTS_FILE_NAME), bus, { onError: warn, space, clock });
  if (!events.ok) {
    await space.dispose();
    return err(events.error);
  }
  const report = new ReportWriter(path.join(dir, REPORT_FILE_NAME), bus, { clock, onError: warn, makeRoom: () => space.release() });

  const activity = new ActivitySampler(bus, clock);

  return ok({
    runId,
    runDir: dir,
    jobs,
    runStarted: started,
    async openJob(name) {
      const files = names.get(name);
      if (files === undefined) throw new Error(`Internal error: no file names for job '${name}'`);
      const opened = await JobFiles.open(dir, files, {
        onError: (message) => bus.emit({ type: 'warning', at: clock.now(), job: name, message }),
        clock,
        redactor,
        redactRawLog: options.redactRawLog === true,
        space,
      });
      if (opened.ok) activity.add(name, opened.value);
      return opened;
    },
    finishJob(name) {
      activity.finish(name);
    },
    async close() {
      activity.close();
      await report.flush();
      // report.md, report.junit.xml, report.html: from the final record; a failure is a warning in report.json.
      const finalRecord = report.record();
      const reportWarnings = finalRecord === null ? [] : await writeTextReports(dir, toJsonReport(finalRecord), options.reports);
      for (const message of reportWarnings) warn(message);
      await Promise.all([report.close(), events.value.close()]);
      const record = report.record();
      if (record === null) throw new Error('Internal error: the run closed before run-started was recorded');
      const reportJson = renderJsonReport(record);
      await space.dispose();
      if (report.error() === null) return { reportJson, reportFallback: null, reportWarnings };
      // Not even the reserve made room: the final report goes where there is some, and the caller says where.
      const fallback = path.join(tmpdir(), `codex-run-${runId}-report.json`);
      const written = await writeFileAtomic(fallback, reportJson);
      return { reportJson, reportFallback: written.ok ? fallback : null, reportWarnings };
    },
  });
}
