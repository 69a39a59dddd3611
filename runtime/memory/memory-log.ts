import { maxMessageBytes, producedRecordBytes } from '../../protocols/record-size.ts';
import { RecordTooLargeError, TopicConfigError } from '../../protocols/errors.ts';
import type { Clock } from '../../protocols/clock.ts';
import type { ProducedRecord, TopicDescription, TopicPartition, TopicSpec } from '../../protocols/transport.ts';
import { ConsumerGroup, type HandOver } from './consumer-group.ts';
import { PartitionLog, type AppendedRecord } from './partition-log.ts';
import { TransactionCoordinator, type OpenTransaction } from './transactions.ts';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Copies the values of one write, as the wire would (a producer reusing its
 * buffers must not rewrite the log), into one allocation: a copy per record
 * costs more than the rest of an append.
 */
function copyValues(records: readonly ProducedRecord[]): (Buffer | null)[] {
  let total = 0;
  for (const record of records) total += record.value?.length ?? 0;
  const slab = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  return records.map((record) => {
    if (record.value === null) return null;
    const start = offset;
    offset += record.value.copy(slab, start);
    return slab.subarray(start, offset);
  });
}

interface Topic {
  readonly name: string;
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionLog[];
}

/** Options of a {@link MemoryLog}. */
export interface MemoryLogOptions {
  /**
   * Stamps records produced without a timestamp.
   * @default the wall clock
   */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * How every consumer group of this log hands a moved partition over:
   * `'revoke-first'` awaits the old owner's `onPartitionsRevoked` before the
   * new owner is given the partition (no fencing in a planned hand-over);
   * `'eager'` tells both at once, as kafkajs does, so the old owner's final
   * snapshot races the new owner and is fenced by its transactional
   * producer. Tests run in both to exercise what Kafka does.
   * @default 'revoke-first'
   * @example
   * const log = new MemoryLog({ handOver: 'eager' });
   */
  readonly handOver?: HandOver;
}

/**
 * The shared state of an in-process cluster: topics and their partitions,
 * the transaction coordinator and the consumer groups. Every node of a test
 * or of the embedded demo gets its own transport on one log.
 *
 * @example
 * const log = new MemoryLog();
 * const nodeA = memoryTransport(log, { clientId: 'a' });
 * const nodeB = memoryTransport(log, { clientId: 'b' });
 */
export class MemoryLog {
  readonly #topics = new Map<string, Topic>();
  readonly #groups = new Map<string, ConsumerGroup>();
  readonly #clock: Pick<Clock, 'now'>;
  /** How this log's consumer groups hand partitions over (see {@link MemoryLogOptions.handOver}). */
  readonly handOver: HandOver;
  #nextClientNumber = 0;
  /** The transaction coordinator shared by every node. */
  readonly transactions = new TransactionCoordinator((groupId, offsets) => this.group(groupId).commit(offsets));

  constructor(options: MemoryLogOptions = {}) {
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.handOver = options.handOver ?? 'revoke-first';
  }

  /** A number unique within this log, for client and member ids. */
  nextClientNumber(): number {
    this.#nextClientNumber += 1;
    return this.#nextClientNumber;
  }

