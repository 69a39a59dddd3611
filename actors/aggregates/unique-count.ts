import type { AttributeValue } from '../../protocols/event.ts';
import { addToRegisters, emptyRegisters, estimateCardinality, mergeRegisters } from './hyperloglog.ts';

/** Distinct values are counted exactly up to this many; beyond, by HyperLogLog. */
export const UNIQUE_COUNT_EXACT_LIMIT = 1000;

/**
 * uniqueCount's state. While at most {@link UNIQUE_COUNT_EXACT_LIMIT} distinct
 * values were seen it holds them (`exact`, keyed by type-tagged value so `'5'`
 * and `5` are distinct) and counts exactly; past that it switches for good to
 * 4096 HyperLogLog registers, with a standard error of about 1.6%. Either form
 * merges with the other.
 */
export interface UniqueCountState {
  readonly kind: 'uniqueCount';
  /** Type-tagged values (`s:shop`, `n:42`, `b:true`) while exact; null once estimating. */
  exact: Record<string, 1> | null;
  /** Number of keys in `exact`. */
  size: number;
  registers: number[] | null;
}

export function emptyUniqueCount(): UniqueCountState {
  return { kind: 'uniqueCount', exact: {}, size: 0, registers: null };
}

/** The type-tagged key of a value; the `:` keeps keys clear of Object.prototype names. */
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
  if (exact[key] === 1) return;
  exact[key] = 1;
  state.size++;
  if (state.size > UNIQUE_COUNT_EXACT_LIMIT) switchToRegisters(state);
}

function switchToRegisters(state: UniqueCountState): void {
  state.registers = registersOf(state);
  state.exact = null;
  state.size = 0;
}

function registersOf(state: UniqueCountState): number[] {
  if (state.registers !== null) return state.registers.slice();
  const registers = emptyRegisters();
  for (const key in state.exact) addToRegisters(registers, key);
  return registers;
}

/** A new state counting the values of both; the inputs are not changed. */
export function mergeUniqueCounts(a: UniqueCountState, b: UniqueCountState): UniqueCountState {
  if (a.exact !== null && b.exact !== null) {
    const merged: UniqueCountState = { kind: 'uniqueCount', exact: { ...a.exact }, size: a.size, registers: null };
    for (const key in b.exact) {
      if (merged.exact![key] === 1) continue;
      merged.exact![key] = 1;
      merged.size++;
    }
    if (merged.size > UNIQUE_COUNT_EXACT_LIMIT) switchToRegisters(merged);
    return merged;
  }
  return { kind: 'uniqueCount', exact: null, size: 0, registers: mergeRegisters(registersOf(a), registersOf(b)) };
}

export function copyUniqueCount(state: UniqueCountState): UniqueCountState {
  return {
    kind: 'uniqueCount',
    exact: state.exact === null ? null : { ...state.exact },
    size: state.size,
    registers: state.registers === null ? null : state.registers.slice(),
  };
}

/** The number of distinct values: exact, or a rounded HyperLogLog estimate. */
export function uniqueCountValue(state: UniqueCountState): number {
  return state.registers === null ? state.size : Math.round(estimateCardinality(state.registers));
}
