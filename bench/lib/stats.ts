// Order statistics for latency samples and for the per-round figures of a case.
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Median of the finite values; NaN when there are none. */
export function median(xs: readonly number[]): number {
  const finite = xs.filter(Number.isFinite);
  return percentile(sortedCopy(finite), 0.5);
}
