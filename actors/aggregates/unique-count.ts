import type { AttributeValue } from '../../protocols/event.ts';
import { addToRegisters, emptyRegisters, estimateCardinality, mergeRegisters } from './hyperloglog.ts';

/** Distinct values are counted exactly up to this many; beyond, by HyperLogLog. */
export const UNIQUE_COUNT_EXACT_LIMIT = 1000;

/**
 * uniqueCount's state. While at most {@link UNIQUE_COUNT_EXACT_LIMIT} distinct
 * values were seen it holds them, sorted and type-tagged so `'5'` and `5` stay
 * distinct, and counts exactly; past that it switches for good to 4096
 * HyperLogLog registers, with a standard error of about 1.6%. Either form
 * merges with the other. The values are a sorted array rather than an object
 * so that copying is cheap and the state does not depend on arrival order.
 */
export interface UniqueCountState {
  readonly kind: 'uniqueCount';
  /** Sorted type-tagged values (`b:true`, `n:42`, `s:shop`) while exact; null once estimating. */
  exact: string[] | null;
  /** HyperLogLog registers once estimating; null while exact. */
  registers: number[] | null;
}

export function emptyUniqueCount(): UniqueCountState {
  return { kind: 'uniqueCount', exact: [], registers: null };
}

function keyOf(value: string | number | boolean): string {
  return typeof value === 'string' ? 's:' + value : typeof value === 'number' ? 'n:' + value : 'b:' + value;
}

/** Adds one value (null and undefined are not values), in place. */
export function addToUniqueCount(state: UniqueCountState, value: AttributeValue | undefined): void {
  if (value === null || value === undefined) return;
  const key = keyOf(value);
  if (state.registers !== null) {
    addToRegisters(state.registers, key);
    return;
  }
  const exact = state.exact!;
  let low = 0;
  let high = exact.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (exact[middle] < key) low = middle + 1;
    else high = middle;
  }
  if (exact[low] === key) return;
  exact.splice(low, 0, key);
  if (exact.length > UNIQUE_COUNT_EXACT_LIMIT) switchToRegisters(state);
}

function switchToRegisters(state: UniqueCountState): void {
  state.registers = registersOf(state);
  state.exact = null;
}

function registersOf(state: UniqueCountState): number[] {
  if (state.registers !== null) return state.registers.slice();
  const registers = emptyRegisters();
  for (const key of state.exact!) addToRegisters(registers, key);
  return registers;
}

/** A new state counting the values of both; the inputs are not changed. */
export function mergeUniqueCounts(a: UniqueCountState, b: UniqueCountState): UniqueCountState {
  if (a.exact !== null && b.exact !== null) {
    const merged: UniqueCountState = { kind: 'uniqueCount', exact: mergeSorted(a.exact, b.exact), registers: null };
    if (merged.exact!.length > UNIQUE_COUNT_EXACT_LIMIT) switchToRegisters(merged);
    return merged;
  }
  return { kind: 'uniqueCount', exact: null, registers: mergeRegisters(registersOf(a), registersOf(b)) };
}

/** The sorted union of two sorted arrays without duplicates. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) merged.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) merged.push(b[j++]);
    else {
      merged.push(a[i++]);
      j++;
    }
  }
  return merged;
}

export function copyUniqueCount(state: UniqueCountState): UniqueCountState {
  return {
    kind: 'uniqueCount',
    exact: state.exact === null ? null : state.exact.slice(),
    registers: state.registers === null ? null : state.registers.slice(),
  };
}

/** The number of distinct values: exact, or a rounded HyperLogLog estimate. */
export function uniqueCountValue(state: UniqueCountState): number {
  return state.registers === null ? state.exact!.length : Math.round(estimateCardinality(state.registers));
}
