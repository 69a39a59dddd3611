/**
 * The output addresser: turns what a partition machine asks to write into
 * records with a topic and a partition, as the partition writer takes them.
 *
 * - an output without a partition goes by its key (murmur2, as Kafka's
 *   default partitioner), or without a key to the partition of the same
 *   number as the input's (modulo the topic's partition count);
 * - a dead letter names the stage, the reason and the source record, and
 *   keeps at most `MAX_DEAD_LETTER_ORIGINAL_BYTES` of the original;
 * - snapshot chunks, commits and publish markers go to the stage's snapshots
 *   partition, which has the input partition's number.
 *
 * A topic the node does not know is a `ConfigError`: it fails the partition
 * with a message saying how to create the topic.
 */
import type { ProducedRecord } from '../../protocols/transport.ts';
import type { DeadLetterRequest, OutputRecord } from '../../protocols/stage.ts';
import type { Clock } from '../../protocols/clock.ts';
import { ConfigError } from '../../protocols/errors.ts';
import { MAX_DEAD_LETTER_ORIGINAL_BYTES, encodeDeadLetter } from '../../protocols/dead-letter/index.ts';
import { encodePublishMarker, type SnapshotLogRecord } from '../../protocols/snapshot/index.ts';
import { partitionForKey } from '../../protocols/partitioner.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, producedRecordBytes } from '../../protocols/record-size.ts';
import { shortJson } from '../../protocols/json/bounded-json.ts';

export { MAX_DEAD_LETTER_ORIGINAL_BYTES };

export interface OutputAddresserOptions {
  readonly stage: string;
  /** The input partition (and snapshots partition). */
  readonly partition: number;
  readonly inputTopic: string;
  readonly deadLetterTopic: string;
  /** Absent for a stage without snapshots (it writes no snapshot records nor markers). */
  readonly snapshotsTopic?: string;
  /** Partition count of a topic, as the node knows it. */
  readonly partitionsOf: (topic: string) => number | undefined;
  /** Stamps dead letters and markers. */
  readonly clock: Pick<Clock, 'now'>;
  /** The largest record a topic takes. @default Kafka's default, 1,048,588 */
  readonly maxRecordBytesOf?: (topic: string) => number;
}

export class OutputAddresser {
  readonly #options: OutputAddresserOptions;
  readonly #deadLetterKey: string;

  constructor(options: OutputAddresserOptions) {
    this.#options = options;
    this.#deadLetterKey = `${options.stage}/${options.partition}`;
  }

  /** An output record of the machine, with its partition. */
  output(record: OutputRecord): ProducedRecord {
    const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
    let partition = record.partition;
    if (partition === undefined) {
      const partitions = this.#options.partitionsOf(record.topic);
      if (partitions === undefined) throw new ConfigError(`output topic '${record.topic}' does not exist: create it (eventide topics create)`);
      partition = record.key == null ? this.#options.partition % partitions : partitionForKey(record.key, partitions);
    }
    return { topic: record.topic, partition, key: record.key ?? null, value, ...(record.headers ? { headers: record.headers } : {}), ...(record.timestamp ? { timestamp: record.timestamp } : {}) };
  }

  /**
   * The record as given when its topic takes it, else its dead letter
   * (`too-large`), holding the start of it: a record the broker refuses would
   * fail its transaction on every restart. The runtime does not know which
   * input record caused an output, so the letter names the input handled
   * last (`causeOffset`) and says so; a machine that knows the cause
   * dead-letters it itself (match and parse do).
   */
  fitting(record: ProducedRecord, causeOffset: number): ProducedRecord {
    const bytes = producedRecordBytes(record);
    const limit = this.#options.maxRecordBytesOf?.(record.topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    if (bytes <= limit) return record;
    const key = record.key == null ? '' : ` (key ${shortJson(record.key)})`;
    return this.deadLetter({
      reason: 'too-large',
      message: `a record for '${record.topic}'${key}, written while handling input up to offset ${causeOffset}, is ${bytes} bytes, more than the topic takes (max.message.bytes ${limit})`,
      offset: causeOffset,
      original: record.value,
    });
  }

  /** The dead letter of a record the machine (or the stage's decoder) could not handle. */
  deadLetter(letter: DeadLetterRequest): ProducedRecord {
    const whole = typeof letter.original === 'string' ? Buffer.from(letter.original) : letter.original;
    const truncated = whole !== null && whole.length > MAX_DEAD_LETTER_ORIGINAL_BYTES;
    const original = truncated ? whole.subarray(0, MAX_DEAD_LETTER_ORIGINAL_BYTES) : whole;
    const value = encodeDeadLetter({
      v: 1,
      stage: this.#options.stage,
      reason: letter.reason,
      message: truncated ? `${letter.message} (original truncated to its first ${MAX_DEAD_LETTER_ORIGINAL_BYTES} of ${whole.length} bytes)` : letter.message,
      source: { topic: this.#options.inputTopic, partition: this.#options.partition, offset: letter.offset },
      original,
      at: this.#options.clock.now(),
    });
    return this.output({ topic: this.#options.deadLetterTopic, key: this.#deadLetterKey, value });
  }

  /** The publish marker of `key`, recording the input offset reached when it was requested. */
  publishMarker(key: string, nextOffset: number): ProducedRecord {
    return this.snapshotRecord(encodePublishMarker({ stage: this.#options.stage, partition: this.#options.partition, key, nextOffset, publishedAt: this.#options.clock.now() }));
  }

  /** A record of the snapshots partition (chunk, commit or marker). */
  snapshotRecord(record: SnapshotLogRecord): ProducedRecord {
    const topic = this.#options.snapshotsTopic;
    if (topic === undefined) throw new ConfigError(`stage '${this.#options.stage}' has no snapshots topic to write to`);
    return { topic, partition: this.#options.partition, key: record.key, value: record.value, headers: record.headers };
  }
}
