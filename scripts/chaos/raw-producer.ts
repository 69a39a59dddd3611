/**
 * The producer of the chaos load: kafkajs, idempotent, one request in
 * flight, retrying for as long as a broker outage of the schedule lasts.
 * kafkajs retries a request with its sequence numbers unchanged, so a retry
 * after a write that did land is dropped by the broker, not written twice;
 * only a send that gives up and is sent again could be, and the run's load
 * check (every planned record on events.raw once) would say so.
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

  /** Sends the records in order; a send that still fails after kafkajs's retries is sent again (and said). */
  async send(records: readonly RawRecord[]): Promise<void> {
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
