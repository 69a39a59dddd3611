import type { SelectItem } from '../../protocols/nrql/index.ts';
import { copySketch, emptySketch, type DDSketchState } from './ddsketch.ts';
import { copyUniqueCount, emptyUniqueCount, type UniqueCountState } from './unique-count.ts';

export interface CountState { readonly kind: 'count'; count: number }
export interface SumState { readonly kind: 'sum'; sum: number }
export interface AverageState { readonly kind: 'average'; sum: number; count: number }
export interface ExtremeState { readonly kind: 'min' | 'max'; value: number | null }
export interface PercentileState { readonly kind: 'percentile'; sketch: DDSketchState }
export type { UniqueCountState };

/**
 * The running state of one select item in one group. Plain JSON, so it goes
 * into snapshots as is (serialised with fast-json-stable-stringify, which
 * sorts keys); deterministic for a given order of events. The fields are
 * mutable because {@link accumulate} updates them in place.
 */
export type AggregateState = CountState | SumState | AverageState | ExtremeState | UniqueCountState | PercentileState;

/**
 * One empty state per select item, in select order.
 *
 * @example
 * ```ts
 * const states = initialStates(parseQuery('SELECT count(*), max(d) FROM T').select);
 * // [{ kind: 'count', count: 0 }, { kind: 'max', value: null }]
 * ```
 */
export function initialStates(select: readonly SelectItem[]): AggregateState[] {
  return select.map(initialState);
}

function initialState(item: SelectItem): AggregateState {
  switch (item.fn) {
    case 'count':
      return { kind: 'count', count: 0 };
    case 'sum':
      return { kind: 'sum', sum: 0 };
    case 'average':
      return { kind: 'average', sum: 0, count: 0 };
    case 'min':
    case 'max':
      return { kind: item.fn, value: null };
    case 'uniqueCount':
      return emptyUniqueCount();
    case 'percentile':
      return { kind: 'percentile', sketch: emptySketch() };
    default:
      throw new TypeError(`Unknown aggregate function ${JSON.stringify((item as { fn: unknown }).fn)}`);
  }
}

/** A deep copy, for callers that keep an old version while adding to a new one. */
export function copyStates(states: readonly AggregateState[]): AggregateState[] {
  return states.map(copyState);
}

function copyState(state: AggregateState): AggregateState {
  switch (state.kind) {
    case 'uniqueCount':
      return copyUniqueCount(state);
    case 'percentile':
      return { kind: 'percentile', sketch: copySketch(state.sketch) };
    default:
      return { ...state };
  }
}
