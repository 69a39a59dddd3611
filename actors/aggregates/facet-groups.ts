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

export function emptyFacetGroups(): FacetGroups {
  return { groups: {}, other: null, otherGroupsSeen: 0 };
}

const NO_FACET_KEY = '[]';

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
  const next: Record<string, FacetGroup> = { ...groups.groups };
  const copied = new Set<string>();
  let groupCount = Object.keys(next).length;
  let other: OtherGroup | null = null;

  for (const { attributes } of events) {
    let key = NO_FACET_KEY;
    let values: AttributeValue[] | null = null;
    if (facet.length > 0) {
      values = facet.map((name) => attributes[name] ?? null);
      key = JSON.stringify(values);
    }
    let group = Object.hasOwn(next, key) ? next[key] : undefined;
    if (group !== undefined && !copied.has(key)) {
      group = { values: group.values.slice(), states: copyStates(group.states), events: group.events };
      next[key] = group;
      copied.add(key);
    } else if (group === undefined && groupCount < facetLimit) {
      group = { values: values ?? [], states: initialStates(select), events: 0 };
      next[key] = group;
      copied.add(key);
      groupCount++;
    }
    if (group !== undefined) {
      accumulate(select, group.states, attributes);
      group.events++;
      continue;
    }
    other ??= copyOther(groups.other) ?? { states: initialStates(select), events: 0, keys: emptyUniqueCount() };
    accumulate(select, other.states, attributes);
    other.events++;
    addToUniqueCount(other.keys, key);
  }

  if (other === null) return { groups: next, other: groups.other, otherGroupsSeen: groups.otherGroupsSeen };
  return { groups: next, other, otherGroupsSeen: uniqueCountValue(other.keys) };
}

function copyOther(other: OtherGroup | null): OtherGroup | null {
  if (other === null) return null;
  return { states: copyStates(other.states), events: other.events, keys: copyUniqueCount(other.keys) };
}
