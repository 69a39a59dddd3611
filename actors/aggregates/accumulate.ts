import type { AttributeValue } from '../../protocols/event.ts';
import type { SelectItem } from '../../protocols/nrql/index.ts';
import { addToSketch } from './ddsketch.ts';
import type { AggregateState } from './states.ts';
import { addToUniqueCount } from './unique-count.ts';

/**
 * Adds one event's attributes to `states` (one state per select item),
 * mutating `states` in place for speed; callers copy first (`copyStates`) if
 * they need immutability. This is the hot path: it allocates nothing except
 * for uniqueCount's value key and new sketch bins.
 *
 * count(*) counts events; count(attr) counts events where attr is present and
 * not null; sum, average, min, max and percentile read only finite numbers (a
 * string such as `'12'` is not a number); uniqueCount counts distinct
 * non-null values of any type.
 *
 * @example
 * ```ts
 * const { select } = parseQuery('SELECT count(*), average(duration) FROM T');
 * const states = initialStates(select);
 * accumulate(select, states, { duration: 0.5 });
 * accumulate(select, states, { duration: 1.5 });
 * finalize(select, states); // { 'count(*)': 2, 'average(duration)': 1 }
 * ```
 */
export function accumulate(
  select: readonly SelectItem[],
  states: AggregateState[],
  attributes: Readonly<Record<string, AttributeValue>>,
): void {
  for (let i = 0; i < select.length; i++) {
    const state = states[i];
    const attribute = select[i].attribute;
    if (attribute === null) {
      (state as { count: number }).count++;
      continue;
    }
    const value = attributes[attribute];
    switch (state.kind) {
      case 'count':
        if (value !== undefined && value !== null) state.count++;
        break;
      case 'uniqueCount':
        addToUniqueCount(state, value);
        break;
      default:
        if (typeof value === 'number' && Number.isFinite(value)) addNumber(state, value);
    }
  }
}

function addNumber(state: AggregateState, value: number): void {
  switch (state.kind) {
    case 'sum':
      state.sum += value;
      break;
    case 'average':
      state.sum += value;
      state.count++;
      break;
    case 'min':
      if (state.value === null || value < state.value) state.value = value;
      break;
    case 'max':
      if (state.value === null || value > state.value) state.value = value;
      break;
    case 'percentile':
      addToSketch(state.sketch, value);
      break;
  }
}
