import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Isolation, TopicPartition, TopicPartitionOffset } from '../../protocols/transport.ts';
import { StaticReadError } from '../../protocols/errors.ts';
import { fromTopicMap } from './assignment-diff.ts';
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { KafkaGroupTimings } from './kafka-config.ts';
import { ReadCursor } from './read-cursor.ts';
import { toConsumedRecord } from './records.ts';

/**
 * The long-lived consumer behind static reads (restore, tables, inspection).
 *
 * kafkajs has no groupless consumer, so this is a group of one: a unique
 * group id (`eventide-reader-<uuid>`), never committing, subscribed to every
 * topic read so far. All its partitions stay paused except those a
 * `ReadCursor` is reading; a cursor seeks its partition to where it starts.
 * Reading a topic for the first time restarts the consumer to subscribe to
 * it (kafkajs cannot add a topic to a running consumer): a rejoin, which
 * costs the broker's `group.initial.rebalance.delay.ms` (3 s by default),
 * once per topic per node. Cursors of one partition run one at a time.
 */
export class StaticReadSession {
  readonly #consumer: Consumer;
  readonly #topics = new Set<string>();
  readonly #cursors = new Map<string, ReadCursor>();
  readonly #partitionQueues = new Map<string, Promise<void>>();
  #assigned: TopicPartition[] = [];
  #running = false;
  #restarts: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(kafka: Kafka, isolation: Isolation, timings: KafkaGroupTimings) {
    this.#consumer = kafka.consumer({
      groupId: `eventide-reader-${randomUUID()}`,
      readUncommitted: isolation === 'read_uncommitted',
      sessionTimeout: timings.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: timings.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: timings.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: Math.min(timings.maxWaitTimeMs ?? 250, 250),
      allowAutoTopicCreation: false,
    });
    const { events } = this.#consumer;
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) => this.#handleGroupJoin(fromTopicMap(payload.memberAssignment)));
    this.#consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      // Batches of only control or aborted records never reach eachBatch; kafkajs moves past them itself.
      if (payload.batchSize !== 0) return;
      this.#cursors.get(topicPartitionKey(payload))?.advanceTo(Number(payload.lastOffset) + 1);
      this.#refreshFetching(payload);
    });
    this.#consumer.on(events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#handleCrash(payload.error);
    });
  }

  /** Reads [position.offset, until) of one partition in chunks. */
  async *read(position: TopicPartitionOffset, until: number): AsyncGenerator<ConsumedRecordChunk> {
    if (until <= position.offset) return;
    const key = topicPartitionKey(position);
    const previous = this.#partitionQueues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const queue = previous.then(() => mine);
    this.#partitionQueues.set(key, queue);
    await previous;
    const tp = { topic: position.topic, partition: position.partition };
    const cursor = new ReadCursor(tp, position.offset, until, () => this.#refreshFetching(tp));
    try {
      await this.#subscribe(position.topic);
      this.#cursors.set(key, cursor);
      this.#startFetching(cursor);
      for (;;) {
        const chunk = await cursor.take();
        if (chunk === undefined) return;
        yield chunk;
      }
    } finally {
      if (this.#cursors.get(key) === cursor) this.#cursors.delete(key);
      this.#refreshFetching(tp);
      release();
      if (this.#partitionQueues.get(key) === queue) this.#partitionQueues.delete(key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#restarts.catch(() => undefined);
    this.#running = false;
    await this.#consumer.disconnect();
  }

  #subscribe(topic: string): Promise<void> {
    if (this.#topics.has(topic) && this.#running) return this.#restarts;
    this.#restarts = this.#restarts
      .catch(() => undefined)
      .then(async () => {
        if (this.#closed) throw new Error('the reader is closed');
        if (this.#topics.has(topic) && this.#running) return;
        if (this.#running) {
          this.#running = false;
          await this.#consumer.stop();
        } else if (this.#topics.size === 0) {
          await this.#consumer.connect();
        }
        await this.#consumer.subscribe({ topics: [topic], fromBeginning: true });
        this.#topics.add(topic);
        this.#running = true;
        await this.#consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: (payload) => this.#deliver(payload),
        });
      });
    return this.#restarts;
  }

  /**
   * kafkajs gave the consumer up (an error it does not retry, such as a batch
   * it cannot decompress): no cursor would ever be fed again, so each fails
   * naming where it stopped. The next read connects and subscribes anew.
   */
  #handleCrash(error: Error): void {
    this.#running = false;
    this.#topics.clear();
    this.#assigned = [];
    const cause = error.message;
    for (const cursor of this.#cursors.values()) {
      const { topic, partition } = cursor.partition;
      cursor.fail(new StaticReadError(topic, partition, cursor.next, `kafka: reading ${topic}[${partition}] stopped at offset ${cursor.next} (of ${cursor.until} asked for): the reader's consumer crashed on a batch it cannot read: ${cause}`, { cause: error }));
    }
  }

  #handleGroupJoin(assigned: TopicPartition[]): void {
    this.#assigned = assigned;
    for (const tp of assigned) {
      const cursor = this.#cursors.get(topicPartitionKey(tp));
      if (cursor !== undefined && cursor.wantsFetching()) this.#startFetching(cursor);
      else this.#setFetching(tp, false);
    }
  }

  #startFetching(cursor: ReadCursor): void {
    if (!this.#running || !this.#isAssigned(cursor.partition)) return; // the next GROUP_JOIN starts it
    const { topic, partition } = cursor.partition;
    this.#consumer.seek({ topic, partition, offset: String(cursor.next) });
    this.#setFetching(cursor.partition, true);
  }

  async #deliver({ batch, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const cursor = this.#cursors.get(topicPartitionKey(batch));
    if (cursor === undefined || !cursor.wantsFetching() || isStale()) return;
    const fetchedAt = Number((batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset());
    if (fetchedAt < cursor.next) {
      // Fetched for an earlier cursor or before a seek: fetch again from where this cursor is.
      this.#startFetching(cursor);
      return;
    }
    // Further than asked: retention removed the start of the range (kafkajs reset to the earliest offset).
    cursor.advanceTo(fetchedAt);
    const records = batch.messages.map((message) => toConsumedRecord(batch.topic, batch.partition, message));
    cursor.accept(records, Number(batch.lastOffset()));
    resolveOffset(batch.lastOffset());
    this.#refreshFetching(cursor.partition);
  }

  #refreshFetching(tp: TopicPartition): void {
    const cursor = this.#cursors.get(topicPartitionKey(tp));
    const wanted = cursor !== undefined && cursor.wantsFetching();
    this.#setFetching(tp, wanted);
  }

  #setFetching(tp: TopicPartition, fetching: boolean): void {
    if (!this.#running || !this.#isAssigned(tp)) return;
    const target = [{ topic: tp.topic, partitions: [tp.partition] }];
    try {
      if (fetching) this.#consumer.resume(target);
      else this.#consumer.pause(target);
    } catch {
      // kafkajs is between runs; the next GROUP_JOIN sets every partition's state.
    }
  }

  #isAssigned(tp: TopicPartition): boolean {
    return this.#assigned.some((a) => a.topic === tp.topic && a.partition === tp.partition);
  }
}

type ConsumedRecordChunk = ReturnType<typeof toConsumedRecord>[];
