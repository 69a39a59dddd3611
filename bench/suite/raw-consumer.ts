/**
 * The ceiling a Kafka consumer sets: a bare kafkajs consumer, in a group of
 * its own, that reads the raw topic to its end and does the least any
 * pipeline must do with each record (gunzip it when it is gzip, JSON.parse
 * it, count its events). No output, no transactions, no state. Its events/s
 * is what `kafka_vs_raw_consumer_ratio` divides eventide's by.
 */
import { gunzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import type { BenchInput } from './kafka-input.ts';

const GZIP_MAGIC = 0x1f8b;

/** Events a raw batch's value holds. */
export function countRawEvents(value: Buffer): number {
  const json = value.length >= 2 && value.readUInt16BE(0) === GZIP_MAGIC ? gunzipSync(value) : value;
  const batch: unknown = JSON.parse(json.toString('utf8'));
  return Array.isArray(batch) ? batch.length : 0;
}

/** Reads the whole raw topic once; gives events/s from `run()` to the last record. */
export async function measureRawConsumer(brokers: readonly string[], input: BenchInput, run: number): Promise<number> {
  const kafka = new Kafka({ clientId: `bench-raw-${run}`, brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(input.rawTopic);
  await admin.disconnect();
  const remaining = new Map(ends.map(({ partition, high }) => [partition, Number(high)]));
  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}-${run}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: input.rawTopic, fromBeginning: true });
  let events = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  let finishedAt = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) if (message.value !== null) events += countRawEvents(message.value);
      const next = Number(batch.lastOffset()) + 1;
      if (next >= (remaining.get(batch.partition) ?? 0)) remaining.delete(batch.partition);
      if (remaining.size === 0 && finishedAt === 0) {
        finishedAt = performance.now();
        done();
      }
    },
  });
  await finished;
  await consumer.disconnect();
  // The closing batches hold a few events more than the data.
  if (events < input.events) throw new Error(`bench: the raw consumer read ${events} events of ${input.events}`);
  return input.events / ((finishedAt - started) / 1000);
}