  /** Creates the topics that do not exist yet; returns the names it created. */
  createTopics(specs: readonly TopicSpec[]): string[] {
    for (const spec of specs) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new TopicConfigError(`topic ${spec.name} needs a positive number of partitions, not ${spec.partitions}`);
      }
    }
    const created: string[] = [];
    for (const spec of specs) {
      if (this.#topics.has(spec.name)) continue;
      const partitions = Array.from({ length: spec.partitions }, (_, p) => new PartitionLog(spec.name, p));
      this.#topics.set(spec.name, { name: spec.name, configs: { ...spec.configs }, partitions });
      created.push(spec.name);
    }
    this.#rebalanceGroupsOn(created);
    return created;
  }

  /** Describes the named topics that exist, with their configs as given at creation. */
  describeTopics(names: readonly string[]): TopicDescription[] {
    return names.flatMap((name) => {
      const topic = this.#topics.get(name);
      return topic === undefined
        ? []
        : [{ name, partitions: topic.partitions.length, configs: { ...topic.configs } }];
    });
  }

  /** The names of every topic, in creation order. */
  listTopics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Deletes topics: waiting readers fail, groups forget their offsets and rebalance. */
  deleteTopics(names: readonly string[]): void {
    const deleted = names.filter((name) => this.#topics.has(name));
    for (const name of deleted) {
      const topic = this.#topics.get(name)!;
      this.#topics.delete(name);
      for (const partition of topic.partitions) partition.markDeleted();
      for (const group of this.#groups.values()) group.forgetTopic(name);
    }
    this.#rebalanceGroupsOn(deleted);
  }

  /** The partitions of a topic; throws `TopicConfigError` if it does not exist. */
  partitions(topic: string): readonly PartitionLog[] {
    const found = this.#topics.get(topic);
    if (found === undefined) throw new TopicConfigError(`topic ${topic} does not exist`);
    return found.partitions;
  }

  /** One partition; throws `TopicConfigError` if the topic or partition does not exist. */
  partition(topic: string, partition: number): PartitionLog {
    const partitions = this.partitions(topic);
    const found = partitions[partition];
    if (found === undefined || !Number.isInteger(partition)) {
      throw new TopicConfigError(`topic ${topic} has ${partitions.length} partitions, there is no partition ${partition}`);
    }
    return found;
  }

  /** Every partition of the existing topics among `topics`. */
  partitionsOf(topics: Iterable<string>): TopicPartition[] {
    const result: TopicPartition[] = [];
    for (const name of topics) {
      for (const log of this.#topics.get(name)?.partitions ?? []) {
        result.push({ topic: log.topic, partition: log.partition });
      }
    }
    return result;
  }

  /** The group's coordinator, created on first use (as Kafka creates groups). */
  group(groupId: string): ConsumerGroup {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = new ConsumerGroup(groupId, (topics) => this.partitionsOf(topics), this.handOver);
      this.#groups.set(groupId, group);
    }
    return group;
  }

  /**
   * Appends records as one write: all partitions are checked first, so an
   * unknown topic or partition fails the whole write. Records of a
   * transaction stay invisible to read_committed readers until it commits.
   */
  append(records: readonly ProducedRecord[], transaction: OpenTransaction | null): void {
    const byPartition = new Map<PartitionLog, AppendedRecord[]>();
    const now = this.#clock.now();
    const values = copyValues(records);
    for (let i = 0; i < records.length; i += 1) {
      const record = records[i];
      const log = this.partition(record.topic, record.partition);
      this.#assertFits(record);
      let pending = byPartition.get(log);
      if (pending === undefined) byPartition.set(log, (pending = []));
      pending.push({
        key: record.key ?? null,
        value: values[i],
        headers: record.headers === undefined ? NO_HEADERS : { ...record.headers },
        timestamp: record.timestamp ?? now,
      });
    }
    for (const [log, pending] of byPartition) {
      if (transaction !== null) transaction.partitions.add(log);
      log.append(pending, transaction);
    }
  }

  /** Kafka refuses a record above its topic's `max.message.bytes`; so does the memory log, measured before compression. */
  #assertFits(record: ProducedRecord): void {
    const limit = maxMessageBytes(this.#topics.get(record.topic)?.configs ?? {});
    const bytes = producedRecordBytes(record);
    if (bytes > limit) throw new RecordTooLargeError(`a record of ${bytes} bytes for ${record.topic}[${record.partition}] is more than the topic takes (max.message.bytes ${limit})`);
  }

  #rebalanceGroupsOn(topics: readonly string[]): void {
    if (topics.length === 0) return;
    for (const group of this.#groups.values()) {
      if (topics.some((topic) => group.subscribesTo(topic))) void group.requestRebalance();
    }
  }
}
