/**
 * The run record's cost per event as the number of jobs grows (bench 7): every event of a run
 * goes through `reduceRunRecord` twice (the report writer's record and the control server's),
 * so a cost per event that grows with the jobs makes a big batch's events cost O(jobs²).
 * In process, on synthetic events shaped like a run's: per job a state change, six activity
 * lines and its end.
 */
import { performance } from 'node:perf_hooks';
import type { RunEvent } from '../src/run/events.js';
import { reduceRunRecord, type RunRecord } from '../src/report/run-record.js';

/** Events per job in the synthetic run. */
const EVENTS_PER_JOB = 8;

/** Microseconds per event, reducing a whole synthetic run of `jobs` jobs (the best of `repeats`). */
export function microsPerEvent(jobs: number, repeats: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    let record = reduceRunRecord(null, runStarted(jobs));
    const t0 = performance.now();
    for (let i = 0; i < jobs; i++) record = jobEvents(record, `job-${i}`);
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1000) / (jobs * EVENTS_PER_JOB);
}

function runStarted(jobs: number): RunEvent {
  return {
    type: 'run-started',
    at: 0,
    runId: 'bench',
    runDir: '/nonexistent/bench',
    manifest: '/nonexistent/jobs.yaml',
    jobs: Array.from({ length: jobs }, (_, i) => ({
      name: `job-${i}`,
      argv: ['cat', 'file'],
      workdir: '/nonexistent',
      envKeys: [],
      timeoutMs: null,
      logFile: `job-${i}.log`,
      transcriptFile: `job-${i}.txt`,
    })),
  };
}

function jobEvents(start: RunRecord, job: string): RunRecord {
  let record = reduceRunRecord(start, { type: 'job-state', at: 1, job, phase: 'running', detail: null });
  for (let k = 0; k < EVENTS_PER_JOB - 2; k++) record = reduceRunRecord(record, { type: 'job-activity', at: 2 + k, job, line: `line ${k}` });
  return reduceRunRecord(record, {
    type: 'job-finished',
    at: 9,
    job,
    result: { status: 'succeeded', reason: null, message: null, stoppedBy: null, exitCode: 0, signal: null, startedAt: 1, finishedAt: 9, attempts: [] },
  });
}
