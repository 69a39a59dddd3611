/**
 * Results latency on a real Kafka: one in-process node runs the whole
 * pipeline while a paced load writes raw batches whose events are stamped
 * with the wall clock. For every result record, the delay from the moment
 * its window could close to the moment the record was read, read_committed,
 * from `results`.
 *
 * A window `[start, end)` of a query with lateness L can close once the
 * watermark (the lowest, over the source partitions, of the highest event
 * time) reaches `end + L`: its close moment is when the last source
 * partition received its first batch stamped at or after `end + L` (the wall
 * time that batch was sent). Results of windows that closed before the
 * warm-up ended, or whose close moment was never produced, are left out.
 * Each run has topics of its own (`prefix`), so runs can share a broker.
 */
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { createNode, type EventideNode } from '../../runtime/node.ts';
import { encodeQueryRecord } from '../../protocols/query-record/index.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { parseQuery } from '../../protocols/nrql/index.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import { pipelineCompression, pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { LoadGenerator } from '../../pipeline/load-generator.ts';
import { DEMO_QUERIES } from '../../cli/demo.ts';
import { createLogger } from '../../cli/logging.ts';
import { percentile } from './stats.ts';

const BATCH_EVENTS = 100;
const PACE_MS = 10;

const queries = DEMO_QUERIES.map((nrql, i) => ({ id: `q${i}`, nrql, lateness: latenessOf(nrql), windowMs: windowOf(nrql) }));

/** The first moment at or after `time` when some query's window can close (its end plus its lateness). */
function nextCloseAt(time: number): number {
  return Math.min(...queries.map(({ windowMs, lateness }) => Math.ceil((time - lateness) / windowMs) * windowMs + lateness));
}

function windowOf(nrql: string): number {
  const match = /TIMESERIES (\d+) seconds?/i.exec(nrql);
  if (match === null) throw new Error(`bench/latency: query without TIMESERIES n seconds: ${nrql}`);
  return Number(match[1]) * 1000;
}

function latenessOf(nrql: string): number {
  const match = /WITH LATENESS (\d+) seconds?/i.exec(nrql);
  parseQuery(nrql);
  if (match === null) throw new Error(`bench/latency: query without WITH LATENESS: ${nrql}`);
  return Number(match[1]) * 1000;
}

export interface LatencyOptions {
  readonly brokers: readonly string[];
  /** Events per second the load writes. */
  readonly rate: number;
  /** At least this long, and until a second past the first window close after the warm-up (a run of 10 s windows shorter than 10 s may see none). */
  readonly seconds: number;
  readonly partitions: number;
  /** Results of windows closing before this many seconds are not measured. */
  readonly warmupSeconds: number;
  /** The node's fetch wait (`KafkaGroupTimings.maxWaitTimeMs`). @default the transport's */
  readonly maxWaitTimeMs?: number;
  /** Before every topic, group and transactional id of the run. @default `bench.latency.<now>.` */
  readonly prefix?: string;
}

/** What one latency run measured (snake_case: it is written as JSON as it is). */
export interface LatencyFigures {
  readonly rate: number;
  readonly seconds: number;
  readonly partitions: number;
  readonly warmup_seconds: number;
  readonly events_sent: number;
  readonly sent_events_per_s: number;
  readonly max_send_ms: number;
  readonly results_measured: number;
  readonly windows_measured: number;
  readonly latency_p50_ms: number;
  readonly latency_p99_ms: number;
  readonly latency_max_ms: number;
  readonly window_last_result_p50_ms: number;
  readonly window_last_result_p99_ms: number;
  readonly stages: Record<string, { transactions: number; per_partition_per_s: number; commit_p50_ms: number; commit_p99_ms: number; publishing_commit_p50_ms: number }>;
}

/** Until each of the node's stages runs all `partitions` of its input (joined, restored): load sent before that measures the join, not the pipeline. */
async function everyPartitionRunning(node: EventideNode, partitions: number): Promise<void> {
  const stages = node.stages().length;
  const deadline = Date.now() + 60_000;
  while (node.partitions().filter((p) => p.state === 'running').length < stages * partitions) {
    if (Date.now() > deadline) throw new Error(`bench/latency: the node runs ${node.partitions().filter((p) => p.state === 'running').length} of ${stages * partitions} partitions after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until `count()` has not grown for `quietMs`, or `maxMs` passed. */
async function settled(count: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = count();
  let lastChange = Date.now();
  while (Date.now() - lastChange < quietMs && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (count() !== last) {
      last = count();
      lastChange = Date.now();
    }
  }
}

export async function measureLatency(options: LatencyOptions): Promise<LatencyFigures> {
  const { brokers, rate, seconds, partitions, warmupSeconds } = options;
  const prefix = options.prefix ?? `bench.latency.${Date.now()}.`;
  const TOPICS = pipelineTopicNames({ prefix });
  const transport = kafkaTransport({ brokers: [...brokers], clientId: 'bench-latency', compression: pipelineCompression(TOPICS), ...(options.maxWaitTimeMs === undefined ? {} : { group: { maxWaitTimeMs: options.maxWaitTimeMs } }) });
  // The watcher fetches with a short wait of its own, so the measurement adds little to what it measures.
  const watcherTransport = kafkaTransport({ brokers: [...brokers], clientId: 'bench-latency-watcher', group: { maxWaitTimeMs: 20 } });
  try {
    await transport.admin().createTopics(pipelineTopics({ prefix, partitions }));
    const now = Date.now();
    const producer = transport.producer();
    await producer.connect();
    await producer.send(queries.map(({ id, nrql }) => ({ topic: TOPICS.queries, partition: 0, key: id, value: encodeQueryRecord({ v: 1, id, nrql, createdAt: now, expiresAt: now + 3_600_000 }) })));

    /** Per source partition: the wall times at which batches stamped at or after each second boundary were first sent. */
    const firstSentAtOrAfter: Array<Array<{ eventTime: number; sentAt: number }>> = Array.from({ length: partitions }, () => []);
    const arrivals: Array<{ queryId: string; windowEnd: number; arrivedAt: number }> = [];
    const watcher = await watcherTransport.reader().follow(TOPICS.results, {
      onRecords: (records) => {
        const arrivedAt = Date.now();
        for (const record of records) {
          if (record.value === null) continue;
          const result = decodeWindowResult(record.value);
          arrivals.push({ queryId: result.queryId, windowEnd: result.windowEnd, arrivedAt });
        }
      },
    });
    await watcher.caughtUp;

    const group = `${prefix}bench-latency`;
    const node = createNode({ transport, group, stages: pipelineStages(['parse', 'match', 'aggregate'], { topics: TOPICS }), tables: pipelineTables({ topics: TOPICS }), logger: createLogger((process.env.LOG_LEVEL ?? 'warn') as 'warn') });
    const commits = new Map<string, Array<{ at: number; durationMs: number; results: number }>>();
    node.instrumentation.on('transaction.committed', (e) => {
      const list = commits.get(e.stage) ?? [];
      list.push({ at: Date.now(), durationMs: e.durationMs, results: e.recordsByTopic[TOPICS.results] ?? 0 });
      commits.set(e.stage, list);
    });
    await node.start();
    await everyPartitionRunning(node, partitions);

    const generator = new LoadGenerator({ batchSize: BATCH_EVENTS, jitterMs: 0 });
    const started = Date.now();
    const measureFrom = started + warmupSeconds * 1000;
    const stopAt = Math.max(started + seconds * 1000, nextCloseAt(measureFrom) + 1000);
    let batchesSent = 0;
    let nextPartition = 0;
    let maxSendMs = 0;
    while (Date.now() < stopAt) {
      const due = Math.floor(((Date.now() - started) * rate) / 1000 / BATCH_EVENTS) - batchesSent;
      if (due > 0) {
        const sentAt = Date.now();
        const records = [];
        for (let i = 0; i < due; i++) {
          const partition = nextPartition++ % partitions;
          records.push({ topic: TOPICS.raw, partition, value: generator.batch(sentAt).value });
          const log = firstSentAtOrAfter[partition]!;
          if (log.length === 0 || Math.floor(log[log.length - 1]!.eventTime / 1000) < Math.floor(sentAt / 1000)) log.push({ eventTime: sentAt, sentAt });
        }
        await producer.send(records);
        maxSendMs = Math.max(maxSendMs, Date.now() - sentAt);
        batchesSent += due;
      }
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
    const sentSeconds = (Date.now() - started) / 1000;
    // Let the windows that closed during the run publish: until no result arrived for 2 s, at most 10 s.
    await settled(() => arrivals.length, 2000, 10_000);

    /** When every source partition had a batch stamped at or after `time`: the watermark reached it. */
    const watermarkReached = (time: number): number | undefined => {
      let latest = -Infinity;
      for (const log of firstSentAtOrAfter) {
        const first = log.find((entry) => entry.eventTime >= time);
        if (first === undefined) return undefined;
        latest = Math.max(latest, first.sentAt);
      }
      return latest;
    };
    const latenessById = new Map(queries.map((q) => [q.id, q.lateness]));
    const delays: number[] = [];
    const windowDelays = new Map<string, number>();
    for (const { queryId, windowEnd, arrivedAt } of arrivals) {
      const closeAt = watermarkReached(windowEnd + (latenessById.get(queryId) ?? 0));
      if (closeAt === undefined || closeAt < measureFrom) continue;
      const delay = arrivedAt - closeAt;
      delays.push(delay);
      const key = `${queryId}/${windowEnd}`;
      windowDelays.set(key, Math.max(windowDelays.get(key) ?? -Infinity, delay));
    }
    const window = [...windowDelays.values()];
    const during = (stage: string): Array<{ at: number; durationMs: number; results: number }> => (commits.get(stage) ?? []).filter((c) => c.at >= measureFrom && c.at <= stopAt);
    const stageFigures = Object.fromEntries(
      [...commits.keys()].map((stage) => {
        const list = during(stage);
        const durations = list.map((c) => c.durationMs);
        const publishing = list.filter((c) => c.results > 0).map((c) => c.durationMs);
        return [stage, {
          transactions: list.length,
          per_partition_per_s: Math.round((list.length / partitions / ((stopAt - measureFrom) / 1000)) * 10) / 10,
          commit_p50_ms: Math.round(percentile(durations, 50)),
          commit_p99_ms: Math.round(percentile(durations, 99)),
          publishing_commit_p50_ms: Math.round(percentile(publishing, 50)),
        }];
      }),
    );
    const figures: LatencyFigures = {
      rate, seconds: Math.round(sentSeconds * 10) / 10, partitions, warmup_seconds: warmupSeconds,
      events_sent: batchesSent * BATCH_EVENTS, sent_events_per_s: Math.round((batchesSent * BATCH_EVENTS) / sentSeconds), max_send_ms: maxSendMs,
      results_measured: delays.length, windows_measured: window.length,
      latency_p50_ms: Math.round(percentile(delays, 50)), latency_p99_ms: Math.round(percentile(delays, 99)), latency_max_ms: Math.round(Math.max(...delays)),
      window_last_result_p50_ms: Math.round(percentile(window, 50)), window_last_result_p99_ms: Math.round(percentile(window, 99)),
      stages: stageFigures,
    };
    await watcher.stop();
    await node.stop();
    return figures;
  } finally {
    await Promise.allSettled([transport.close(), watcherTransport.close()]);
  }
}
