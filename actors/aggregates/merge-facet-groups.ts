import type { QueryDefinition } from '../../protocols/nrql/index.ts';
import { compareFacetKeys } from './facet-rank.ts';
import type { FacetGroup, FacetGroups, OtherGroup } from './facet-groups.ts';
import { mergeStates } from './merge.ts';
import { copyStates, initialStates } from './states.ts';
import { addToUniqueCount, emptyUniqueCount, mergeUniqueCounts, uniqueCountValue } from './unique-count.ts';

/**
 * The groups one window would hold had one actor seen every event of the
 * partial windows `partials` (the same query and window, its events spread
 * over several partitions), leaving the partials unchanged.
 *
 * Each partial kept the tuples that rank first among its own
 * (./facet-rank.ts), so the `facetLimit` that rank first overall are kept in
 * every partial that saw them: the merge adds up each tuple's groups, keeps
 * the first `facetLimit` by rank, and moves the rest into `other` with every
 * partial's `other`. Counts, sums, min, max, averages and uniqueCount below
 * its exact limit come out exactly as one actor's (floating-point sums up
 * to the order of addition); percentiles and estimated uniqueCounts are the
 * same sketches.
 *
 * @example
 * ```ts
 * const result = mergeFacetGroups(definition, [groupsOfPartition0, groupsOfPartition1]);
 * ```
 */
export function mergeFacetGroups(definition: QueryDefinition, partials: readonly FacetGroups[]): FacetGroups {
  const { select, facetLimit } = definition;
  const byKey = new Map<string, FacetGroup>();
  let other: OtherGroup | null = null;
  const intoOther = (states: FacetGroup['states'], events: number): OtherGroup => {
    other ??= { states: initialStates(select), events: 0, keys: emptyUniqueCount() };
    other.states = mergeStates(select, other.states, states);
    other.events += events;
    return other;
  };
  for (const partial of partials) {
    for (const [key, group] of Object.entries(partial.groups)) {
      const merged = byKey.get(key);
      if (merged === undefined) byKey.set(key, { values: [...group.values], states: copyStates(group.states), events: group.events });
      else byKey.set(key, { values: merged.values, states: mergeStates(select, merged.states, group.states), events: merged.events + group.events });
    }
    if (partial.other !== null) {
      const target = intoOther(partial.other.states, partial.other.events);
      target.keys = mergeUniqueCounts(target.keys, partial.other.keys);
    }
  }
  const ranked = [...byKey.keys()].sort((a, b) => compareFacetKeys(a, b));
  const groups: Record<string, FacetGroup> = {};
  for (const [index, key] of ranked.entries()) {
    const group = byKey.get(key)!;
    if (index < facetLimit) {
      groups[key] = group;
      continue;
    }
    addToUniqueCount(intoOther(group.states, group.events).keys, key);
  }
  const merged = other as OtherGroup | null;
  return { groups, other: merged, otherGroupsSeen: merged === null ? 0 : uniqueCountValue(merged.keys) };
}
