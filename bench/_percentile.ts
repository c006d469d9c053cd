/**
 * The percentile definition every benchmark here reports.
 *
 * @module
 */

/** Returns the nearest-rank percentile of `values` (`fraction` 0.5 for the median), or NaN. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
