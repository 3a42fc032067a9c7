import { classifyScreen } from '../classify/classify-screen.js';
import type { ScreenQuestion } from '../classify/types.js';
import type { ScreenSnapshot } from '../screen.js';

/** What the screen asks, per the classifier, for interventions and the display; undefined when nothing. */
export function askedQuestion(snap: ScreenSnapshot): ScreenQuestion | undefined {
  return classifyScreen(snap.text(), { cols: snap.cols, rows: snap.rows, cursor: snap.cursor }).question;
}
