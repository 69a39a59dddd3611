import type { Producer as KafkaJsProducer, Transaction as KafkaJsTransaction } from 'kafkajs';
import { ProducerFencedError, TransactionStateError } from '../../protocols/errors.ts';
import type { ProducedRecord, TopicPartitionOffset, Transaction, TransactionalProducer } from '../../protocols/transport.ts';
import { isKafkaFencing, toEventideError } from './kafka-errors.ts';
import { toPartitionSends } from './records.ts';


/**
 * A transactional producer: kafkajs with a transactional id, idempotence and
 * one request in flight.
 *
 * kafkajs registers the transactional id (InitProducerId, which fences older
 * producers) lazily, at the first `transaction()`; `connect` forces it by
 * opening and abandoning an empty transaction, which sends nothing else.
 * Once fenced, every later call fails with `ProducerFencedError`.
 */
export class KafkaTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  readonly #producer: KafkaJsProducer;
  readonly #codecOf: (topic: string) => number;
  #state: 'created' | 'ready' | 'in-transaction' | 'fenced' | 'closed' = 'created';

  constructor(transactionalId: string, producer: KafkaJsProducer, codecOf: (topic: string) => number) {
    this.transactionalId = transactionalId;
    this.#producer = producer;
    this.#codecOf = codecOf;
  }

  async connect(): Promise<void> {
    if (this.#state !== 'created') throw new TransactionStateError(`producer ${this.transactionalId} is ${this.#state}; connect it once`);
    await this.#call('connect', async () => {
      await this.#producer.connect();
      const registration = await this.#producer.transaction();
      await registration.abort();
    });
    this.#state = 'ready';
  }

  async transaction(): Promise<Transaction> {
    this.#expect('ready', 'begin a transaction');
    const inner = await this.#call('begin a transaction', () => this.#producer.transaction());
    this.#state = 'in-transaction';
    return new KafkaTransaction(inner, {
      call: (doing, body) => this.#call(doing, body),
      ended: () => {
        if (this.#state === 'in-transaction') this.#state = 'ready';
      },
      isOpen: () => this.#state === 'in-transaction',
      name: this.transactionalId,
      codecOf: this.#codecOf,
    });
  }

  async disconnect(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#producer.disconnect();
  }

  #expect(state: 'ready', doing: string): void {
    if (this.#state === 'fenced') throw new ProducerFencedError(`producer ${this.transactionalId} was fenced; cannot ${doing}`);
    if (this.#state === 'in-transaction') throw new TransactionStateError(`producer ${this.transactionalId} cannot ${doing}: a transaction is open`);
    if (this.#state !== state) throw new TransactionStateError(`producer ${this.transactionalId} is ${this.#state}; cannot ${doing}`);
  }

  async #call<T>(doing: string, body: () => Promise<T>): Promise<T> {
    if (this.#state === 'fenced') throw new ProducerFencedError(`producer ${this.transactionalId} was fenced; cannot ${doing}`);
    try {
      return await body();
    } catch (error) {
      if (isKafkaFencing(error)) this.#state = 'fenced';
      throw toEventideError(error, `transactional producer ${this.transactionalId}: ${doing}`);
    }
  }
}

interface TransactionOwner {
  readonly name: string;
  /** The kafkajs codec number a topic is written with. */
  codecOf(topic: string): number;
  call<T>(doing: string, body: () => Promise<T>): Promise<T>;
  isOpen(): boolean;
  ended(): void;
}

class KafkaTransaction implements Transaction {
  readonly #inner: KafkaJsTransaction;
  readonly #owner: TransactionOwner;
  #open = true;

  constructor(inner: KafkaJsTransaction, owner: TransactionOwner) {
    this.#inner = inner;
    this.#owner = owner;
  }

  async send(records: readonly ProducedRecord[]): Promise<void> {
    this.#expectOpen('send');
    if (records.length === 0) return;
    await this.#owner.call('send', async () => {
      for (const topicMessages of toPartitionSends(records)) await this.#inner.sendBatch({ acks: -1, compression: this.#owner.codecOf(topicMessages[0]!.topic), topicMessages });
    });
  }

  async sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#expectOpen('sendOffsets');
    const byTopic = new Map<string, Array<{ partition: number; offset: string; metadata?: string }>>();
    for (const { topic, partition, offset, metadata } of offsets) {
      let partitions = byTopic.get(topic);
      if (partitions === undefined) byTopic.set(topic, (partitions = []));
      partitions.push({ partition, offset: String(offset), ...(metadata === undefined ? {} : { metadata }) });
    }
    await this.#owner.call('sendOffsets', () =>
      this.#inner.sendOffsets({ consumerGroupId: groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) }),
    );
  }

  async commit(): Promise<void> {
    this.#expectOpen('commit');
    this.#open = false;
    try {
      await this.#owner.call('commit', () => this.#inner.commit());
    } finally {
      this.#owner.ended();
    }
  }

  async abort(): Promise<void> {
    this.#expectOpen('abort');
    this.#open = false;
    try {
      await this.#owner.call('abort', () => this.#inner.abort());
    } finally {
      this.#owner.ended();
    }
  }

  #expectOpen(doing: string): void {
    if (!this.#open || !this.#owner.isOpen()) {
      throw new TransactionStateError(`producer ${this.#owner.name} cannot ${doing}: the transaction has ended`);
    }
  }
}
