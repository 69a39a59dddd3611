import type { Producer as KafkaJsProducer } from 'kafkajs';
import type { ProducedRecord, Producer } from '../../protocols/transport.ts';
import { translated } from './kafka-errors.ts';
import { LazyClient } from './lazy-client.ts';
import { toPartitionSends } from './records.ts';


/**
 * A non-transactional, idempotent producer. `send` writes its records one
 * topic-partition per `sendBatch` (see `toPartitionSends`), each compressed
 * with its topic's codec, and resolves once every in-sync replica has them
 * (acks=-1). It connects on first use.
 */
export class KafkaProducer implements Producer {
  readonly #producer: LazyClient<KafkaJsProducer>;
  readonly #codecOf: (topic: string) => number;

  constructor(producer: KafkaJsProducer, codecOf: (topic: string) => number) {
    this.#producer = new LazyClient(producer);
    this.#codecOf = codecOf;
  }

  async connect(): Promise<void> {
    await translated('producer connect', () => this.#producer.get());
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await translated('send', async () => {
      const producer = await this.#producer.get();
      // One partition per call, one call after another: see toPartitionSends.
      for (const topicMessages of toPartitionSends(records)) await producer.sendBatch({ acks: -1, compression: this.#codecOf(topicMessages[0]!.topic), topicMessages });
    });
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
