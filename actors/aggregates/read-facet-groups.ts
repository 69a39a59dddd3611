import { DecodeError } from '../../protocols/errors.ts';
import { isAttributeValue, isJsonObject } from '../../protocols/json/json-fields.ts';
import { shortJson } from '../../protocols/json/bounded-json.ts';
import type { AttributeValue } from '../../protocols/event.ts';
import type { QueryDefinition, SelectItem } from '../../protocols/nrql/index.ts';
import type { FacetGroup, FacetGroups, OtherGroup } from './facet-groups.ts';
import { HLL_REGISTERS } from './hyperloglog.ts';
import type { AggregateState } from './states.ts';
import type { UniqueCountState } from './unique-count.ts';
import type { BinStore } from './bin-store.ts';

/**
 * Facet groups that came from another partition (the `groups` of a partial
 * window, protocols/partial-window/), checked against the query they claim
 * to belong to before they are merged: one group per facet tuple under the
 * query's LIMIT, keyed by the JSON of its values, each with one state per
 * select item of that item's kind and shape. Anything else throws a
 * `DecodeError` (reason `invalid-groups`) naming where it went wrong, so
 * the partial is dead-lettered rather than merged into a wrong result.
 */
export function readFacetGroups(json: unknown, definition: QueryDefinition): FacetGroups {
  const at = (path: string, problem: string): never => {
    throw new DecodeError('invalid-groups', `partial window groups of ${definition.text}: ${path} ${problem}`);
  };
  const object = (value: unknown, path: string): Record<string, unknown> => (isJsonObject(value) ? value : at(path, `must be an object, got ${shortJson(value)}`));
  const count = (value: unknown, path: string): number => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : at(path, `must be an integer >= 0, got ${shortJson(value)}`));
  const finite = (value: unknown, path: string): number => (typeof value === 'number' && Number.isFinite(value) ? value : at(path, `must be a finite number, got ${shortJson(value)}`));
  const nullable = (value: unknown, path: string): number | null => (value === null ? null : finite(value, path));
  const bins = (value: unknown, path: string): BinStore => {
    const { indexes, counts } = object(value, path);
    if (!Array.isArray(indexes) || !Array.isArray(counts) || indexes.length !== counts.length) return at(path, 'must hold indexes and counts of one length');
    indexes.forEach((index, i) => (Number.isSafeInteger(index) && (i === 0 || index > indexes[i - 1]) ? undefined : at(`${path}.indexes[${i}]`, 'must be an integer above the one before')));
    counts.forEach((c, i) => count(c, `${path}.counts[${i}]`));
    return { indexes: indexes as number[], counts: counts as number[] };
  };
  const uniqueCount = (state: Record<string, unknown>, path: string): UniqueCountState => {
    const { exact, registers } = state;
    if (exact !== null && registers === null && Array.isArray(exact)) {
      exact.forEach((value, i) => (typeof value === 'string' && (i === 0 || value > exact[i - 1]) ? undefined : at(`${path}.exact[${i}]`, 'must be a string after the one before')));
      return { kind: 'uniqueCount', exact: exact as string[], registers: null };
    }
    if (exact === null && Array.isArray(registers) && registers.length === HLL_REGISTERS) {
      registers.forEach((value, i) => count(value, `${path}.registers[${i}]`));
      return { kind: 'uniqueCount', exact: null, registers: registers as number[] };
    }
    return at(path, `must hold either its exact values or ${HLL_REGISTERS} registers`);
  };
  const stateOf = (value: unknown, item: SelectItem, path: string): AggregateState => {
    const state = object(value, path);
    const kind = item.fn;
    if (state.kind !== kind) return at(`${path}.kind`, `must be ${shortJson(kind)} (${item.label}), got ${shortJson(state.kind)}`);
    switch (kind) {
      case 'count':
        return { kind, count: count(state.count, `${path}.count`) };
      case 'sum':
        return { kind, sum: finite(state.sum, `${path}.sum`) };
      case 'average':
        return { kind, sum: finite(state.sum, `${path}.sum`), count: count(state.count, `${path}.count`) };
      case 'min':
      case 'max':
        return { kind, value: nullable(state.value, `${path}.value`) };
      case 'uniqueCount':
        return uniqueCount(state, path);
      case 'percentile': {
        const sketch = object(state.sketch, `${path}.sketch`);
        return {
          kind,
          sketch: {
            positive: bins(sketch.positive, `${path}.sketch.positive`), negative: bins(sketch.negative, `${path}.sketch.negative`),
            zero: count(sketch.zero, `${path}.sketch.zero`), count: count(sketch.count, `${path}.sketch.count`),
            min: nullable(sketch.min, `${path}.sketch.min`), max: nullable(sketch.max, `${path}.sketch.max`),
          },
        };
      }
    }
  };
  const statesOf = (value: unknown, path: string): AggregateState[] => {
    if (!Array.isArray(value) || value.length !== definition.select.length) return at(path, `must hold ${definition.select.length} states, one per select item`);
    return value.map((state, i) => stateOf(state, definition.select[i]!, `${path}[${i}]`));
  };

  const root = object(json, 'groups');
  const table = object(root.groups, 'groups.groups');
  const keys = Object.keys(table);
  if (keys.length > definition.facetLimit) at('groups.groups', `holds ${keys.length} groups, above the query's LIMIT ${definition.facetLimit}`);
  const groups: Record<string, FacetGroup> = {};
  for (const key of keys) {
    const path = `groups.groups[${JSON.stringify(key)}]`;
    const group = object(table[key], path);
    const values = group.values;
    if (!Array.isArray(values) || values.length !== definition.facet.length || !values.every(isAttributeValue)) at(`${path}.values`, `must hold ${definition.facet.length} facet values`);
    if (JSON.stringify(values) !== key) at(path, 'is not keyed by the JSON of its values');
    groups[key] = { values: values as AttributeValue[], states: statesOf(group.states, `${path}.states`), events: count(group.events, `${path}.events`) };
  }
  let other: OtherGroup | null = null;
  if (root.other !== null) {
    const raw = object(root.other, 'groups.other');
    other = { states: statesOf(raw.states, 'groups.other.states'), events: count(raw.events, 'groups.other.events'), keys: uniqueCount(object(raw.keys, 'groups.other.keys'), 'groups.other.keys') };
  }
  return { groups, other, otherGroupsSeen: count(root.otherGroupsSeen, 'groups.otherGroupsSeen') };
}
