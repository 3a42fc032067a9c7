import type { JobStatus } from '../run/events.js';
import { unreachable } from '../util/unreachable.js';

/** Wraps text in an ANSI colour, or returns it unchanged when colour is off. */
export type Paint = (text: string) => string;

/** The few colours the UI uses; every function is the identity when colour is off. */
export interface Palette {
  green: Paint;
  red: Paint;
  yellow: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

// SGR open/close pairs; the close codes reset only their own attribute so colours can nest.
function sgr(open: number, close: number): Paint {
  return (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
}

const identity: Paint = (text) => text;

/** A palette that colours when `color` is true. */
export function createPalette(color: boolean): Palette {
  if (!color) return { green: identity, red: identity, yellow: identity, cyan: identity, dim: identity, bold: identity };
  return { green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

/** The colour a final status is shown in: green for success, red for failure, yellow for "did not run to the end". */
export function statusPaint(palette: Palette, status: JobStatus): Paint {
  switch (status) {
    case 'succeeded':
      return palette.green;
    case 'failed':
    case 'timed_out':
    case 'killed':
      return palette.red;
    case 'interrupted':
    case 'skipped':
      return palette.yellow;
    default:
      return unreachable(status);
  }
}
