/**
 * The output cap: more raw bytes than `maxOutput` stops the job (`output-limit`), before a
 * runaway agent fills the disk with its log.
 *
 *   counting(total) ──total > max──▶ tripped
 */

import type { ScreenSnapshot } from '../screen.js';
import { excerptTail, type Decision, type Policy } from './policy.js';
import { formatSize } from './spec.js';

/** The output-cap policy. */
export class OutputCap implements Policy {
  readonly name = 'output-cap';
  private total = 0;
  private tripped = false;
  private last: ScreenSnapshot | null = null;

  constructor(private readonly maxBytes: number) {}

  /** Raw bytes seen so far. */
  get bytes(): number {
    return this.total;
  }

  onScreen(snap: ScreenSnapshot): Decision[] {
    this.last = snap;
    return [];
  }

  onOutputBytes(n: number, now: number): Decision[] {
    this.total += n;
    if (this.tripped || this.total <= this.maxBytes) return [];
    this.tripped = true;
    return [
      {
        type: 'stop',
        reason: 'output-limit',
        message: `output passed the limit of ${formatSize(this.maxBytes)}`,
        intervention: { at: now, kind: 'output-limit', rule: null, excerpt: this.last === null ? [] : excerptTail(this.last), sent: null },
      },
    ];
  }
}
