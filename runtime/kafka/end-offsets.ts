import type { Admin, Kafka } from 'kafkajs';
import { TopicConfigError } from '../../protocols/errors.ts';
import type { Isolation } from '../../protocols/transport.ts';
import { LazyClient } from './lazy-client.ts';

/**
 * Start and end offsets of a topic's partitions.
 *
 * kafkajs's `admin.fetchTopicOffsets` asks ListOffsets with isolation
 * READ_COMMITTED (its default), so its `high` is the last stable offset:
 * exactly what read_committed readers need. It offers no way to ask for the
 * high-water mark (READ_UNCOMMITTED). For that one case this module builds a
 * kafkajs cluster object with READ_UNCOMMITTED through the factory kafkajs
 * 2.2.4 keeps behind a private symbol; if a kafkajs upgrade removes it,
 * `endOffsets(topic, 'read_uncommitted')` fails loudly rather than return
 * the last stable offset.
 */
export class EndOffsets {
  readonly #admin: LazyClient<Admin>;
  readonly #kafka: Kafka;
  #uncommitted: LazyClient<ListingCluster> | undefined;

  constructor(kafka: Kafka, admin: LazyClient<Admin>) {
    this.#kafka = kafka;
    this.#admin = admin;
  }

  /** Offsets by partition: the last stable offset (read_committed) or the high-water mark. */
  async end(topic: string, isolation: Isolation = 'read_committed'): Promise<Map<number, number>> {
    const admin = await this.#existing(topic);
    if (isolation === 'read_uncommitted') return this.#highWatermarks(topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  }

  /** The earliest offset still in each partition. */
  async start(topic: string): Promise<Map<number, number>> {
    const admin = await this.#existing(topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.low)]));
  }

  /** The admin, once the topic is known to exist: kafkajs retries a missing topic for seconds before failing. */
  async #existing(topic: string): Promise<Admin> {
    const admin = await this.#admin.get();
    if (!(await admin.listTopics()).includes(topic)) throw new TopicConfigError(`topic ${topic} does not exist`);
    return admin;
  }

  async close(): Promise<void> {
    await this.#uncommitted?.disconnect();
  }

  async #highWatermarks(topic: string): Promise<Map<number, number>> {
    this.#uncommitted ??= new LazyClient(readUncommittedCluster(this.#kafka));
    const cluster = await this.#uncommitted.get();
    await cluster.addTargetTopic(topic);
    await cluster.refreshMetadataIfNecessary();
    const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
    const [answer] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
    return new Map((answer?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }
}

/** The part of kafkajs's internal Cluster this module uses. */
interface ListingCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

const READ_UNCOMMITTED = 0;

function readUncommittedCluster(kafka: Kafka): ListingCluster {
  const factory = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  const create = factory === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[factory];
  if (typeof create !== 'function') {
    throw new Error('kafka transport: this kafkajs version has no cluster factory; high-water marks need kafkajs 2.2.x');
  }
  return create.call(kafka, { isolationLevel: READ_UNCOMMITTED, allowAutoTopicCreation: false }) as ListingCluster;
}
