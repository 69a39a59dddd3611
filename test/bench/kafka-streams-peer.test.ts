/**
 * The Kafka Streams peer of the benchmark suite is checked against eventide
 * before its speed means anything: on the same input, on the harness broker,
 * both publish the same count for every query × window × facet, and each
 * query's counts add up to the events it selects.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { startKafka, type KafkaTestCluster } from '../kafka/harness/index.ts';
import { compareWindowCounts, PEER_QUERY_IDS, runKafkaStreamsPeer } from '../../bench/peers/kafka-streams.ts';
import { registerDemoQueries, runEventideUntilPublished, writeDemoInput } from '../../bench/peers/side-by-side.ts';

let kafka: KafkaTestCluster | undefined;

test.before(async () => {
  kafka = await startKafka();
});

test.after.always(async () => {
  await kafka?.stop();
});

const totalsByQuery = (results: ReadonlyMap<string, number>): Record<string, number> => {
  const totals: Record<string, number> = Object.fromEntries(PEER_QUERY_IDS.map((id) => [id, 0]));
  for (const [key, count] of results) totals[key.slice(0, key.indexOf('|'))]! += count;
  return totals;
};

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
  t.deepEqual(totalsByQuery(peer.results), input.selected, 'the peer counts every selected event once');

  const eventide = await runEventideUntilPublished(transport, topics, { group: `ks-peer-eventide-${run}`, windows: peer.results.size, timeoutMs: 60_000 });
  t.deepEqual(totalsByQuery(eventide.results), input.selected, 'eventide counts every selected event once');
  const comparison = compareWindowCounts(eventide.results, peer.results);
  t.deepEqual(comparison.differences, []);
  t.true(comparison.windows >= 3 * 6, `${comparison.windows} windows and facets`);
});
