/**
 * classifySnapshot: the classifier on a live screen snapshot, as the supervisor sees it:
 * wrapped rows joined into logical lines (so a long option or question is one line), and
 * the cursor known.
 */
import type { ScreenSnapshot } from '../screen.js';
import type { ClassifyOptions, ScreenVerdict } from './types.js';
import { readLine, type ClassifyLine } from './lines.js';
import { classifyLines } from './classify-screen.js';

/** Classifies a snapshot of a job's screen; `opts.agent` adds that agent's screen knowledge. */
export function classifySnapshot(snap: ScreenSnapshot, opts: Pick<ClassifyOptions, 'agent'> = {}): ScreenVerdict {
  const lines = snap.logicalLines().map((l) => readCached(l.text, l.row));
  return classifyLines(lines, { agent: opts.agent, cols: snap.cols, rows: snap.rows, cursor: snap.cursor });
}

/** How many distinct line texts the read cache holds before it starts afresh. */
const READ_CACHE_LINES = 4096;
const readCache = new Map<string, ClassifyLine>();

// readLine is a pure function of the text (and the row it is given back); a job's screen keeps
// most of its lines from one snapshot to the next, and every job has blank ones (issue 16:
// per-line idle cost). ClassifyLine objects are never modified, so one may be shared.
function readCached(text: string, row: number): ClassifyLine {
  const cached = readCache.get(text);
  if (cached !== undefined) return cached.row === row ? cached : { ...cached, row };
  const line = readLine(text, row);
  if (readCache.size >= READ_CACHE_LINES) readCache.clear();
  readCache.set(text, line);
  return line;
}
