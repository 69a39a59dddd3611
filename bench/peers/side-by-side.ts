/**
 * What a side-by-side run of eventide and the Kafka Streams peer shares: the
 * demo's input written once to a topic both read, with the true count of
 * each query's matching events, and one in-process eventide node run on it
 * until it has published every window (as bench/kafka-pipeline.ts runs one).
 */
import { encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { encodeQueryRecord } from '../../protocols/query-record/index.ts';
import type { Event } from '../../protocols/event.ts';
import type { Transport } from '../../protocols/transport.ts';
import { createNode } from '../../runtime/node.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import type { PipelineTopicNames } from '../../pipeline/topics.ts';
import { LoadGenerator } from '../../pipeline/load-generator.ts';
import { DEMO_QUERIES } from '../../cli/demo.ts';
import { createLogger } from '../../cli/logging.ts';
import { PEER_QUERY_IDS, readEventideResults, windowKey } from './kafka-streams.ts';

const WINDOW_MS = 10_000;

/**
 * What each demo query selects (its FROM and WHERE) and its FACET tuple, by the peer's query id: the ground
 * truth of a run, worked out from the generated events alone.
 */
const QUERIES: Record<(typeof PEER_QUERY_IDS)[number], { selects: (event: Event) => boolean; facet: (event: Event) => unknown[] | null }> = {
  q1: { selects: (e) => e.eventType === 'PageView' && e.attributes.appName === 'shop', facet: (e) => [e.attributes.country ?? null] },
  q2: { selects: (e) => e.eventType === 'Transaction', facet: (e) => [e.attributes.appName ?? null] },
  q3: {
    selects: (e) => (e.eventType === 'PageView' || e.eventType === 'Transaction') && typeof e.attributes.host === 'string' && e.attributes.host.startsWith('web-'),
    facet: () => null,
  },
};

export interface DemoInput {
  readonly events: number;
  /** The true count of every query × 10 s window × facet, keyed as `windowKey` does. */
  readonly expected: Map<string, number>;
}

/**
 * Writes `events` generated events (batches of 100, every other gzip-compressed, round-robin over the
 * partitions) stamped evenly from `startAt` over `spanMs`, as bench/kafka-pipeline.ts does.
 */
export async function writeDemoInput(transport: Transport, topic: string, options: { events: number; partitions: number; startAt: number; spanMs: number }): Promise<DemoInput> {
  const { events, partitions, startAt, spanMs } = options;
  const generator = new LoadGenerator();
  const expected = new Map<string, number>();
  const producer = transport.producer();
  await producer.connect();
  try {
    const batches = Math.ceil(events / 100);
    for (let from = 0; from < batches; from += 200) {
      const records = [];
      for (let i = from; i < Math.min(batches, from + 200); i++) {
        const at = startAt + Math.floor((i * 100 * spanMs) / events);
        const batch = Array.from({ length: Math.min(100, events - i * 100) }, () => generator.event(at));
        for (const event of batch) {
          for (const id of PEER_QUERY_IDS) {
            if (!QUERIES[id].selects(event)) continue;
            const key = windowKey(id, Math.floor(event.timestamp / WINDOW_MS) * WINDOW_MS, QUERIES[id].facet(event));
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
        }
        records.push({ topic, partition: i % partitions, value: encodeEventBatch(batch, { gzip: i % 2 === 0 }) });
      }
      await producer.send(records);
    }
  } finally {
    await producer.disconnect();
  }
  return { events, expected };
}

/** Registers the demo queries under the peer's ids (q1, q2, q3), valid for an hour. */
export async function registerDemoQueries(transport: Transport, topics: PipelineTopicNames): Promise<void> {
  const now = Date.now();
  const producer = transport.producer();
  await producer.connect();
  try {
    await producer.send(DEMO_QUERIES.map((nrql, i) => ({ topic: topics.queries, partition: 0, key: PEER_QUERY_IDS[i]!, value: encodeQueryRecord({ v: 1, id: PEER_QUERY_IDS[i]!, nrql, createdAt: now, expiresAt: now + 3_600_000 }) })));
  } finally {
    await producer.disconnect();
  }
}

/**
 * Runs one eventide node (parse, match, aggregate) until its results hold `windows` windows and facets
 * or `timeoutMs` passed, and returns them as `readEventideResults` reads them. The last windows close when
 * every source has been idle for `idleTimeoutMs` (10 s by default), so `elapsedMs` includes that wait: it
 * checks results, it is no throughput figure. Shorter is fragile while a backlog drains: with 2 s, on a
 * machine at load 15, sources not yet read counted as idle and most events as late (54,000 of 322,521
 * counted in one run of kafka-streams-vs-eventide.ts 300000 6).
 */
export async function runEventideUntilPublished(
  transport: Transport,
  topics: PipelineTopicNames,
  options: { group: string; windows: number; timeoutMs: number; idleTimeoutMs?: number },
): Promise<{ elapsedMs: number; results: Map<string, number> }> {
  const node = createNode({
    transport,
    group: options.group,
    stages: pipelineStages(['parse', 'match', 'aggregate'], { topics, snapshotEveryMs: 5000, idleTimeoutMs: options.idleTimeoutMs ?? 10_000 }),
    tables: pipelineTables({ topics }),
    logger: createLogger((process.env.LOG_LEVEL ?? 'warn') as 'warn'),
  });
  const started = performance.now();
  await node.start();
  try {
    let results = new Map<string, number>();
    while (performance.now() - started < options.timeoutMs) {
      results = await readEventideResults(transport, topics.results);
      if (results.size >= options.windows) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { elapsedMs: performance.now() - started, results };
  } finally {
    await node.stop();
  }
}
