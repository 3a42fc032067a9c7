/**
 * classifySnapshot: the classifier on a live screen snapshot, as the supervisor sees it:
 * wrapped rows joined into logical lines (so a long option or question is one line), and
 * the cursor known.
 */
import type { ScreenSnapshot } from '../screen.js';
import type { ClassifyOptions, ScreenVerdict } from './types.js';
import { readLine } from './lines.js';
import { classifyLines } from './classify-screen.js';

/** Classifies a snapshot of a job's screen; `opts.agent` adds that agent's screen knowledge. */
export function classifySnapshot(snap: ScreenSnapshot, opts: Pick<ClassifyOptions, 'agent'> = {}): ScreenVerdict {
  const lines = snap.logicalLines().map((l) => readLine(l.text, l.row));
  return classifyLines(lines, { agent: opts.agent, cols: snap.cols, rows: snap.rows, cursor: snap.cursor });
}
