/**
 * The suite's input on Kafka, written once and read by every contestant: N events in raw batches of 100
 * (every other one gzip-compressed, as `eventide produce` writes them)
 * spread round-robin over the partitions of an `events.raw` topic, their
 * event times spread evenly over one minute that ended `closeAheadMs` ago.
 *
 * The last batch of each partition is a closing one, stamped `closeAheadMs`
 * after the data: one event for every group of every demo query (a page view
 * of 'shop' on a `web-` host from each country, a transaction of each app),
 * so that every system sees the event time of every query, and of every
 * facet's repartitioned stream, pass the end and grace of the data's last
 * window and publishes it. Results of the closing window are not compared.
 */
import type { Transport } from '../../protocols/transport.ts';
import { encodeQueryRecord } from '../../protocols/query-record/index.ts';
import { encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { pipelineTopics, TOPICS } from '../../pipeline/topics.ts';
import { LOAD_VALUES, LoadGenerator } from '../../pipeline/load-generator.ts';
import type { Event } from '../../protocols/event.ts';
import { DEMO_QUERIES } from '../../cli/demo.ts';

/** Events per raw batch. */
export const BATCH_EVENTS = 100;
/** How long a stretch of event time the data covers. */
export const DATA_SPAN_MS = 60_000;
/** The closing batch's events at `time`: one in every group of every demo query. */
export function closingEvents(time: number): Event[] {
  const base = { host: 'web-1', duration: 1, userId: 'u-close' };
  return [
    ...LOAD_VALUES.countries.map((country) => ({ eventType: 'PageView', timestamp: time, attributes: { ...base, appName: 'shop', country, page: '/' } })),
    ...LOAD_VALUES.apps.map((appName) => ({ eventType: 'Transaction', timestamp: time, attributes: { ...base, appName, country: 'DE', error: false } })),
  ];
}

/** What was written, for the contestants to know when they are done. */
export interface BenchInput {
  readonly rawTopic: string;
  readonly partitions: number;
  /** Data events (closing events not counted). */
  readonly events: number;
  /** The demo's queries, with the ids every contestant reports them by. */
  readonly queries: ReadonlyArray<{ readonly id: string; readonly nrql: string }>;
  /** Event time of the first and last data event (before jitter). */
  readonly firstEventTime: number;
  readonly lastEventTime: number;
  /** Event time of the closing events: results of windows that end after it are not compared. */
  readonly closingTime: number;
  /** Wall time spent writing, ms. */
  readonly writeMs: number;
}

export interface BenchInputOptions {
  readonly rawTopic: string;
  readonly partitions: number;
  readonly events: number;
  /** How far past the last data event the closing events are stamped. */
  readonly closeAheadMs: number;
  /** The wall clock. @default Date.now() */
  readonly now?: number;
}

/** The demo's queries as the suite registers them. */
export const BENCH_QUERIES = DEMO_QUERIES.map((nrql, i) => ({ id: `q${i + 1}`, nrql }));

/** Records registering the suite's queries on a `queries` topic, living an hour from `now` (a run registers its own). */
export function benchQueryRecords(topic: string, now = Date.now()): Array<{ topic: string; partition: number; key: string; value: Buffer }> {
  return BENCH_QUERIES.map(({ id, nrql }) => ({ topic, partition: 0, key: id, value: encodeQueryRecord({ v: 1, id, nrql, createdAt: now, expiresAt: now + 3_600_000 }) }));
}

/** Creates the raw topic and writes the data and the closing batches. */
export async function writeBenchInput(transport: Transport, options: BenchInputOptions): Promise<BenchInput> {
  const { rawTopic, partitions, events, closeAheadMs } = options;
  const started = performance.now();
  const now = options.now ?? Date.now();
  const spec = pipelineTopics({ partitions }).find((topic) => topic.name === TOPICS.raw)!;
  await transport.admin().createTopics([{ ...spec, name: rawTopic }]);
  const producer = transport.producer();
  await producer.connect();
  try {
    const lastEventTime = now - closeAheadMs;
    const firstEventTime = lastEventTime - DATA_SPAN_MS;
    const generator = new LoadGenerator({ batchSize: BATCH_EVENTS });
    const batches = Math.ceil(events / BATCH_EVENTS);
    const SEND_BATCHES = 500;
    let inFlight: Promise<unknown> = Promise.resolve();
    for (let from = 0; from < batches; from += SEND_BATCHES) {
      const records = [];
      for (let i = from; i < Math.min(batches, from + SEND_BATCHES); i++) {
        const at = firstEventTime + Math.floor((i * DATA_SPAN_MS) / Math.max(1, batches - 1));
        records.push({ topic: rawTopic, partition: i % partitions, value: generator.batch(at).value });
      }
      // One send on the wire while the next is generated: the generator, not the broker, is the limit.
      await inFlight;
      inFlight = producer.send(records);
    }
    await inFlight;
    const closingTime = lastEventTime + closeAheadMs;
    const closing = encodeEventBatch(closingEvents(closingTime));
    await producer.send(Array.from({ length: partitions }, (_, partition) => ({ topic: rawTopic, partition, value: closing })));
    return { rawTopic, partitions, events: batches * BATCH_EVENTS, queries: BENCH_QUERIES, firstEventTime, lastEventTime, closingTime, writeMs: performance.now() - started };
  } finally {
    await producer.disconnect();
  }
}
