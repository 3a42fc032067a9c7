/**
 * The loop guard: an agent printing the same block of output again and again is stuck.
 * Looks at the viewport plus some scrollback (lines normalised as in progress.ts, blank and
 * purely decorative lines left out) for a block of 1..`maxBlockLines` lines repeated
 * `repeats` times in a row. A block redrawn in place is not repeated: only lines that pile
 * up count, and lines that are only the echo of what codex-run typed (answers, pokes) do not.
 *
 *   watching ──block repeated `repeats` times──▶ tripped
 */

import type { ScreenSnapshot } from '../screen.js';
import { bounded, type Decision, type Policy, type ScreenContext } from './policy.js';
import { normaliseLine } from './progress.js';
import type { LoopSpec } from './spec.js';

/** Scrollback rows the screen model must keep for the guard to see `repeats` blocks. */
export function loopHistoryLines(spec: LoopSpec): number {
  return spec.repeats * spec.maxBlockLines;
}

const HAS_WORD = /[\p{L}\p{N}]/u;

/** Where the first block repeated `repeats` times in a row starts, and its size; or null. */
export function findRepeatedBlock(lines: readonly string[], repeats: number, maxBlock: number): { start: number; size: number } | null {
  for (let size = 1; size <= maxBlock; size++) {
    const needed = (repeats - 1) * size;
    let run = 0;
    for (let j = 0; j + size < lines.length; j++) {
      run = lines[j] === lines[j + size] ? run + 1 : 0;
      // lines[j-needed+1 .. j+size] now repeat with period `size`, `repeats` times over.
      if (run >= needed) return { start: j - needed + 1, size };
    }
  }
  return null;
}

/** The loop-guard policy. */
export class LoopGuard implements Policy {
  readonly name = 'loop-guard';
  private tripped = false;
  private lastVersion = -1;

  /** `isSelfInput`: whether a normalised line is only the echo of codex-run's own typing (left out like decoration). */
  constructor(
    private readonly spec: LoopSpec,
    private readonly isSelfInput: (line: string) => boolean = () => false,
  ) {}

  onScreen(snap: ScreenSnapshot, ctx: ScreenContext): Decision[] {
    // Any parsed output counts here, not only progress: a loop keeps the viewport looking the same.
    if (this.tripped || snap.version === this.lastVersion) return [];
    this.lastVersion = snap.version;
    const originals: string[] = [];
    const lines: string[] = [];
    for (const line of snap.logicalLines(true)) {
      const normal = normaliseLine(line.text);
      if (!HAS_WORD.test(normal) || this.isSelfInput(normal)) continue;
      originals.push(line.text);
      lines.push(normal);
    }
    const found = findRepeatedBlock(lines, this.spec.repeats, this.spec.maxBlockLines);
    if (found === null) return [];
    this.tripped = true;
    const block = originals.slice(found.start, found.start + found.size);
    const lineWord = found.size === 1 ? 'line' : `${found.size}-line block`;
    return [
      {
        type: 'stop',
        reason: 'looping',
        message: `the same ${lineWord} was printed ${this.spec.repeats} times in a row`,
        intervention: { at: ctx.now, kind: 'loop', rule: null, excerpt: bounded(block), sent: null },
      },
    ];
  }
}
