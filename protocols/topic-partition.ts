/**
 * The one string form of a topic-partition, for map keys and persisted state
 * (`events.raw/3`). Kafka topic names are letters, digits, `.`, `_` and `-`,
 * so the last `/` always separates the partition.
 */
import { DecodeError } from './errors.ts';
import type { TopicPartition } from './transport.ts';

export const topicPartitionKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** The topic-partition a key names; throws `DecodeError('invalid-topic-partition-key')` on a string `topicPartitionKey` did not make. */
export function parseTopicPartitionKey(key: string): TopicPartition {
  const slash = key.lastIndexOf('/');
  const partition = Number(key.slice(slash + 1));
  if (slash <= 0 || !Number.isSafeInteger(partition) || partition < 0 || key.slice(slash + 1) !== String(partition)) {
    const quoted = key.length > 200 ? `'${key.slice(0, 200)}…' (${key.length} characters)` : `'${key}'`;
    throw new DecodeError('invalid-topic-partition-key', `${quoted} is not a topic-partition key (topic/partition)`);
  }
  return { topic: key.slice(0, slash), partition };
}
