/**
 * The whole query pipeline on a real Kafka (the test harness's broker, or
 * KAFKA_BROKERS): N events written up front, one in-process node drains
 * them. Prints events/s and what the transactions cost (count, records per
 * transaction, commit time percentiles per stage).
 *
 *   npx tsx bench/kafka-pipeline.ts [events=200000] [partitions=4] [codecs=pipeline|gzip]
 *
 * `pipeline` writes each topic with `pipelineCompression` (lz4 for the
 * topics only eventide reads), `gzip` every topic with gzip.
 */
import { startKafka } from '../test/kafka/harness/index.ts';
import { kafkaTransport } from '../runtime/kafka/index.ts';
import { createNode } from '../runtime/node.ts';
import { encodeQueryRecord } from '../protocols/query-record/index.ts';
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { pipelineCompression, pipelineTopics, TOPICS } from '../pipeline/topics.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';
import { createLogger } from '../cli/logging.ts';

const events = Number(process.argv[2] ?? 200_000);
const partitions = Number(process.argv[3] ?? 4);
const kafka = await startKafka();
const codecs = process.argv[4] ?? 'pipeline';
const transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'bench', compression: codecs === 'gzip' ? 'gzip' : pipelineCompression() });
try {
  await transport.admin().createTopics(pipelineTopics({ partitions }));
  const now = Date.now();
  const producer = transport.producer();
  await producer.connect();
  await producer.send(DEMO_QUERIES.map((nrql, i) => ({ topic: TOPICS.queries, partition: 0, key: `q${i}`, value: encodeQueryRecord({ v: 1, id: `q${i}`, nrql, createdAt: now, expiresAt: now + 3_600_000 }) })));
  const generator = new LoadGenerator({ batchSize: 100 });
  const batches = events / 100;
  for (let from = 0; from < batches; from += 200) {
    const records = [];
    for (let i = from; i < Math.min(batches, from + 200); i++) records.push({ topic: TOPICS.raw, partition: i % partitions, value: generator.batch(now - 60_000 + Math.floor((i * 100 * 60_000) / events)).value });
    await producer.send(records);
  }
  await producer.disconnect();

  const group = `bench-${now}`;
  const node = createNode({ transport, group, stages: pipelineStages(['parse', 'match', 'aggregate'], { snapshotEveryMs: 5000 }), tables: pipelineTables(), logger: createLogger((process.env.LOG_LEVEL ?? 'warn') as 'warn') });
  const commits = new Map<string, number[]>();
  const recordsPerCommit = new Map<string, number>();
  node.instrumentation.on('transaction.committed', (e) => {
    commits.set(e.stage, [...(commits.get(e.stage) ?? []), e.durationMs]);
    recordsPerCommit.set(e.stage, (recordsPerCommit.get(e.stage) ?? 0) + Object.values(e.recordsByTopic).reduce((a, b) => a + b, 0));
  });
  const reader = transport.reader();
  const lastRecordOffset = async (partition: number, end: number): Promise<number> => {
    let last = -1;
    if (end === 0) return last;
    for await (const chunk of reader.read({ topic: TOPICS.matched, partition, offset: Math.max(0, end - 20) }, end)) for (const record of chunk) last = record.offset;
    return last;
  };
  const started = performance.now();
  await node.start();
  let ingestMs = 0;
  let lastProgress = performance.now();
  for (;;) {
    if (process.env.PROGRESS && performance.now() - lastProgress > 5000) {
      lastProgress = performance.now();
      console.log(JSON.stringify(node.partitions().map((p) => [p.stage, p.partition, p.state, p.nextOffset, p.transactions])));
    }
    if (ingestMs === 0) {
      // Ingest is done when its committed offsets (committed with its output, in its transactions) reach the end of events.raw.
      const [committed, rawEnd] = await Promise.all([transport.admin().fetchCommittedOffsets(`${group}.ingest`, TOPICS.raw), reader.endOffsets(TOPICS.raw)]);
      if ([...rawEnd].every(([partition, end]) => (committed.get(partition) ?? 0) >= end)) ingestMs = performance.now() - started;
    }
    if (ingestMs > 0) {
      const end = await reader.endOffsets(TOPICS.matched, 'read_committed');
      const hosts = node.partitions().filter((p) => p.stage === 'aggregate');
      // Transaction markers take offsets and are never delivered: caught up means past the last record.
      const last = await Promise.all(hosts.map((p) => lastRecordOffset(p.partition, end.get(p.partition) ?? 0)));
      if (hosts.length === partitions && hosts.every((p, i) => p.nextOffset > last[i]!)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const totalMs = performance.now() - started;
  const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
  console.log(`codecs ${codecs}; kafka ${kafka.kind}, events: ${events}, partitions: ${partitions}, queries: ${DEMO_QUERIES.length}`);
  console.log(`ingest (parse+match) drained in ${(ingestMs / 1000).toFixed(2)} s: ${Math.round(events / (ingestMs / 1000))} events/s (including group join and restore)`);
  console.log(`whole pipeline drained in ${(totalMs / 1000).toFixed(2)} s: ${Math.round(events / (totalMs / 1000))} events/s`);
  for (const [stage, durations] of commits) {
    console.log(`${stage}: ${durations.length} transactions, ${Math.round(recordsPerCommit.get(stage)! / durations.length)} records each, commit p50 ${percentile(durations, 50).toFixed(1)} ms, p99 ${percentile(durations, 99).toFixed(1)} ms`);
  }
  await node.stop();
} finally {
  await transport.close();
  await kafka.stop();
}
