/**
 * DDSketch: a mergeable quantile sketch with relative-error guarantees
 * (Masson, Rim, Lee, "DDSketch", VLDB 2019). A value v > 0 falls into bin
 * i = ceil(log_γ v) with γ = (1 + α) / (1 − α); every value in bin i is within
 * a relative error α of the bin's representative 2γ^i / (γ + 1). Negative
 * values are binned by magnitude in a store of their own, and zero is counted
 * apart, so any finite number can be added.
 *
 * The state is plain JSON with sparse bins (`{"-3": 2, "117": 5}`), mutated in
 * place by {@link addToSketch}. Bins are never collapsed: their number grows
 * with the logarithm of the value range (about 115 bins per decade at α = 1%),
 * so a sketch of latencies from 1 µs to 1 hour holds at most ~1,100 bins.
 */

/** Relative accuracy of every quantile the sketch returns. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const INVERSE_LOG_GAMMA = 1 / Math.log(GAMMA);

export interface DDSketchState {
  /** Counts of positive values by bin index. */
  positive: Record<string, number>;
  /** Counts of negative values by the bin index of their magnitude. */
  negative: Record<string, number>;
  zero: number;
  count: number;
  /** Exact extremes, so the 0th and 100th percentiles are exact; null while empty. */
  min: number | null;
  max: number | null;
}

export function emptySketch(): DDSketchState {
  return { positive: {}, negative: {}, zero: 0, count: 0, min: null, max: null };
}

/** Adds one finite value, in place. */
export function addToSketch(sketch: DDSketchState, value: number): void {
  if (value > 0) {
    const index = Math.ceil(Math.log(value) * INVERSE_LOG_GAMMA);
    sketch.positive[index] = (sketch.positive[index] ?? 0) + 1;
  } else if (value < 0) {
    const index = Math.ceil(Math.log(-value) * INVERSE_LOG_GAMMA);
    sketch.negative[index] = (sketch.negative[index] ?? 0) + 1;
  } else {
    sketch.zero++;
  }
  if (sketch.count === 0) {
    sketch.min = value;
    sketch.max = value;
  } else {
    if (value < sketch.min!) sketch.min = value;
    if (value > sketch.max!) sketch.max = value;
  }
  sketch.count++;
}

/** A new sketch holding the values of both; the inputs are not changed. */
export function mergeSketches(a: DDSketchState, b: DDSketchState): DDSketchState {
  const merged = copySketch(a);
  for (const index in b.positive) merged.positive[index] = (merged.positive[index] ?? 0) + b.positive[index];
  for (const index in b.negative) merged.negative[index] = (merged.negative[index] ?? 0) + b.negative[index];
  merged.zero += b.zero;
  if (b.count > 0) {
    merged.min = merged.count === 0 ? b.min : Math.min(merged.min!, b.min!);
    merged.max = merged.count === 0 ? b.max : Math.max(merged.max!, b.max!);
  }
  merged.count += b.count;
  return merged;
}

export function copySketch(sketch: DDSketchState): DDSketchState {
  return { ...sketch, positive: { ...sketch.positive }, negative: { ...sketch.negative } };
}

/**
 * The value at quantile `q` (0..1), within relative error α of the value of
 * rank ⌊q·(n−1)⌋ (zero-based) among the n values added; null when empty.
 *
 * @example
 * ```ts
 * const sketch = emptySketch();
 * for (let v = 1; v <= 100; v++) addToSketch(sketch, v);
 * sketchQuantile(sketch, 0.95); // ≈ 95, within 1%
 * ```
 */
export function sketchQuantile(sketch: DDSketchState, q: number): number | null {
  if (sketch.count === 0) return null;
  const rank = q * (sketch.count - 1);
  // The lowest and highest ranks are known exactly.
  if (rank < 1) return sketch.min;
  if (rank >= sketch.count - 1) return sketch.max;
  let seen = 0;
  let estimate: number | undefined;
  // Ascending order: the largest negative magnitudes first, then zero, then positive bins.
  for (const index of sortedIndexes(sketch.negative, -1)) {
    seen += sketch.negative[index];
    if (seen > rank) {
      estimate = -binValue(index);
      break;
    }
  }
  if (estimate === undefined) {
    seen += sketch.zero;
    if (seen > rank) estimate = 0;
  }
  if (estimate === undefined) {
    for (const index of sortedIndexes(sketch.positive, 1)) {
      seen += sketch.positive[index];
      if (seen > rank) {
        estimate = binValue(index);
        break;
      }
    }
  }
  // Rounding in q·(n−1) can leave the rank just past the last bin: that is the maximum.
  estimate ??= sketch.max!;
  return Math.min(Math.max(estimate, sketch.min!), sketch.max!);
}

function binValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

function sortedIndexes(bins: Record<string, number>, direction: 1 | -1): number[] {
  return Object.keys(bins)
    .map(Number)
    .sort((x, y) => direction * (x - y));
}
