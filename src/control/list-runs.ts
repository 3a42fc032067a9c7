/**
 * The runs `ps` (and the MCP server's list_runs) shows: every registered run, asked over its
 * socket within a bound, or read from its report when its runner is dead or does not answer;
 * with `all`, recent finished runs too. Stale registry entries are cleaned on the way.
 */
import path from 'node:path';
import { controlRequest } from './client.js';
import type { JobView, LiveState } from './job-view.js';
import { listRunIds, readReport } from './locate.js';
import { listRegistered } from './registry.js';
import type { JsonJob, JsonReport } from '../report/json-report.js';

/** Bound on asking one live run for its status: a hung runner must not hang `ps`. */
const STATUS_TIMEOUT_MS = 2000;
/** How many finished runs `--all` lists. */
const RECENT_RUNS = 10;

/** One run as `ps` lists it. */
export interface RunRow {
  runId: string;
  runDir: string;
  /** live: answered on its socket; dead: its runner is gone without finishing; unreachable: alive but no answer; finished. */
  state: 'live' | 'dead' | 'unreachable' | 'finished';
  pid: number | null;
  status: string;
  startedAt: string | null;
  note: string | null;
  jobs: Array<Partial<JobView> & Pick<JobView, 'name' | 'status' | 'state' | 'label'>>;
}

/** Jobs of a run that cannot be asked: what its report.json last said. */
export function jobsFromReport(report: JsonReport | null, runDead: boolean): RunRow['jobs'] {
  return (report?.jobs ?? []).map((j: JsonJob) => {
    const finished = j.status !== 'pending' && j.status !== 'running';
    const state: LiveState = finished ? 'finished' : runDead ? 'dead' : 'unknown';
    return {
      name: j.name,
      status: j.status,
      state,
      label: finished ? `finished (${j.status})` : runDead ? `dead (was ${j.status})` : (j.detail ?? j.status),
      question: null,
      reason: j.reason,
      pid: null,
      startedAt: j.startedAt,
      finishedAt: j.finishedAt,
      elapsedMs: j.durationMs,
      tokensUsed: j.tokensUsed,
      sessionId: j.sessionId,
      turns: j.attempts !== undefined && j.attempts.length > 0 ? j.attempts.length : null,
    };
  });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live runs in the runs root (and with `all`, recent finished or dead ones), oldest first. */
export async function listRuns(root: string, options: { all?: boolean } = {}): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  const registered = await listRegistered(root, { clean: true });
  await Promise.all(
    registered.map(async ({ entry, alive }) => {
      const report = await readReport(entry.runDir);
      const base = { runId: entry.runId, runDir: entry.runDir, pid: entry.pid, startedAt: report.ok ? report.value.startedAt : null };
      if (!alive) {
        rows.push({ ...base, state: 'dead', status: 'dead', note: `its runner (pid ${entry.pid}) is gone; the run did not finish`, jobs: jobsFromReport(report.ok ? report.value : null, true) });
        return;
      }
      const answer = await controlRequest(entry.socket, 'status', {}, STATUS_TIMEOUT_MS);
      if (!answer.ok || !answer.value.ok) {
        const why = !answer.ok ? answer.error.message : answer.value.ok ? '' : answer.value.error.message;
        const dead = !answer.ok && answer.error.kind === 'dead';
        rows.push({ ...base, state: dead ? 'dead' : 'unreachable', status: dead ? 'dead' : 'running', note: why, jobs: jobsFromReport(report.ok ? report.value : null, dead) });
        return;
      }
      const status = answer.value.result as { status: string; jobs: JobView[] };
      rows.push({ ...base, state: 'live', status: status.status, note: null, jobs: status.jobs });
    }),
  );
  if (options.all === true) {
    const known = new Set(rows.map((r) => r.runId));
    const others = (await listRunIds(root)).filter((id) => !known.has(id)).slice(-RECENT_RUNS);
    for (const runId of others) {
      const runDir = path.join(root, runId);
      const report = await readReport(runDir);
      if (!report.ok) continue;
      const r = report.value;
      const unfinished = r.status === 'running';
      // A run without a live entry may still have its runner (the scheduler serves no socket):
      // its pid is in its id; only a runner that is surely gone makes the run dead.
      const runnerPid = Number(/-(\d+)-[0-9a-f]{4}$/.exec(runId)?.[1] ?? NaN);
      const maybeAlive = unfinished && Number.isInteger(runnerPid) && pidExists(runnerPid);
      if (maybeAlive) {
        rows.push({ runId, runDir, state: 'unreachable', pid: runnerPid, status: 'running', startedAt: r.startedAt, note: 'not finished; it serves no control socket (a scheduled run?)', jobs: jobsFromReport(r, false) });
        continue;
      }
      rows.push({
        runId,
        runDir,
        state: unfinished ? 'dead' : 'finished',
        pid: null,
        status: unfinished ? 'dead' : r.status,
        startedAt: r.startedAt,
        note: unfinished ? 'not finished and not registered as live' : null,
        jobs: jobsFromReport(r, unfinished),
      });
    }
  }
  rows.sort((a, b) => a.runId.localeCompare(b.runId));
  return rows;
}
