import type { AttributeValue } from '../../protocols/event.ts';
import type { QueryDefinition } from '../../protocols/nrql/index.ts';
import { accumulate } from './accumulate.ts';
import { compareFacetKeys, facetRank } from './facet-rank.ts';
import { mergeStates } from './merge.ts';
import { initialStates, type AggregateState } from './states.ts';
import { addToUniqueCount, emptyUniqueCount, uniqueCountValue, type UniqueCountState } from './unique-count.ts';

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
 *
 * Mutable: `addToFacetGroups` changes it in place. Its one owner is a window
 * actor, and what must not change afterwards is copied where it is made (a
 * snapshot is encoded when it is taken, a result when it is published), so
 * no batch pays for copying a window's table.
 */
export interface FacetGroups {
  /** By facet key: the JSON text of the values array, e.g. `["web-1","eu"]`. */
  readonly groups: Record<string, FacetGroup>;
  /** Events beyond the facet limit, or null while none arrived. */
  other: OtherGroup | null;
  /** Distinct facet keys that fell into `other`. */
  otherGroupsSeen: number;
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
 * Adds the events to `groups`, in place, and returns it. At most
 * `facetLimit` distinct facet tuples get groups of their own: those that
 * rank first (./facet-rank.ts, a hash of the tuple), whatever order they
 * arrive in; events of every other tuple go to `other`, whose distinct keys
 * are counted. A tuple that ranks before a kept one when the table is full
 * takes its place, and the group it displaces moves into `other` whole.
 * Unlike NRQL's LIMIT (top N by value), which a streaming window cannot know
 * before it closes, the kept groups do not depend on arrival order, so
 * partial windows on several partitions merge into the same groups.
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
  const table = groups.groups;
  /** Counted only when a new tuple needs it: a window whose groups are all there never walks its table. */
  let groupCount: number | undefined;
  let otherTouched = false;
  const lookup = LOOKUPS.get(groups) ?? { resolved: new Map<string, FacetGroup | null>(), tuples: new Map<AttributeValue, unknown>() };

  /** The group of a facet tuple, created on first use; null for "other". */
  const { resolved, tuples } = lookup;
  const resolve = (values: AttributeValue[]): FacetGroup | null => {
    const key = JSON.stringify(values);
    // Distinct raw values can share a key (NaN and null both write null): resolve each key once.
    const known = resolved.get(key);
    if (known !== undefined) return known;
    let group = (table[key] as FacetGroup | undefined) ?? null; // keys start with '[': no Object.prototype member matches
    if (group === null) {
      groupCount ??= Object.keys(table).length;
      if (groupCount < facetLimit) {
        group = table[key] = { values, states: initialStates(select), events: 0 };
        groupCount++;
      } else if (facetLimit > 0) {
        const rank = facetRank(key);
        const worst = worstKept(groups);
        if (compareFacetKeys(key, worst.key, rank, worst.rank) < 0) {
          const displaced = displace(definition, groups, worst.key);
          otherTouched = true;
          group = table[key] = { values, states: initialStates(select), events: 0 };
          // The displaced tuple's cached lookups lead to "other" from now on.
          resolved.set(worst.key, null);
          forgetTuple(tuples, displaced.values, facet.length);
        }
      }
    }
    resolved.set(key, group);
    if (group !== null) return group;
    groups.other ??= { states: initialStates(select), events: 0, keys: emptyUniqueCount() };
    addToUniqueCount(groups.other.keys, key);
    otherTouched = true;
    return null;
  };

  // Tuples are looked up in nested Maps keyed by the raw values (which tell
  // '5' from 5, like the JSON key), so the JSON key is built once per tuple
  // and call, or once per tuple for a large table (see LOOKUPS), rather than
  // once per event.
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
    const target = group ?? groups.other!;
    accumulate(select, target.states, attributes);
    target.events++;
  }
  if (otherTouched) groups.otherGroupsSeen = uniqueCountValue(groups.other!.keys);
  if (resolved.size >= KEEP_LOOKUP_FROM) LOOKUPS.set(groups, lookup);
  return groups;
}

/** The kept group that ranks last, cached until a group is displaced. */
const WORST = new WeakMap<FacetGroups, { readonly key: string; readonly rank: number }>();

function worstKept(groups: FacetGroups): { readonly key: string; readonly rank: number } {
  let worst = WORST.get(groups);
  if (worst !== undefined) return worst;
  for (const key of Object.keys(groups.groups)) {
    const rank = facetRank(key);
    if (worst === undefined || compareFacetKeys(key, worst.key, rank, worst.rank) > 0) worst = { key, rank };
  }
  WORST.set(groups, worst!);
  return worst!;
}

/**
 * Points a tuple's cached lookup at "other". A NaN among the values stands
 * for any value whose JSON is null (NaN, Infinity): the whole cache goes.
 */
function forgetTuple(tuples: Map<AttributeValue, unknown>, values: readonly AttributeValue[], depth: number): void {
  if (depth === 0) return;
  if (values.some((value) => typeof value === 'number' && !Number.isFinite(value))) return tuples.clear();
  let level: Map<AttributeValue, unknown> | undefined = tuples;
  for (let i = 0; i < depth - 1 && level !== undefined; i++) level = level.get(values[i]!) as Map<AttributeValue, unknown> | undefined;
  if (level?.has(values[depth - 1]!) === true) level.set(values[depth - 1]!, null);
}

/** Moves a kept group into `other` whole: its states merged, its events and its key counted there; returns it. */
function displace(definition: QueryDefinition, groups: FacetGroups, key: string): FacetGroup {
  const group = groups.groups[key]!;
  delete groups.groups[key];
  WORST.delete(groups);
  const other = (groups.other ??= { states: initialStates(definition.select), events: 0, keys: emptyUniqueCount() });
  other.states = mergeStates(definition.select, other.states, group.states);
  other.events += group.events;
  addToUniqueCount(other.keys, key);
  return group;
}

/**
 * The tuple lookups of large tables, kept between calls (a window of 10,000
 * groups would otherwise build each tuple's key again on every batch). Kept
 * beside the groups, never in them: snapshots hold only the groups, and a
 * restored table builds its lookup again. Entries never go stale: a tuple's
 * group, or its place in "other", never changes. Small tables do without, so
 * the many windows of few groups cost no memory for it.
 */
const LOOKUPS = new WeakMap<FacetGroups, { readonly resolved: Map<string, FacetGroup | null>; readonly tuples: Map<AttributeValue, unknown> }>();
/** Tuples resolved in one call from which their lookup is kept. */
const KEEP_LOOKUP_FROM = 64;
