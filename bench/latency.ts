/**
 * Results latency on a real Kafka (the test harness's broker, or
 * KAFKA_BROKERS): see bench/suite/latency.ts for what is measured. Prints
 * p50/p99/max of the delay from a window's close to its result, and what
 * the transactions of each stage cost meanwhile; with JSON=1 one JSON line.
 *
 *   npx tsx bench/latency.ts [events/s=20000] [seconds=60] [partitions=4] [warmup seconds=15]
 */
import { startKafka } from '../test/kafka/harness/index.ts';
import { measureLatency } from './suite/latency.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';

const rate = Number(process.argv[2] ?? 20_000);
const seconds = Number(process.argv[3] ?? 60);
const partitions = Number(process.argv[4] ?? 4);
const warmupSeconds = Number(process.argv[5] ?? 15);

const kafka = await startKafka();
try {
  const figures = await measureLatency({ brokers: kafka.brokers, rate, seconds, partitions, warmupSeconds });
  if (process.env.JSON) console.log(JSON.stringify({ kafka: kafka.kind, ...figures }));
  else {
    console.log(`kafka ${kafka.kind}, ${figures.sent_events_per_s} events/s sent for ${seconds} s (asked ${rate}), partitions ${partitions}, queries ${DEMO_QUERIES.length}; measured after ${warmupSeconds} s`);
    console.log(`result after its window could close: ${figures.results_measured} results, p50 ${figures.latency_p50_ms} ms, p99 ${figures.latency_p99_ms} ms, max ${figures.latency_max_ms} ms`);
    console.log(`last result of each window: ${figures.windows_measured} windows, p50 ${figures.window_last_result_p50_ms} ms, p99 ${figures.window_last_result_p99_ms} ms`);
    for (const [stage, f] of Object.entries(figures.stages)) {
      console.log(`${stage}: ${f.transactions} transactions (${f.per_partition_per_s}/s per partition), commit p50 ${f.commit_p50_ms} ms, p99 ${f.commit_p99_ms} ms${Number.isFinite(f.publishing_commit_p50_ms) ? `; those publishing results: p50 ${f.publishing_commit_p50_ms} ms` : ''}`);
    }
  }
} finally {
  await kafka.stop();
}
