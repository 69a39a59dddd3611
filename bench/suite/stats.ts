/**
 * The arithmetic every figure of the suite goes through: medians of repeated
 * runs with their range, percentiles of samples, ratios rounded to what the
 * measurement can tell.
 */

/** A figure measured more than once: its median and the range of the runs. */
export interface Repeated {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

/** The median and range of repeated runs (at least one). */
export function repeated(runs: readonly number[]): Repeated {
  if (runs.length === 0) throw new Error('repeated: no runs');
  const sorted = [...runs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs };
}

/** The p-th percentile (nearest rank) of samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Rounds to `digits` significant digits, which is all a benchmark on a shared machine can tell. */
export function significant(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** `numerator / denominator` to three significant digits (NaN when either is not a positive figure). */
export function ratio(numerator: number, denominator: number): number {
  if (!(numerator > 0) || !(denominator > 0)) return Number.NaN;
  return significant(numerator / denominator);
}

/** Runs `measure` `times` times, one after the other, and gives each result. */
export async function times<T>(count: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < count; run++) results.push(await measure(run));
  return results;
}
