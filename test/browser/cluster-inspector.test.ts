/**
 * The inspector of a two-node cluster on a real broker, in a real browser:
 * the cluster view of one node lists both nodes (found through the groups'
 * member data) and every partition with its owner, and after the other node
 * stops (SIGTERM) it shows every partition on itself.
 */
import test from 'ava';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopics } from '../../pipeline/topics.ts';
import type { Transport } from '../../protocols/transport.ts';
import { CliCluster } from '../helpers/cli-cluster.ts';
import { openBrowser } from '../helpers/browser.ts';
import { startKafka, type KafkaTestCluster } from '../kafka/harness/index.ts';
import { InspectorPage, type ShownPartition } from './inspector-page.ts';

const RAW_PARTITIONS = 2;
const MATCHED_PARTITIONS = 4;

let kafka: KafkaTestCluster | undefined;
let transport: Transport | undefined;

test.before(async () => {
  kafka = await startKafka();
  transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-inspector-test' });
});

test.after.always(async () => {
  await transport?.close();
  await kafka?.stop();
});

const owners = (rows: readonly ShownPartition[]): string[] => [...new Set(rows.map((row) => row.owner))].sort();

test('the cluster view lists both nodes and their partitions, and after one stops, every partition on the other', async (t) => {
  t.timeout(300_000);
  await transport!.admin().deleteTopics(pipelineTopics().map((spec) => spec.name));
  const cluster = new CliCluster(kafka!.brokers, 'inspector-cluster');
  t.teardown(() => cluster.killAll());
  await cluster.runOk(['topics', 'create', '--partitions', String(RAW_PARTITIONS), '--matched-partitions', String(MATCHED_PARTITIONS)]);
  const [a, b] = await Promise.all([cluster.startNode('node-a'), cluster.startNode('node-b')]);
  const url = `http://127.0.0.1:${a.inspectPort}/`;

  const browser = await openBrowser();
  t.teardown(() => browser.close());
  const page = new InspectorPage(browser.page, url);
  await page.open('/cluster');

  const bothNodes = await page.until(() => page.members(), (ids) => ids.length === 2, 'both nodes', 120_000);
  t.deepEqual([...bothNodes].sort(), ['node-a', 'node-b']);
  const spread = await page.until(
    () => page.partitions('aggregate'),
    (rows) => rows.length === MATCHED_PARTITIONS && owners(rows).join() === 'node-a,node-b',
    `${MATCHED_PARTITIONS} aggregate partitions spread over node-a and node-b`,
    120_000,
  );
  t.deepEqual(spread.map((row) => row.partition), [0, 1, 2, 3]);
  const ingest = await page.until(
    () => page.partitions('ingest'),
    (rows) => rows.length === RAW_PARTITIONS && rows.every((row) => row.owner === 'node-a' || row.owner === 'node-b'),
    `${RAW_PARTITIONS} ingest partitions, each owned`,
    120_000,
  );
  t.log(`aggregate: ${spread.map((row) => `${row.partition}→${row.owner}`).join(' ')}; ingest: ${ingest.map((row) => `${row.partition}→${row.owner}`).join(' ')}`);
  t.log(await browser.screenshot('cluster-two-nodes'));

  b.kill('SIGTERM');
  t.deepEqual(await b.exited(), { code: 0, signal: null }, 'node-b leaves cleanly');

  t.deepEqual(await page.until(() => page.members(), (ids) => ids.length === 1, 'node-a alone', 120_000), ['node-a']);
  const moved = await page.until(
    () => page.partitions(),
    (rows) => rows.filter((row) => row.stage === 'aggregate').length === MATCHED_PARTITIONS && rows.every((row) => row.owner === 'node-a'),
    'every partition on node-a',
    120_000,
  );
  t.deepEqual(owners(moved), ['node-a']);
  t.log(await browser.screenshot('cluster-after-stop'));
  t.deepEqual(browser.foreignRequests(url), []);
  for (const node of cluster.nodes) t.deepEqual(node.errors(), [], `${node.id} logged no error`);
});
