/**
 * eventide and the Kafka Streams peer side by side on one broker (the test
 * harness's, or KAFKA_BROKERS): each round writes the same generated input
 * to fresh topics, runs the peer with a grace long enough for exact results
 * and with eventide's 2 s, then one eventide node, alternating which goes
 * first; it prints each run, whether the counts per window and facet agree,
 * and medians with their range.
 *
 *   npx tsx bench/peers/kafka-streams-vs-eventide.ts [events=200000] [partitions=6] [rounds=3] [exactGraceMs=120000]
 */
import { randomUUID } from 'node:crypto';
import { startKafka } from '../../test/kafka/harness/index.ts';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { compareWindowCounts, runKafkaStreamsPeer, type KafkaStreamsRun } from './kafka-streams.ts';
import { registerDemoQueries, runEventideUntilPublished, writeDemoInput } from './side-by-side.ts';

const events = Number(process.argv[2] ?? 200_000);
const partitions = Number(process.argv[3] ?? 6);
const rounds = Number(process.argv[4] ?? 3);
const exactGraceMs = Number(process.argv[5] ?? 120_000);
const eventideGraceMs = 2_000;

const kafka = process.env.KAFKA_BROKERS ? null : await startKafka();
const brokers = process.env.KAFKA_BROKERS?.split(',') ?? kafka!.brokers;
const transport = kafkaTransport({ brokers, clientId: 'bench-ks-vs-eventide' });
const figures = { ksExact: [] as KafkaStreamsRun[], ksEventideGrace: [] as KafkaStreamsRun[], eventide: [] as number[] };
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};
const summary = (name: string, values: number[], unit: string): string =>
  `${name}: median ${Math.round(median(values)).toLocaleString('en')} ${unit} (${Math.round(Math.min(...values)).toLocaleString('en')}-${Math.round(Math.max(...values)).toLocaleString('en')}, ${values.length} runs)`;

try {
  for (let round = 1; round <= rounds; round++) {
    const run = randomUUID().slice(0, 8);
    const prefix = `ks-vs-${run}.`;
    const topics = pipelineTopicNames({ prefix });
    await transport.admin().createTopics(pipelineTopics({ prefix, partitions }));
    await registerDemoQueries(transport, topics);
    // 60 s of event time ending 30 s ago, as bench/kafka-pipeline.ts writes it.
    const input = await writeDemoInput(transport, topics.raw, { events, partitions, startAt: Date.now() - 90_000, spanMs: 60_000 });
    const kafkaStreams = async (graceMs: number): Promise<KafkaStreamsRun> => {
      const result = await runKafkaStreamsPeer({ brokers, inputTopic: topics.raw, partitions, events, graceMs, applicationId: `ks-vs-${run}-grace-${graceMs}` });
      console.log(
        `round ${round} Kafka Streams grace ${graceMs} ms: ${Math.round(result.eventsPerSecond).toLocaleString('en')} events/s (${(result.elapsedMs / 1000).toFixed(2)} s; ${Math.round(result.runningEventsPerSecond).toLocaleString('en')} events/s from RUNNING; RUNNING after ${result.startupMs} ms, ` +
          `input in its windows after ${result.drainedMs} ms, last result ${result.closeLatencyMs} ms after the end-of-input signal)`,
      );
      return result;
    };
    let eventide: Awaited<ReturnType<typeof runEventideUntilPublished>> | undefined;
    const runEventide = async (): Promise<void> => {
      eventide = await runEventideUntilPublished(transport, topics, { group: `ks-vs-${run}-eventide`, windows: input.expected.size, timeoutMs: 60_000 });
      console.log(`round ${round} eventide: ${Math.round(events / (eventide.elapsedMs / 1000)).toLocaleString('en')} events/s (${(eventide.elapsedMs / 1000).toFixed(2)} s to ${eventide.results.size} windows and facets, last ones by idle close after 10 s: a check, not a throughput figure)`);
    };
    if (round % 2 === 0) await runEventide();
    const exact = await kafkaStreams(exactGraceMs);
    const short = await kafkaStreams(eventideGraceMs);
    if (round % 2 === 1) await runEventide();
    figures.ksExact.push(exact);
    figures.ksEventideGrace.push(short);
    figures.eventide.push(events / (eventide!.elapsedMs / 1000));
    const truth = [...input.expected.values()].reduce((a, b) => a + b, 0);
    for (const [name, results] of [['eventide', eventide!.results], [`Kafka Streams grace ${exactGraceMs} ms`, exact.results], [`Kafka Streams grace ${eventideGraceMs} ms`, short.results]] as const) {
      const against = compareWindowCounts(input.expected, results);
      const counted = [...results.values()].reduce((a, b) => a + b, 0);
      console.log(`round ${round} ${name}: ${against.same ? 'exact' : `${against.differences.length} of ${input.expected.size} windows and facets wrong`}, counted ${counted.toLocaleString('en')} of ${truth.toLocaleString('en')} selected events`);
    }
    const same = compareWindowCounts(eventide!.results, exact.results);
    console.log(`round ${round} same_results_as_kafka_streams (grace ${exactGraceMs} ms): ${same.same}`);
  }
  console.log(`events: ${events}, partitions: ${partitions}, kafka ${kafka?.kind ?? process.env.KAFKA_BROKERS}`);
  console.log(summary(`Kafka Streams EOS v2, grace ${exactGraceMs} ms (exact)`, figures.ksExact.map((r) => r.eventsPerSecond), 'events/s'));
  console.log(summary(`Kafka Streams EOS v2, grace ${exactGraceMs} ms (exact), from RUNNING`, figures.ksExact.map((r) => r.runningEventsPerSecond), 'events/s'));
  console.log(summary(`Kafka Streams EOS v2, grace ${eventideGraceMs} ms`, figures.ksEventideGrace.map((r) => r.eventsPerSecond), 'events/s'));
  console.log(summary('Kafka Streams last result after the end-of-input signal (exact grace)', figures.ksExact.map((r) => r.closeLatencyMs), 'ms'));
  console.log(summary('eventide (until every window, 10 s idle close: not comparable)', figures.eventide, 'events/s'));
} finally {
  await transport.close();
  await kafka?.stop();
}
