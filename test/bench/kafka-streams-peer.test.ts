/**
 * The Kafka Streams peer of the benchmark suite is checked against eventide
 * before its speed means anything: on the same input, on the harness broker,
 * both publish the true count (worked out from the generated events) of
 * every query × window × facet, so the same as each other.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { startKafka, type KafkaTestCluster } from '../kafka/harness/index.ts';
import { compareWindowCounts, runKafkaStreamsPeer } from '../../bench/peers/kafka-streams.ts';
import { registerDemoQueries, runEventideUntilPublished, writeDemoInput } from '../../bench/peers/side-by-side.ts';

let kafka: KafkaTestCluster | undefined;

test.before(async () => {
  kafka = await startKafka();
});

test.after.always(async () => {
  await kafka?.stop();
});

const sorted = (results: ReadonlyMap<string, number>): Array<[string, number]> => [...results].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

test('the Kafka Streams peer and eventide publish the same count for every window and facet of the demo queries', async (t) => {
  t.timeout(180_000);
  const partitions = 3;
  const run = randomUUID().slice(0, 8);
  const topics = pipelineTopicNames({ prefix: `ks-peer-${run}.` });
  const transport = kafkaTransport({ brokers: kafka!.brokers, clientId: `ks-peer-test-${run}` });
  t.teardown(() => transport.close());
  await transport.admin().createTopics(pipelineTopics({ prefix: `ks-peer-${run}.`, partitions }));
  await registerDemoQueries(transport, topics);
  // 60 s of event time ending 20 s ago: every window has ended, so eventide closes the last ones as soon as its sources are idle.
  const input = await writeDemoInput(transport, topics.raw, { events: 20_000, partitions, startAt: Date.now() - 80_000, spanMs: 60_000 });

  // A grace longer than the whole input: no partition's events are late however unevenly the tasks progress.
  const peer = await runKafkaStreamsPeer({ brokers: kafka!.brokers, inputTopic: topics.raw, partitions, events: input.events, graceMs: 120_000, applicationId: `kafka-streams-peer-${run}`, timeoutMs: 60_000 });
  t.deepEqual(sorted(peer.results), sorted(input.expected), 'the peer publishes the true count of every window and facet');

  const eventide = await runEventideUntilPublished(transport, topics, { group: `ks-peer-eventide-${run}`, windows: input.expected.size, timeoutMs: 60_000 });
  t.deepEqual(sorted(eventide.results), sorted(input.expected), 'eventide publishes the true count of every window and facet');
  const comparison = compareWindowCounts(eventide.results, peer.results);
  t.true(comparison.same);
  t.deepEqual(comparison.differences, []);
  // 60 s of event time hold at least 5 whole windows, each with q3's one group, q1's 6 countries and q2's 4 apps.
  t.true(input.expected.size >= 5 * (1 + 6 + 4), `${input.expected.size} windows and facets`);
});
