import type { SelectItem } from '../../protocols/nrql/index.ts';
import { mergeSketches } from './ddsketch.ts';
import type { AggregateState } from './states.ts';
import { mergeUniqueCounts } from './unique-count.ts';

/**
 * Merges two state lists of the same select items into a new list, leaving
 * both inputs unchanged. Merging is what accumulating the union of both
 * event sets would give: exactly for count, sum, average, min, max and exact
 * uniqueCount; for percentile and estimated uniqueCount, the very same sketch.
 *
 * @example
 * ```ts
 * const total = mergeStates(select, statesOfPartition0, statesOfPartition1);
 * ```
 */
export function mergeStates(
  select: readonly SelectItem[],
  a: readonly AggregateState[],
  b: readonly AggregateState[],
): AggregateState[] {
  if (a.length !== select.length || b.length !== select.length) {
    throw new RangeError(`mergeStates needs one state per select item (${select.length}), got ${a.length} and ${b.length}`);
  }
  return a.map((left, i) => mergeState(left, b[i]));
}

function mergeState(a: AggregateState, b: AggregateState): AggregateState {
  if (a.kind !== b.kind) throw new TypeError(`Cannot merge a ${a.kind} state with a ${b.kind} state`);
  switch (a.kind) {
    case 'count':
      return { kind: 'count', count: a.count + (b as typeof a).count };
    case 'sum':
      return { kind: 'sum', sum: a.sum + (b as typeof a).sum };
    case 'average':
      return { kind: 'average', sum: a.sum + (b as typeof a).sum, count: a.count + (b as typeof a).count };
    case 'min':
    case 'max': {
      const other = (b as typeof a).value;
      if (a.value === null || other === null) return { kind: a.kind, value: a.value ?? other };
      return { kind: a.kind, value: a.kind === 'min' ? Math.min(a.value, other) : Math.max(a.value, other) };
    }
    case 'uniqueCount':
      return mergeUniqueCounts(a, b as typeof a);
    case 'percentile':
      return { kind: 'percentile', sketch: mergeSketches(a.sketch, (b as typeof a).sketch) };
  }
}
