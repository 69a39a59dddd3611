/**
 * DDSketch: a mergeable quantile sketch with relative-error guarantees
 * (Masson, Rim, Lee, "DDSketch", VLDB 2019). A value v > 0 falls into bin
 * i = ceil(log_γ v) with γ = (1 + α) / (1 − α); every value in bin i is within
 * a relative error α of the bin's representative 2γ^i / (γ + 1). Negative
 * values are binned by magnitude in a store of their own, and zero is counted
 * apart, so any finite number can be added.
 *
 * The state is plain JSON with sparse bins (see {@link BinStore}), mutated in
 * place by {@link addToSketch}. Bins are never collapsed: their number grows
 * with the logarithm of the value range (about 115 bins per decade at α = 1%),
 * so a sketch of latencies from 1 µs to 1 hour holds at most ~1,100 bins.
 */

import { addToBin, copyBinStore, emptyBinStore, mergeBinStores, type BinStore } from './bin-store.ts';

/** Relative accuracy of every quantile the sketch returns. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const INVERSE_LOG_GAMMA = 1 / Math.log(GAMMA);

export interface DDSketchState {
  /** Counts of positive values by bin index. */
  positive: BinStore;
  /** Counts of negative values by the bin index of their magnitude. */
  negative: BinStore;
  zero: number;
  count: number;
  /** Exact extremes, so the 0th and 100th percentiles are exact; null while empty. */
  min: number | null;
  max: number | null;
}

export function emptySketch(): DDSketchState {
  return { positive: emptyBinStore(), negative: emptyBinStore(), zero: 0, count: 0, min: null, max: null };
}

/** Adds one finite value, in place. */
export function addToSketch(sketch: DDSketchState, value: number): void {
  if (value > 0) {
    addToBin(sketch.positive, Math.ceil(Math.log(value) * INVERSE_LOG_GAMMA));
  } else if (value < 0) {
    addToBin(sketch.negative, Math.ceil(Math.log(-value) * INVERSE_LOG_GAMMA));
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
  const bothSeen = a.count > 0 && b.count > 0;
  return {
    positive: mergeBinStores(a.positive, b.positive),
    negative: mergeBinStores(a.negative, b.negative),
    zero: a.zero + b.zero,
    count: a.count + b.count,
    min: bothSeen ? Math.min(a.min!, b.min!) : (a.min ?? b.min),
    max: bothSeen ? Math.max(a.max!, b.max!) : (a.max ?? b.max),
  };
}

export function copySketch(sketch: DDSketchState): DDSketchState {
  return { ...sketch, positive: copyBinStore(sketch.positive), negative: copyBinStore(sketch.negative) };
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
  const { negative, positive } = sketch;
  for (let i = negative.indexes.length - 1; i >= 0; i--) {
    seen += negative.counts[i];
    if (seen > rank) {
      estimate = -binValue(negative.indexes[i]);
      break;
    }
  }
  if (estimate === undefined) {
    seen += sketch.zero;
    if (seen > rank) estimate = 0;
  }
  if (estimate === undefined) {
    for (let i = 0; i < positive.indexes.length; i++) {
      seen += positive.counts[i];
      if (seen > rank) {
        estimate = binValue(positive.indexes[i]);
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
