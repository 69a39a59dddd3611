import type { SelectItem } from '../../protocols/nrql/index.ts';
import { sketchQuantile } from './ddsketch.ts';
import type { AggregateState } from './states.ts';
import { uniqueCountValue } from './unique-count.ts';

/**
 * The result values, keyed by select label. count, sum and uniqueCount of no
 * values are 0; average, min, max and percentile of no values are null.
 * Percentiles are within 1% relative error of the value of rank ⌊p/100·(n−1)⌋;
 * uniqueCount is exact up to 1000 distinct values, then within ~1.6% (one
 * standard error).
 *
 * @example
 * ```ts
 * finalize(select, states); // { 'count(*)': 3, 'percentile(duration, 95)': 1.2 }
 * ```
 */
export function finalize(select: readonly SelectItem[], states: readonly AggregateState[]): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (let i = 0; i < select.length; i++) result[select[i].label] = valueOf(select[i], states[i]);
  return result;
}

function valueOf(item: SelectItem, state: AggregateState): number | null {
  switch (state.kind) {
    case 'count':
      return state.count;
    case 'sum':
      return state.sum;
    case 'average':
      return state.count === 0 ? null : state.sum / state.count;
    case 'min':
    case 'max':
      return state.value;
    case 'uniqueCount':
      return uniqueCountValue(state);
    case 'percentile':
      return sketchQuantile(state.sketch, (item.percentile ?? 50) / 100);
  }
}
