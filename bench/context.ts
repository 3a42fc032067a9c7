/** What every benchmark gets, and what it returns. */
import type { BenchId, Figure } from './result.js';
import type { Scratch } from './scratch.js';

export interface BenchContext {
  /** The fast smoke pass (`--quick`): smaller sizes, fewer repeats; CI runs it to keep the harness alive. */
  quick: boolean;
  /** Take a CPU profile of codex-run when a target is missed, as evidence of why. */
  profileOnMiss: boolean;
  scratch: Scratch;
  /** A progress line for the person waiting (stderr; not part of the results). */
  progress(message: string): void;
}

/** What a benchmark measured. */
export interface BenchOutput {
  figures: Figure[];
  notes: string[];
  details: Record<string, unknown>;
}

/** One benchmark. */
export interface Bench {
  id: BenchId;
  title: string;
  /** How it measures (Markdown, one paragraph), for docs/benchmarks.md. */
  method: string;
  run(context: BenchContext): Promise<BenchOutput>;
}
