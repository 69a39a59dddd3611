import { TopicConfigError } from '../../protocols/errors.ts';
import type {
  ConsumedRecord,
  FollowOptions,
  Isolation,
  PartitionReader,
  TopicFollower,
  TopicPartitionOffset,
} from '../../protocols/transport.ts';
import type { MemoryLog } from './memory-log.ts';
import type { MemoryNode } from './node.ts';
import { MemoryTopicFollower } from './topic-follower.ts';

const CHUNK_RECORDS = 1000;

/**
 * Static reads outside any group. A missing topic or partition fails with
 * `TopicConfigError`. `read` waits (on appends, not on a timer) for records
 * below `untilOffset` that are not readable yet, as a Kafka consumer would:
 * under read_committed, pass an end offset taken with read_committed.
 */
export class MemoryPartitionReader implements PartitionReader {
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;

  constructor(log: MemoryLog, node: MemoryNode) {
    this.#log = log;
    this.#node = node;
  }

  async endOffsets(topic: string, isolation: Isolation = 'read_committed'): Promise<Map<number, number>> {
    this.#node.assertAlive();
    return new Map(this.#log.partitions(topic).map((p) => [p.partition, p.endOffset(isolation)]));
  }

  async startOffsets(topic: string): Promise<Map<number, number>> {
    this.#node.assertAlive();
    return new Map(this.#log.partitions(topic).map((p) => [p.partition, p.startOffset]));
  }

  async *read(
    position: TopicPartitionOffset,
    untilOffset: number,
    options: { isolation?: Isolation } = {},
  ): AsyncIterable<readonly ConsumedRecord[]> {
    const isolation = options.isolation ?? 'read_committed';
    this.#node.assertAlive();
    const log = this.#log.partition(position.topic, position.partition);
    let offset = position.offset;
    while (offset < untilOffset) {
      this.#node.assertAlive();
      if (log.deleted) throw new TopicConfigError(`topic ${log.topic} was deleted while being read`);
      const { records, nextOffset } = log.fetch(offset, isolation, CHUNK_RECORDS, untilOffset);
      offset = nextOffset;
      if (records.length > 0) yield records;
      else if (offset < untilOffset) await log.changed();
    }
  }

  async follow(topic: string, options: FollowOptions): Promise<TopicFollower> {
    this.#node.assertAlive();
    return new MemoryTopicFollower(this.#log.partitions(topic), options, this.#node);
  }
}
