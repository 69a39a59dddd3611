/**
 * Where each partition belongs, by node id, carried from one assignment to
 * the next so that a node that leaves and comes back (a restart, a deploy)
 * gets its own partitions back.
 *
 * A partition's home is the node that owns it, except while its home node
 * is away: the partitions of a node that left are taken over for the time
 * being but still belong to it, and {@link assignSticky} hands them back
 * when a node of that id joins again (balance allowing). A partition moved
 * for balance (a node joined, or its home node is gone and balance moved it
 * among the others) makes its new owner its home.
 *
 * kafkajs has no static membership (KIP-345): a stopping node leaves the
 * group, and its partitions move at once (released, so nothing is replayed).
 * Homes are how they come back without any other partition moving.
 */
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { TopicPartition } from '../../protocols/transport.ts';

/** A partition and its home node. */
export interface PartitionHome extends TopicPartition {
  readonly node: string;
}

/** Homes by partition key. */
export type Homes = ReadonlyMap<string, PartitionHome>;

export function homesOf(list: readonly PartitionHome[]): Map<string, PartitionHome> {
  return new Map(list.map((home) => [topicPartitionKey(home), home]));
}

/**
 * The homes after an assignment (by node id): a partition stays the home of
 * an absent node, and every other assigned partition is at home where it is.
 */
export function nextHomes(previous: Homes, assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, PartitionHome> {
  const present = new Set(assignment.keys());
  const next = new Map(previous);
  for (const [node, partitions] of assignment) {
    for (const tp of partitions) {
      const key = topicPartitionKey(tp);
      const home = previous.get(key);
      if (home === undefined || present.has(home.node)) next.set(key, { topic: tp.topic, partition: tp.partition, node });
    }
  }
  return next;
}

/** Homes as {@link assignSticky} takes them: partition key → member id, for home nodes that are members now. */
export function homesByMember(homes: Homes, memberOfNode: ReadonlyMap<string, string>): Map<string, string> {
  const byMember = new Map<string, string>();
  for (const [key, home] of homes) {
    const member = memberOfNode.get(home.node);
    if (member !== undefined) byMember.set(key, member);
  }
  return byMember;
}
