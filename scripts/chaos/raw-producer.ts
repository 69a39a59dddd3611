/**
 * The producer of the chaos load: kafkajs, idempotent, one request in
 * flight, retrying for as long as a broker outage of the schedule lasts.
 * kafkajs retries a request with its sequence numbers unchanged, so a retry
 * after a write that did land is dropped by the broker, not written twice;
 * only a send that gives up and is sent again could be, and the run's load
 * check (every planned record on events.raw once) would say so.
 *
 * Each kafkajs send holds one partition's records. kafkajs 2.2.4 retries a
 * send only to the brokers that have not answered yet, grouping partitions
 * by their leader at the time of the retry (src/producer/sendMessages.js):
 * a partition whose leader moved, during a broker restart, to a broker that
 * had already answered for other partitions is never sent, and the send
 * resolves. A chaos run saw exactly that (a trailing batch absent from
 * events.raw after a successful send). With one partition per send, a retry
 * always goes to the partition's new leader.
 */
import kafkajs from 'kafkajs';
import { TOPICS } from '../../pipeline/topics.ts';
import type { RawRecord } from './load.ts';

/** Sends raw records to events.raw through outages. */
export class RawProducer {
  readonly #producer: kafkajs.Producer;
  readonly #say: (line: string) => void;

  constructor(brokers: readonly string[], say: (line: string) => void) {
    const kafka = new kafkajs.Kafka({ brokers: [...brokers], clientId: 'chaos-load', logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 60, initialRetryTime: 200, maxRetryTime: 3_000 } });
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    this.#say = say;
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  /** Sends the records, in order within each partition; a send that still fails after kafkajs's retries is sent again (and said). */
  async send(records: readonly RawRecord[]): Promise<void> {
    const byPartition = new Map<number, RawRecord[]>();
    for (const record of records) byPartition.set(record.partition, [...(byPartition.get(record.partition) ?? []), record]);
    await Promise.all([...byPartition.values()].map((list) => this.#sendOnePartition(list)));
  }

  async #sendOnePartition(records: readonly RawRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#producer.send({ topic: TOPICS.raw, acks: -1, messages: records.map((record) => ({ value: record.value, partition: record.partition })) });
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.#say(`  load: a send failed after kafkajs's retries (${(error as Error).message}); sending again, which may write it twice`);
      }
    }
  }

  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }
}
