/**
 * How one query's matched events spread over the `events.matched`
 * partitions (docs/two-level-aggregation.md): the events of query `q` from
 * source partition `s` go to partition `(home(q) + s) mod M`, where
 * `home(q)` is the partition its key names (`partitionForKey(q, M)`, where
 * all of a query's events go without spreading) and `M` the number of
 * matched partitions. Each matched partition then sees every event of `q`
 * from a fixed set of sources, in their order, so its watermark is theirs;
 * a query spreads over `min(S, M)` partitions for `S` source partitions, and
 * its home partition is always one of them (source 0's).
 *
 * @example
 * spreadPartition('q1', 2, 6);   // (home('q1') + 2) % 6
 * spreadSources('q1', p, 6, 6);  // the one source whose events of q1 go to p
 */
import { partitionForKey } from './partitioner.ts';

/** The partition every event of the query goes to without spreading; with it, where its partials meet. */
export const queryHome = (queryId: string, matchedPartitions: number): number => partitionForKey(queryId, matchedPartitions);

/** The matched partition that takes the query's events from `sourcePartition`. */
export function spreadPartition(queryId: string, sourcePartition: number, matchedPartitions: number): number {
  return (queryHome(queryId, matchedPartitions) + sourcePartition) % matchedPartitions;
}

/** The source partitions whose events of the query go to `partition`, ascending (none when the query does not spread there). */
export function spreadSources(queryId: string, partition: number, sourcePartitions: number, matchedPartitions: number): number[] {
  const home = queryHome(queryId, matchedPartitions);
  const sources: number[] = [];
  for (let source = (partition - home + matchedPartitions) % matchedPartitions; source < sourcePartitions; source += matchedPartitions) sources.push(source);
  return sources;
}

/** The matched partitions the query spreads over, ascending. */
export function spreadPartitions(queryId: string, sourcePartitions: number, matchedPartitions: number): number[] {
  const partitions = new Set<number>();
  for (let source = 0; source < sourcePartitions; source++) partitions.add(spreadPartition(queryId, source, matchedPartitions));
  return [...partitions].sort((a, b) => a - b);
}
