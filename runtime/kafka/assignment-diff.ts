import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { TopicPartition } from '../../protocols/transport.ts';

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
  const was = new Set(before.map(topicPartitionKey));
  const now = new Set(after.map(topicPartitionKey));
  return {
    assigned: after.filter((tp) => !was.has(topicPartitionKey(tp))),
    revoked: before.filter((tp) => !now.has(topicPartitionKey(tp))),
    retained: after.filter((tp) => was.has(topicPartitionKey(tp))),
  };
}

/** kafkajs's `{ topic: partitions[] }` as a sorted list. */
export function fromTopicMap(assignment: Readonly<Record<string, readonly number[]>>): TopicPartition[] {
  return Object.entries(assignment)
    .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
