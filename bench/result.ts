/**
 * What a benchmark produces: figures (one table row each, codex-run beside its baseline and
 * judged against its target) plus the raw samples, written to bench/results.json.
 */

/** How a figure compares with its target. `info` rows have no target; `n/a` could not be measured. */
export type Verdict = 'pass' | 'miss' | 'info' | 'n/a';

/** One measured value, with the text shown in the table. */
export interface Value {
  /** In the unit of `unit`, or null when not measured. */
  value: number | null;
  unit: string;
  text: string;
}

/** One row of the table. */
export interface Figure {
  metric: string;
  /** What codex-run is compared with, measured in the same run; null when the target is absolute. */
  baseline: (Value & { label: string }) | null;
  codexRun: Value;
  /** The comparison the target is about, e.g. "1.62x" or "+2.1 ms"; "" when none. */
  comparison: string;
  /** The target as text, e.g. "<= 1.15x"; "" for info rows. */
  target: string;
  verdict: Verdict;
}

/** Identifiers of the benchmarks, in the order they run. */
export const BENCH_IDS = ['throughput', 'many-jobs', 'answer-latency', 'memory-bound', 'exit-integrity', 'startup', 'fixed-costs', 'native-pump'] as const;
export type BenchId = (typeof BENCH_IDS)[number];

/** The outcome of one benchmark. */
export interface BenchResult {
  id: BenchId;
  title: string;
  /** How it is measured (Markdown), for docs/benchmarks.md. */
  method: string;
  /** `error`: the harness itself failed (a bug or a broken environment), see `error`. */
  status: 'ok' | 'error';
  error: string | null;
  figures: Figure[];
  /** Remarks shown under the table: unavailable parts, integrity problems, profile excerpts. */
  notes: string[];
  /** Raw samples and parameters, for anyone who wants to recompute the figures. */
  details: Record<string, unknown>;
  mode: 'quick' | 'full';
  measuredAt: string;
  durationMs: number;
}

/** A value from a number, formatted with `digits` decimals. */
export function value(n: number | null, unit: string, digits = 1): Value {
  return { value: n, unit, text: n === null ? 'n/a' : `${n.toFixed(digits)} ${unit}`.trim() };
}

/** A row with an absolute target: `verdict` is pass when `ok` holds. */
export function judged(ok: boolean | null): Verdict {
  return ok === null ? 'n/a' : ok ? 'pass' : 'miss';
}
