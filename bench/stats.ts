/** Order statistics for bench samples (medians and percentiles rather than means: the machine is shared). */

/** The p-th percentile (0-100) by linear interpolation between closest ranks; null for no samples. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

export function median(samples: readonly number[]): number | null {
  return percentile(samples, 50);
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** "1.23x", or "n/a". */
export function formatRatio(r: number | null): string {
  return r === null ? 'n/a' : `${r.toFixed(2)}x`;
}
