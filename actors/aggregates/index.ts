/**
 * Aggregate functions of streaming NRQL queries: mergeable, JSON states,
 * grouped by facet. Pure: no I/O, no clock.
 */
export { accumulate } from './accumulate.ts';
export {
  addToSketch,
  emptySketch,
  mergeSketches,
  sketchQuantile,
  SKETCH_RELATIVE_ACCURACY,
  type DDSketchState,
} from './ddsketch.ts';
export {
  addToFacetGroups,
  emptyFacetGroups,
  type FacetGroup,
  type FacetGroups,
  type OtherGroup,
} from './facet-groups.ts';
export { finalize } from './finalize.ts';
export { compareFacetKeys, facetRank } from './facet-rank.ts';
export { mergeFacetGroups } from './merge-facet-groups.ts';
export { readFacetGroups } from './read-facet-groups.ts';
export { HLL_STANDARD_ERROR } from './hyperloglog.ts';
export { mergeStates } from './merge.ts';
export {
  copyStates,
  initialStates,
  type AggregateState,
  type AverageState,
  type CountState,
  type ExtremeState,
  type PercentileState,
  type SumState,
  type UniqueCountState,
} from './states.ts';
export { UNIQUE_COUNT_EXACT_LIMIT } from './unique-count.ts';
