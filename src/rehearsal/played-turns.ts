/**
 * How far a rehearsed job's session got in its script, for resuming it (`codex-run resume JOB`
 * and `codex-run resume --from`): the new rehearsal goes on after the turns already played
 * instead of replaying the script from its first turn.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_FILE_NAME } from '../report/json-report.js';
import { REHEARSAL_LOG_FILE } from './rehearse-run.js';

/** How many resumed runs back a count is followed (a chain of resumes longer than this counts from there). */
const MAX_CHAIN = 50;

/**
 * The number of script turns job `job` played in run folder `runDir`: one past the highest turn
 * index its rehearsal.json records (the indexes are those of the whole script, also in a resumed
 * run). A resumed run that played no turn (stopped before its first request) counts as the run it
 * resumed (its report's `resumedFrom`, a folder beside it). Null when the run folder holds no
 * readable rehearsal.json.
 */
export function playedTurns(runDir: string, job: string): number | null {
  let dir = runDir;
  for (let depth = 0; depth < MAX_CHAIN; depth += 1) {
    const played = playedIn(dir, job);
    if (played === null) return depth === 0 ? null : 0;
    if (played > 0) return played;
    const from = resumedFrom(dir, job);
    if (from === null) return 0;
    dir = path.join(path.dirname(dir), from);
  }
  return 0;
}

function playedIn(runDir: string, job: string): number | null {
  try {
    const log = JSON.parse(readFileSync(path.join(runDir, REHEARSAL_LOG_FILE), 'utf8')) as Record<string, Array<{ turns?: unknown }>>;
    const played = (log[job] ?? []).flatMap((r) => (Array.isArray(r.turns) ? r.turns.filter((t): t is number => typeof t === 'number') : []));
    return played.length === 0 ? 0 : Math.max(...played) + 1;
  } catch {
    return null;
  }
}

// The run id a run of `job` resumed, from its report, or null.
function resumedFrom(runDir: string, job: string): string | null {
  try {
    const report = JSON.parse(readFileSync(path.join(runDir, REPORT_FILE_NAME), 'utf8')) as { resumedFrom?: { runId?: unknown; job?: unknown } | null };
    const from = report.resumedFrom;
    return from !== undefined && from !== null && from.job === job && typeof from.runId === 'string' && /^[^/\\]+$/.test(from.runId) && from.runId !== '..' ? from.runId : null;
  } catch {
    return null;
  }
}
