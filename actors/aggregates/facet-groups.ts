import type { AttributeValue } from '../../protocols/event.ts';
import type { QueryDefinition } from '../../protocols/nrql/index.ts';
import { accumulate } from './accumulate.ts';
import { copyStates, initialStates, type AggregateState } from './states.ts';
import { addToUniqueCount, copyUniqueCount, emptyUniqueCount, uniqueCountValue, type UniqueCountState } from './unique-count.ts';

export interface FacetGroup {
  /** The facet tuple, one value per FACET attribute; a missing attribute is null. */
  values: AttributeValue[];
  states: AggregateState[];
  /** Events added to this group. */
  events: number;
}

export interface OtherGroup {
  /** Aggregates over every event whose facet tuple found no room under the limit. */
  states: AggregateState[];
  events: number;
  /** The distinct facet keys seen here (exact up to 1000, then estimated); backs `otherGroupsSeen`. */
  keys: UniqueCountState;
}

/**
 * The groups of one window of one query. Plain JSON for snapshots. Without
 * FACET there is a single group with `values: []`, keyed `"[]"`.
 */
export interface FacetGroups {
  /** By facet key: the JSON text of the values array, e.g. `["web-1","eu"]`. */
  readonly groups: Record<string, FacetGroup>;
  /** Events beyond the facet limit, or null while none arrived. */
  readonly other: OtherGroup | null;
  /** Distinct facet keys that fell into `other`. */
  readonly otherGroupsSeen: number;
}

/**
 * The groups of a window before any event arrived.
 *
 * @example
 * ```ts
 * let groups = emptyFacetGroups();
 * groups = addToFacetGroups(definition, groups, batch);
 * ```
 */
export function emptyFacetGroups(): FacetGroups {
  return { groups: {}, other: null, otherGroupsSeen: 0 };
}

/**
 * Returns a new FacetGroups with the events added; `groups` is not changed
 * (copy-on-write: only groups the events touch are copied). The first
 * `facetLimit` distinct facet tuples get groups of their own, in order of
 * arrival; events of any later tuple go to `other`, whose distinct keys are
 * counted. Unlike NRQL's LIMIT (top N by value), this cap is first come,
 * first served: a streaming window cannot know the top N before it closes.
 *
 * @example
 * ```ts
 * const query = parseQuery('SELECT count(*) FROM T FACET host LIMIT 1');
 * const groups = addToFacetGroups(query, emptyFacetGroups(), [
 *   { attributes: { host: 'a' } }, { attributes: { host: 'b' } },
 * ]);
 * groups.groups['["a"]'].events; // 1
 * groups.other?.events;          // 1
 * groups.otherGroupsSeen;        // 1
 * ```
 */
export function addToFacetGroups(
  definition: QueryDefinition,
  groups: FacetGroups,
  events: readonly { readonly attributes: Readonly<Record<string, AttributeValue>> }[],
): FacetGroups {
  if (events.length === 0) return groups;
  const { select, facet, facetLimit } = definition;
  const next = copyRecord(groups.groups);
  let groupCount = Object.keys(next).length;
  let other: OtherGroup | null = null;

  /** The writable group for a facet tuple, copied or created on first use in this call; null for "other". */
  const writable = new Map<string, FacetGroup | null>();
  const resolve = (values: AttributeValue[]): FacetGroup | null => {
    const key = JSON.stringify(values);
    // Distinct raw values can share a key (NaN and null both write null): resolve each key once.
    const resolved = writable.get(key);
    if (resolved !== undefined) return resolved;
    const existing = next[key] as FacetGroup | undefined; // keys start with '[': no Object.prototype member matches
    let group: FacetGroup | null = null;
    if (existing !== undefined) {
      group = { values: existing.values, states: copyStates(existing.states), events: existing.events };
    } else if (groupCount < facetLimit) {
      group = { values, states: initialStates(select), events: 0 };
      groupCount++;
    }
    writable.set(key, group);
    if (group !== null) {
      next[key] = group;
      return group;
    }
    other ??= copyOther(groups.other) ?? { states: initialStates(select), events: 0, keys: emptyUniqueCount() };
    addToUniqueCount(other.keys, key);
    return null;
  };

  // Per call, tuples are looked up in nested Maps keyed by the raw values
  // (which tell '5' from 5, like the JSON key), so the JSON key is built once
  // per tuple and call rather than once per event.
  const tuples = new Map<AttributeValue, unknown>();
  const last = facet.length - 1;
  let noFacetGroup: FacetGroup | null | undefined;

  for (const { attributes } of events) {
    let group: FacetGroup | null;
    if (last < 0) {
      if (noFacetGroup === undefined) noFacetGroup = resolve([]);
      group = noFacetGroup;
    } else {
      let level = tuples;
      for (let i = 0; i < last; i++) {
        const value = attributes[facet[i]] ?? null;
        let child = level.get(value) as Map<AttributeValue, unknown> | undefined;
        if (child === undefined) {
          child = new Map();
          level.set(value, child);
        }
        level = child;
      }
      const value = attributes[facet[last]] ?? null;
      let leaf = level.get(value) as FacetGroup | null | undefined;
      if (leaf === undefined) {
        leaf = resolve(facet.map((name) => attributes[name] ?? null));
        level.set(value, leaf);
      }
      group = leaf;
    }
    if (group !== null) {
      accumulate(select, group.states, attributes);
      group.events++;
    } else {
      accumulate(select, other!.states, attributes);
      other!.events++;
    }
  }

  const touchedOther = other as OtherGroup | null; // assigned inside `resolve`, which TypeScript does not follow
  if (touchedOther === null) return { groups: next, other: groups.other, otherGroupsSeen: groups.otherGroupsSeen };
  return { groups: next, other: touchedOther, otherGroupsSeen: uniqueCountValue(touchedOther.keys) };
}

/** A shallow copy; a for-in loop copies a large string-keyed record several times faster than spread syntax. */
function copyRecord(record: Readonly<Record<string, FacetGroup>>): Record<string, FacetGroup> {
  const copy: Record<string, FacetGroup> = {};
  for (const key in record) copy[key] = record[key];
  return copy;
}

function copyOther(other: OtherGroup | null): OtherGroup | null {
  if (other === null) return null;
  return { states: copyStates(other.states), events: other.events, keys: copyUniqueCount(other.keys) };
}
