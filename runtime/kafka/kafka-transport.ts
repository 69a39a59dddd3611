import { compressionFor } from './codecs.ts';
import kafkajs from './kafkajs.ts';
import type { Admin, Kafka } from 'kafkajs';
import type {
  GroupConsumer,
  GroupConsumerOptions,
  PartitionReader,
  Producer,
  TransactionalProducer,
  Transport,
  TransportAdmin,
} from '../../protocols/transport.ts';
import { KafkaAdmin } from './admin.ts';
import { EndOffsets } from './end-offsets.ts';
import { KafkaGroupConsumer } from './group-consumer.ts';
import { createKafkaClient, type KafkaTransportConfig } from './kafka-config.ts';
import { LazyClient } from './lazy-client.ts';
import { KafkaPartitionReader } from './partition-reader.ts';
import { KafkaProducer } from './producer.ts';
import { KafkaTransactionalProducer } from './transactional-producer.ts';

/** Transactional producers retry CONCURRENT_TRANSACTIONS after 5 ms, not kafkajs's 300 ms (measured in docs/exactly-once.md). */
const TRANSACTIONAL_RETRY = { initialRetryTime: 5, maxRetryTime: 1000, retries: Number.MAX_SAFE_INTEGER };

/**
 * The Kafka transport: the `Transport` contract on kafkajs against a real
 * cluster. Clients connect on first use; `close` disconnects every client
 * the transport handed out.
 *
 * @example
 * const transport = kafkaTransport({ brokers: ['127.0.0.1:9092'], clientId: 'node-a' });
 * await transport.admin().createTopics([{ name: 'events.raw', partitions: 6 }]);
 * await transport.producer().send([{ topic: 'events.raw', partition: 0, value: Buffer.from('{}') }]);
 * await transport.close();
 */
export function kafkaTransport(config: KafkaTransportConfig): Transport {
  return new KafkaTransport(config);
}

// Every record names its partition, so the partitioner never runs; naming it silences kafkajs's v2 notice.
const { Partitioners } = kafkajs;
const createPartitioner = Partitioners.DefaultPartitioner;

class KafkaTransport implements Transport {
  readonly kind = 'kafka';
  readonly #kafka: Kafka;
  readonly #config: KafkaTransportConfig;
  readonly #admin: LazyClient<Admin>;
  readonly #offsets: EndOffsets;
  readonly #closers = new Set<() => Promise<void>>();
  readonly #codecOf: (topic: string) => number;
  #reader: KafkaPartitionReader | undefined;
  #adminFacade: KafkaAdmin | undefined;

  constructor(config: KafkaTransportConfig) {
    this.#config = config;
    this.#codecOf = compressionFor(config.compression);
    this.#kafka = createKafkaClient(config);
    this.#admin = new LazyClient(this.#kafka.admin());
    this.#offsets = new EndOffsets(this.#kafka, this.#admin);
  }

  admin(): TransportAdmin {
    return (this.#adminFacade ??= new KafkaAdmin(this.#admin));
  }

  producer(): Producer {
    const producer = new KafkaProducer(
      this.#kafka.producer({ createPartitioner, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
      this.#codecOf,
    );
    return this.#track(producer, () => producer.disconnect());
  }

  /**
   * After a commit, the broker answers the next transaction's first
   * AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until the markers are
   * written; kafkajs's default back-off (300 ms) turned that into ~300 ms per
   * transaction (measured: send of one record 194–363 ms, 60–220 ms with a
   * 20 ms first retry). The markers take the broker 5–20 ms, so the first
   * retry comes after 5 ms and kafkajs doubles it (5, 10, 20, 40 ms...):
   * one-record sends right after a commit took p50 20 ms against 30 ms with
   * a 20 ms first retry. Retries stay unbounded, as kafkajs wants for an
   * idempotent producer.
   */
  transactionalProducer(transactionalId: string): TransactionalProducer {
    const producer = new KafkaTransactionalProducer(
      transactionalId,
      this.#kafka.producer({ createPartitioner, transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: TRANSACTIONAL_RETRY }),
      this.#codecOf,
    );
    return this.#track(producer, () => producer.disconnect());
  }

  consumer(options: GroupConsumerOptions): GroupConsumer {
    const consumer = new KafkaGroupConsumer(this.#kafka, options, this.#config.group ?? {}, (error, context) =>
      this.#reportHandlerError(error, `group ${context.groupId}, ${context.handler}`),
    );
    return this.#track(consumer, () => consumer.disconnect());
  }

  reader(): PartitionReader {
    if (this.#reader === undefined) {
      const reader = new KafkaPartitionReader(this.#kafka, this.#offsets, this.#config.group ?? {}, (error, context) =>
        this.#reportHandlerError(error, `follower of ${context.topic}, ${context.handler}`),
      );
      this.#reader = this.#track(reader, () => reader.close());
    }
    return this.#reader;
  }

  async close(): Promise<void> {
    const closers = [...this.#closers];
    this.#closers.clear();
    this.#reader = undefined;
    await Promise.allSettled(closers.map((close) => close()));
    await Promise.allSettled([this.#offsets.close(), this.#admin.disconnect()]);
  }

  #track<T>(client: T, close: () => Promise<void>): T {
    this.#closers.add(close);
    return client;
  }

  #reportHandlerError(error: unknown, where: string): void {
    const sink = this.#config.log;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (sink !== undefined) sink('error', 'eventide.kafka', `handler failed in ${where}: ${message}`, {});
    else console.error(`eventide kafka transport: handler failed in ${where}: ${message}`);
  }
}
