/**
 * A/B of Kafka Streams peer settings on one input: writes the demo input once, then runs the peer with each
 * variant in turn (alternating, `rounds` times), checks every run's counts against the truth, and prints the
 * median (range) of events/s from JVM start and from RUNNING per variant.
 *
 *   npx tsx bench/peers/kafka-streams-ab.ts [events=300000] [partitions=6] [rounds=3] '[{"name":"defaults"},{"name":"linger 5","streamsConfig":{"producer.linger.ms":5}}]'
 *
 * A variant is `{ name, streamsConfig?, threads?, windowStore?, repartition?, javaOptions? }` (javaOptions replaces KAFKA_STREAMS_PEER_JAVA_OPTS for its runs).
 */
import { randomUUID } from 'node:crypto';
import { startKafka } from '../../test/kafka/harness/index.ts';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { compareWindowCounts, runKafkaStreamsPeer } from './kafka-streams.ts';
import { writeDemoInput } from './side-by-side.ts';

interface Variant {
  readonly name: string;
  readonly streamsConfig?: Record<string, string | number>;
  readonly threads?: number;
  readonly javaOptions?: string;
  readonly windowStore?: 'in-memory' | 'rocksdb';
  readonly repartition?: 'shared' | 'per-query';
}

const events = Number(process.argv[2] ?? 300_000);
const partitions = Number(process.argv[3] ?? 6);
const rounds = Number(process.argv[4] ?? 3);
const variants = JSON.parse(process.argv[5] ?? '[{"name":"as configured"}]') as Variant[];
const graceMs = 120_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};
const figure = (values: number[]): string => `${Math.round(median(values)).toLocaleString('en')} (${Math.round(Math.min(...values)).toLocaleString('en')}-${Math.round(Math.max(...values)).toLocaleString('en')})`;

const kafka = process.env.KAFKA_BROKERS ? null : await startKafka();
const brokers = process.env.KAFKA_BROKERS?.split(',') ?? kafka!.brokers;
const transport = kafkaTransport({ brokers, clientId: 'bench-ks-ab' });
const baseJavaOptions = process.env.KAFKA_STREAMS_PEER_JAVA_OPTS;
const figures = new Map<string, { fromStart: number[]; fromRunning: number[] }>(variants.map((v) => [v.name, { fromStart: [], fromRunning: [] }]));
try {
  const run = randomUUID().slice(0, 8);
  const prefix = `ks-ab-${run}.`;
  const topics = pipelineTopicNames({ prefix });
  await transport.admin().createTopics(pipelineTopics({ prefix, partitions }));
  // 60 s of event time ending 30 s ago, as kafka-streams-vs-eventide.ts writes it.
  const input = await writeDemoInput(transport, topics.raw, { events, partitions, startAt: Date.now() - 90_000, spanMs: 60_000 });
  for (let round = 1; round <= rounds; round++) {
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      if (variant.javaOptions !== undefined) process.env.KAFKA_STREAMS_PEER_JAVA_OPTS = variant.javaOptions;
      else if (baseJavaOptions === undefined) delete process.env.KAFKA_STREAMS_PEER_JAVA_OPTS;
      else process.env.KAFKA_STREAMS_PEER_JAVA_OPTS = baseJavaOptions;
      const result = await runKafkaStreamsPeer({
        brokers, inputTopic: topics.raw, partitions, events, graceMs, applicationId: `ks-ab-${run}-${round}-${randomUUID().slice(0, 4)}`,
        ...(variant.streamsConfig ? { streamsConfig: variant.streamsConfig } : {}), ...(variant.threads ? { threads: variant.threads } : {}),
        ...(variant.windowStore ? { windowStore: variant.windowStore } : {}),
        ...(variant.repartition ? { repartition: variant.repartition } : {}),
      });
      const against = compareWindowCounts(input.expected, result.results);
      if (!against.same) throw new Error(`${variant.name}: ${against.differences.length} of ${input.expected.size} windows and facets wrong`);
      figures.get(variant.name)!.fromStart.push(result.eventsPerSecond);
      figures.get(variant.name)!.fromRunning.push(result.runningEventsPerSecond);
      console.log(`round ${round} ${variant.name}: ${Math.round(result.eventsPerSecond).toLocaleString('en')} events/s (${Math.round(result.runningEventsPerSecond).toLocaleString('en')} from RUNNING; RUNNING after ${result.startupMs} ms, drained after ${result.drainedMs} ms, close ${result.closeLatencyMs} ms), exact`);
    }
  }
  console.log(`events: ${events}, partitions: ${partitions}, grace ${graceMs} ms, rounds ${rounds}; median (range) events/s`);
  for (const [name, f] of figures) console.log(`${name}: ${figure(f.fromStart)} from JVM start, ${figure(f.fromRunning)} from RUNNING`);
} finally {
  await transport.close();
  await kafka?.stop();
}
