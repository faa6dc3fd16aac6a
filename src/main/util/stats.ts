/** Order statistics of plain number lists, shared by the engines, the pipeline and the evaluators. */

/**
 * Percentile `q` in [0, 1] of a list: nearest rank on the sorted finite values
 * (index round(q (n - 1))). NaN when no value is finite.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values as ArrayLike<number>).filter(Number.isFinite).sort();
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] : NaN;
}

/** Median by nearest rank (the upper middle value of an even count); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 0.5);
}
