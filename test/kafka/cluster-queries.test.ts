/**
 * The queries changelog and the topics check through the CLI, with nodes as
 * separate processes on a real broker: `eventide query add|cancel` reach
 * every running node, a node started later reads them all, and `eventide
 * topics check` refuses a snapshots topic that does not match
 * `events.matched`.
 */
import test from 'ava';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { pipelineTopics, TOPICS } from '../../pipeline/topics.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import { CliCluster, knownEvents, loadBase, produceRaw, produceTrailing, readResults, registerQueries, spreadQueries } from '../helpers/cli-cluster.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

const RAW_PARTITIONS = 3;
const MATCHED_PARTITIONS = 4;
const SPAN_MS = 10 * 60_000;
const [SHOP, DURATIONS, API, BLOG] = spreadQueries(STANDARD_QUERIES, MATCHED_PARTITIONS) as [typeof STANDARD_QUERIES[number], typeof STANDARD_QUERIES[number], typeof STANDARD_QUERIES[number], typeof STANDARD_QUERIES[number]];

let kafka: KafkaTestCluster | undefined;
let transport: Transport | undefined;

test.before(async () => {
  kafka = await startKafka();
  transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-queries-test' });
});

test.after.always(async () => {
  await transport?.close();
  await kafka?.stop();
});

test.serial('queries added and cancelled with the CLI reach every node; a node started later sees them all', async (t) => {
  t.timeout(240_000);
  await transport!.admin().deleteTopics(pipelineTopics().map((spec) => spec.name));
  const cluster = new CliCluster(kafka!.brokers, 'queries');
  t.teardown(() => cluster.killAll());
  await cluster.runOk(['topics', 'create', '--partitions', String(RAW_PARTITIONS), '--matched-partitions', String(MATCHED_PARTITIONS)]);
  await registerQueries(cluster, [SHOP, DURATIONS, API]);

  const early = await cluster.startNode('early');
  t.deepEqual(early.lines(/^\d+ queries registered$/)[0]?.keys, [SHOP.id, DURATIONS.id, API.id], 'the first node read the registered queries at start-up');

  // While it runs: one more query, one cancelled.
  await registerQueries(cluster, [BLOG]);
  t.is(await cluster.runOk(['query', 'cancel', API.id]), `${API.id} cancelled\n`);
  await early.waitForLog(new RegExp(`^query ${BLOG.id} registered$`));
  await early.waitForLog(new RegExp(`^query ${API.id} cancelled$`));

  const list = await cluster.runOk(['query', 'list']);
  const listed = list.trim().split('\n').map((line) => line.split(/\s+/)[0]);
  t.deepEqual(listed, [SHOP.id, DURATIONS.id, BLOG.id], `query list: ${list}`);
  t.regex(list, new RegExp(`${BLOG.id}\\s+expires in \\d+s\\s+${BLOG.nrql.replace(/[()*]/g, '\\$&')}`));

  const unknown = await cluster.run(['query', 'cancel', 'no-such-query']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no query no-such-query/);

  const late = await cluster.startNode('late');
  t.deepEqual(late.lines(/^\d+ queries registered$/)[0]?.keys?.toString(), [SHOP.id, DURATIONS.id, BLOG.id].toString(), 'a node started later reads every registration and cancellation');

  // Results of the queries that live, from both nodes' partitions, and nothing of the cancelled one.
  const base = loadBase();
  const events = knownEvents(12_000, SPAN_MS, base, 7);
  await produceRaw(transport!, events, RAW_PARTITIONS);
  await produceTrailing(transport!, base + SPAN_MS + 10 * 60_000, RAW_PARTITIONS);
  const expected = expectedResults([SHOP, DURATIONS, BLOG], events);
  await cluster.untilAllResults(transport!, expected.size, { matched: MATCHED_PARTITIONS, raw: RAW_PARTITIONS }, 120_000);
  t.deepEqual(compareResults(await readResults(transport!), expected), []);

  const printed = await cluster.runOk(['results', '--query', BLOG.id]);
  t.is(printed.trim().split('\n').length, [...expected.values()].filter((result) => result.queryId === BLOG.id).length, '`eventide results --query` prints one line per result of that query');
  t.regex(printed, new RegExp(`^${BLOG.id} \\d{4}-\\d\\d-\\d\\dT\\S+ \\+60s count\\(\\*\\)=\\d+$`, 'm'));
  for (const node of cluster.nodes) t.deepEqual(node.errors(), [], `node ${node.id} logged no error`);
});

test.serial('topics check catches a snapshots topic whose partitions differ from events.matched, and a node refuses to start on it', async (t) => {
  t.timeout(120_000);
  const admin = transport!.admin();
  await admin.deleteTopics(pipelineTopics().map((spec) => spec.name));
  await admin.createTopics(pipelineTopics({ partitions: 3, matchedPartitions: 4 }).map((spec) => (spec.name === TOPICS.snapshots ? { ...spec, partitions: 2 } : spec)));
  const cluster = new CliCluster(kafka!.brokers, 'check');
  t.teardown(() => cluster.killAll());

  const check = await cluster.run(['topics', 'check']);
  t.is(check.code, 1);
  t.is(check.stderr, "error: topic 'snapshots' has 2 partitions but 'events.matched' has 4: they must be equal, partition p of one holds the state of partition p of the other\n");
  t.is(check.stdout, '');

  const node = await cluster.run(['node', '--node-id', 'refused', '--roles', 'aggregate']);
  t.not(node.code, 0);
  t.regex(node.stderr, /snapshot topic 'snapshots' must have exactly the 4 partitions of 'events\.matched' \(has 2\)/);
});
