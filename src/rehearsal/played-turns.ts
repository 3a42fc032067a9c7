/**
 * How far a rehearsed job's session got in its script, for resuming it (`codex-run resume JOB`
 * and `codex-run resume --from`): the new rehearsal goes on after the turns already played
 * instead of replaying the script from its first turn.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REHEARSAL_LOG_FILE } from './rehearse-run.js';

/**
 * The number of script turns job `job` played in run folder `runDir` (one past the highest turn
 * index its rehearsal.json records; the indexes are those of the whole script, also in a resumed
 * run); null when the run folder holds no readable rehearsal.json.
 */
export function playedTurns(runDir: string, job: string): number | null {
  try {
    const log = JSON.parse(readFileSync(path.join(runDir, REHEARSAL_LOG_FILE), 'utf8')) as Record<string, Array<{ turns?: unknown }>>;
    const played = (log[job] ?? []).flatMap((r) => (Array.isArray(r.turns) ? r.turns.filter((t): t is number => typeof t === 'number') : []));
    return played.length === 0 ? 0 : Math.max(...played) + 1;
  } catch {
    return null;
  }
}
