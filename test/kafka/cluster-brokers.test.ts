/**
 * Two CLI node processes on the harness's three-broker cluster (topics with
 * replication factor 3, min.insync.replicas 2): one broker is stopped and
 * restarted under load, processing goes on, and the results are exact.
 */
import test from 'ava';
import kafkajs from 'kafkajs';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { pipelineTopics } from '../../pipeline/topics.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import { CliCluster, knownEvents, loadBase, produceRaw, produceTrailing, readResults, registerQueries, spreadQueries, until } from '../helpers/cli-cluster.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

const RAW_PARTITIONS = 3;
const MATCHED_PARTITIONS = 4;
const SPAN_MS = 20 * 60_000;
const QUERIES = spreadQueries(STANDARD_QUERIES, MATCHED_PARTITIONS);

let kafka: KafkaTestCluster | undefined;
let transport: Transport | undefined;

test.before(async () => {
  kafka = await startKafka({ brokers: 3 });
  transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-brokers-test' });
});

test.after.always(async () => {
  await transport?.close();
  await kafka?.stop();
});

/** Replicas of every partition of the pipeline's topics, read with kafkajs's admin. */
async function replicaCounts(brokers: readonly string[]): Promise<Map<string, number[]>> {
  const admin = new kafkajs.Kafka({ brokers: [...brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: pipelineTopics().map((spec) => spec.name) });
    return new Map(topics.map((topic) => [topic.name, topic.partitions.map((p) => p.replicas.length)]));
  } finally {
    await admin.disconnect();
  }
}

test('a broker of three stopped and restarted under load: processing goes on and the results are exact', async (t) => {
  t.timeout(300_000);
  const cluster = new CliCluster(kafka!.brokers, 'brokers');
  t.teardown(() => cluster.killAll());
  await cluster.runOk(['topics', 'create', '--partitions', String(RAW_PARTITIONS), '--matched-partitions', String(MATCHED_PARTITIONS), '--replication-factor', '3']);
  for (const [topic, replicas] of await replicaCounts(kafka!.brokers)) t.true(replicas.every((count) => count === 3), `${topic} has 3 replicas per partition: ${replicas}`);
  await registerQueries(cluster, QUERIES);
  await Promise.all([cluster.startNode('a'), cluster.startNode('b')]);

  const base = loadBase();
  const events = knownEvents(20_000, SPAN_MS, base, 11);
  const expected = expectedResults(QUERIES, events);
  const third = Math.floor(events.length / 3);
  await produceRaw(transport!, events.slice(0, third), RAW_PARTITIONS);
  await until(async () => (await readResults(transport!)).length > 0, () => 'the first published results');

  await kafka!.stopBroker(1);
  await produceRaw(transport!, events.slice(third, 2 * third), RAW_PARTITIONS);
  const before = (await readResults(transport!)).length;
  await until(async () => (await readResults(transport!)).length > before, () => 'results published while a broker is down', 120_000, 500);
  await produceRaw(transport!, events.slice(2 * third), RAW_PARTITIONS);
  await kafka!.startBroker(1);
  await produceTrailing(transport!, base + SPAN_MS + 10 * 60_000, RAW_PARTITIONS);

  await cluster.untilAllResults(transport!, expected.size, { matched: MATCHED_PARTITIONS, raw: RAW_PARTITIONS }, 150_000);
  t.deepEqual(compareResults(await readResults(transport!), expected), []);
  for (const node of cluster.nodes) t.true(node.running, `node ${node.id} is still running`);
});
