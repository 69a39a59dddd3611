/**
 * eventide on Kafka, as the suite measures it: one node in this process runs
 * every role (fused parse+match, and aggregate) over the suite's input, with
 * a queries topic and output topics of its own for each run
 * (`bench.r<run>.…`) so the runs share only the raw input. Timed from `node.start()` (group join and restore
 * included) to the moment the last data window of every query is readable,
 * read_committed, on `results`: start to last result.
 */
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { createNode } from '../../runtime/node.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import { pipelineCompression, pipelineTopicNames, pipelineTopics, type PipelineTopicNames } from '../../pipeline/topics.ts';
import { createLogger } from '../../cli/logging.ts';
import { benchQueryRecords, type BenchInput } from './kafka-input.ts';
import { addWindowResult, type ResultCounts } from './results-map.ts';
import { percentile } from './stats.ts';

/** Every query's windows are TIMESERIES 10 seconds. */
export const WINDOW_MS = 10_000;

export interface EventideKafkaRun {
  readonly eventsPerSecond: number;
  readonly elapsedMs: number;
  readonly results: ResultCounts;
  /** Transactions per stage: how many, and their commit time p50 in ms. */
  readonly transactions: Record<string, { readonly count: number; readonly commitP50Ms: number }>;
}

/** The topic names of a run: its own queries and outputs, the suite's input. */
export function runTopicNames(input: BenchInput, prefix: string): PipelineTopicNames {
  return { ...pipelineTopicNames({ prefix }), raw: input.rawTopic };
}

/** The start of the last window that holds data events. */
export const lastDataWindowStart = (input: BenchInput): number => Math.floor(input.lastEventTime / WINDOW_MS) * WINDOW_MS;

export async function measureEventideOnKafka(brokers: readonly string[], input: BenchInput, run: number): Promise<EventideKafkaRun> {
  const prefix = `bench.r${run}.${Date.now()}.`;
  const names = runTopicNames(input, prefix);
  const transport = kafkaTransport({ brokers: [...brokers], clientId: `bench-eventide-${run}`, compression: pipelineCompression(names) });
  try {
    const own = pipelineTopics({ prefix, partitions: input.partitions }).filter((spec) => spec.name !== `${prefix}events.raw`);
    await transport.admin().createTopics(own);
    const producer = transport.producer();
    await producer.connect();
    await producer.send(benchQueryRecords(names.queries));
    await producer.disconnect();
    const lastWindow = lastDataWindowStart(input);
    const waiting = new Set(input.queries.map((q) => q.id));
    let lastResultAt = 0;
    let allPublished!: () => void;
    const published = new Promise<void>((resolve) => (allPublished = resolve));
    const watcher = await transport.reader().follow(names.results, {
      onRecords: (records) => {
        for (const record of records) {
          if (record.value === null) continue;
          const result = decodeWindowResult(record.value);
          if (result.windowStart === lastWindow && waiting.delete(result.queryId) && waiting.size === 0) {
            lastResultAt = performance.now();
            allPublished();
          }
        }
      },
    });
    await watcher.caughtUp;
    const node = createNode({
      transport,
      group: `bench-${prefix}`,
      stages: pipelineStages(['parse', 'match', 'aggregate'], { topics: names }),
      tables: pipelineTables({ topics: names }),
      logger: createLogger((process.env.LOG_LEVEL ?? 'warn') as 'warn'),
    });
    const commits = new Map<string, number[]>();
    node.instrumentation.on('transaction.committed', (e) => commits.set(e.stage, [...(commits.get(e.stage) ?? []), e.durationMs]));
    const started = performance.now();
    await node.start();
    await published;
    const elapsedMs = lastResultAt - started;
    await watcher.stop();
    await node.stop();
    // Every result, read again now that the node is stopped and its last transaction is committed.
    const results: ResultCounts = new Map();
    const reread = await transport.reader().follow(names.results, {
      onRecords: (records) => {
        for (const record of records) if (record.value !== null) addWindowResult(results, decodeWindowResult(record.value), input.closingTime);
      },
    });
    await reread.caughtUp;
    await reread.stop();
    const transactions = Object.fromEntries([...commits].map(([stage, durations]) => [stage, { count: durations.length, commitP50Ms: Math.round(percentile(durations, 50)) }]));
    return { eventsPerSecond: input.events / (elapsedMs / 1000), elapsedMs, results, transactions };
  } finally {
    await transport.close();
  }
}
