import type { TopicPartition } from '../../protocols/transport.ts';

/** `topic/partition`, how this transport keys partitions. */
export const partitionKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** What changed between two successive assignments of one member. */
export interface AssignmentChange {
  readonly assigned: TopicPartition[];
  readonly revoked: TopicPartition[];
  readonly retained: TopicPartition[];
}

/**
 * Compares the partitions a member owned with the ones a new generation
 * gives it. kafkajs rebalances eagerly (it drops everything and receives a
 * full assignment at every join) and never says what was revoked; the
 * difference is what eventide reports, so a partition kept across a
 * rebalance is neither revoked nor assigned.
 *
 * @example
 * diffAssignments([t0, t1], [t1, t2]) // { assigned: [t2], revoked: [t0], retained: [t1] }
 */
export function diffAssignments(before: readonly TopicPartition[], after: readonly TopicPartition[]): AssignmentChange {
  const was = new Set(before.map(partitionKey));
  const now = new Set(after.map(partitionKey));
  return {
    assigned: after.filter((tp) => !was.has(partitionKey(tp))),
    revoked: before.filter((tp) => !now.has(partitionKey(tp))),
    retained: after.filter((tp) => was.has(partitionKey(tp))),
  };
}

/** kafkajs's `{ topic: partitions[] }` as a sorted list. */
export function fromTopicMap(assignment: Readonly<Record<string, readonly number[]>>): TopicPartition[] {
  return Object.entries(assignment)
    .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
