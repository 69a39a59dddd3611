/**
 * `--topic-prefix`: two pipelines on one cluster (one MemoryLog) with the same
 * `--group`, the same query ids and different prefixes. Each reads only its
 * own topics and queries and publishes exactly its own results, and their
 * consumer groups and transactional ids never meet (if they did, one
 * pipeline's partition writers would fence the other's).
 */
import test from 'ava';
import { createNode, ManualClock, MemoryLog, memoryTransport, type EventideNode, type MemoryTransport } from '../../index.ts';
import { encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { decodeDeadLetter } from '../../protocols/dead-letter/index.ts';
import { decodeWindowResult, type WindowResult } from '../../protocols/result/index.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import { pipelineGroup, pipelineTopicNames, TOPICS, type PipelineTopicNames } from '../../pipeline/topics.ts';
import { createTopics, deleteTopics } from '../../cli/topics.ts';
import { addQuery, listQueries } from '../../cli/queries.ts';
import { clusterStatus } from '../../cli/observe.ts';
import { resolveConnection } from '../../cli/connection.ts';
import { generateEvents, readTopic, T0 } from '../helpers/pipeline-fixture.ts';
import { rawBatchRecords } from '../helpers/raw-batches.ts';
import { compareResults, expectedResults, STANDARD_QUERIES, type QuerySpec } from '../helpers/expected-results.ts';

const GROUP = 'eventide';
const RAW_PARTITIONS = 3;

/** One pipeline of the cluster: its names, its node, its query and its load. */
interface Tenant {
  readonly prefix: string;
  readonly topics: PipelineTopicNames;
  readonly group: string;
  readonly query: QuerySpec;
  readonly transport: MemoryTransport;
  readonly node: EventideNode;
}

async function startTenant(log: MemoryLog, clock: ManualClock, prefix: string, query: QuerySpec): Promise<Tenant> {
  const naming = { prefix };
  const topics = pipelineTopicNames(naming);
  const group = pipelineGroup(GROUP, naming);
  const transport = memoryTransport(log, { clientId: `${prefix}node` });
  await createTopics(transport.admin(), { ...naming, partitions: RAW_PARTITIONS, matchedPartitions: 4 });
  await addQuery(transport, query.nrql, { id: query.id, ttlMs: 3_600_000, now: clock.now(), topics });
  const options = { topics, idleTimeoutMs: 10_000 };
  const node = createNode({ transport, group, nodeId: `${prefix}node`, stages: pipelineStages(['parse', 'match', 'aggregate'], options), tables: pipelineTables(options), clock });
  await node.start();
  return { prefix, topics, group, query, transport, node };
}

const resultsOf = async (tenant: Tenant): Promise<WindowResult[]> =>
  (await readTopic(tenant.transport, tenant.topics.results)).map((record) => decodeWindowResult(record.value!));

test('two pipelines with different prefixes share a cluster and a group name, and each publishes exactly its own results', async (t) => {
  const log = new MemoryLog();
  const clock = new ManualClock(T0);
  // The same query id in both pipelines, for different queries: a query or a result crossing over would be counted wrong.
  const shop = { ...STANDARD_QUERIES[0]!, id: 'q1' };
  const blog = { ...STANDARD_QUERIES[3]!, id: 'q1' };
  const a = await startTenant(log, clock, 'tenant-a.', shop);
  const b = await startTenant(log, clock, 'tenant-b.', blog);
  t.teardown(async () => {
    for (const tenant of [a, b]) {
      await tenant.node.stop();
      await tenant.transport.close();
    }
  });
  t.not(a.group, b.group, 'the prefix separates the consumer groups and transactional ids');
  t.deepEqual((await a.transport.admin().listTopics()).filter((name) => !name.startsWith('tenant-')), [], 'no unprefixed topic is created');

  const eventsA = generateEvents(900, 3 * 60_000, 11);
  const eventsB = generateEvents(600, 3 * 60_000, 12);
  const producer = a.transport.producer();
  await producer.send(rawBatchRecords(eventsA, RAW_PARTITIONS, 25).map((record) => ({ ...record, topic: a.topics.raw })));
  await producer.send(rawBatchRecords(eventsB, RAW_PARTITIONS, 25).map((record) => ({ ...record, topic: b.topics.raw })));
  await producer.send([{ topic: b.topics.raw, partition: 0, value: Buffer.from('{not json') }]);
  // Events on the unprefixed raw topic reach neither pipeline (it does not even exist for them).
  t.false((await a.transport.admin().listTopics()).includes(TOPICS.raw));

  const expectedA = expectedResults([shop], eventsA);
  const expectedB = expectedResults([blog], eventsB);
  for (let step = 0; (await resultsOf(a)).length < expectedA.size || (await resultsOf(b)).length < expectedB.size; step++) {
    if (step > 600) throw new Error(`results after ${step} s: ${(await resultsOf(a)).length}/${expectedA.size} and ${(await resultsOf(b)).length}/${expectedB.size}`);
    await clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // Some more time, so a result published twice (or late from the other pipeline) would show.
  for (let step = 0; step < 15; step++) await clock.advance(1000);
  await a.node.idle();
  await b.node.idle();

  t.deepEqual(compareResults(await resultsOf(a), expectedA), []);
  t.deepEqual(compareResults(await resultsOf(b), expectedB), []);
  const deadLetters = async (tenant: Tenant) => (await readTopic(tenant.transport, tenant.topics.deadletter)).map((record) => decodeDeadLetter(record.value!).reason);
  t.deepEqual(await deadLetters(a), []);
  t.deepEqual(await deadLetters(b), ['malformed-json'], 'a bad record is dead-lettered in its own pipeline');

  t.deepEqual((await listQueries(a.transport, a.topics)).map((query) => query.nrql), [shop.nrql]);
  t.deepEqual((await listQueries(b.transport, b.topics)).map((query) => query.nrql), [blog.nrql]);
  const status = await clusterStatus(a.transport, a.group, clock.now(), a.topics);
  t.deepEqual([...status.nodes.keys()], ['tenant-a.node'], 'status of one pipeline shows its own nodes');
  t.true(status.partitions.every((partition) => partition.lag === 0));
});

test('topics delete removes one pipeline\'s topics and leaves the other\'s', async (t) => {
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'admin' });
  t.teardown(() => transport.close());
  await createTopics(transport.admin(), { prefix: 'tenant-a.', partitions: 2 });
  await createTopics(transport.admin(), { prefix: 'tenant-b.', partitions: 2 });
  const deleted = await deleteTopics(transport.admin(), { prefix: 'tenant-a.' });
  t.deepEqual(deleted.sort(), Object.values(pipelineTopicNames({ prefix: 'tenant-a.' })).sort());
  t.deepEqual((await transport.admin().listTopics()).sort(), Object.values(pipelineTopicNames({ prefix: 'tenant-b.' })).sort());
  t.deepEqual(await deleteTopics(transport.admin(), { prefix: 'tenant-a.' }), [], 'nothing left to delete');
});

test('the prefix comes from --topic-prefix, else EVENTIDE_TOPIC_PREFIX, and goes before every topic and the group', (t) => {
  const fromFlag = resolveConnection({ brokers: 'k:9092', topicPrefix: 'tenant-a.' }, { EVENTIDE_TOPIC_PREFIX: 'ignored.' });
  t.is(fromFlag.group, 'tenant-a.eventide');
  t.is(fromFlag.topicPrefix, 'tenant-a.');
  t.deepEqual(fromFlag.topics, pipelineTopicNames({ prefix: 'tenant-a.' }));
  t.is(fromFlag.topics.results, 'tenant-a.results');
  const fromEnv = resolveConnection({ brokers: 'k:9092', group: 'shop' }, { EVENTIDE_TOPIC_PREFIX: 'tenant-b.' });
  t.is(fromEnv.group, 'tenant-b.shop');
  t.is(fromEnv.topics.snapshots, 'tenant-b.snapshots');
  const none = resolveConnection({ brokers: 'k:9092' }, {});
  t.is(none.group, 'eventide');
  t.deepEqual(none.topics, TOPICS);
});

test('a prefix Kafka would refuse in a topic name is refused before anything is created', (t) => {
  t.throws(() => pipelineTopicNames({ prefix: 'tenant a/' }), { message: /topic prefix 'tenant a\/' may only contain/ });
  t.throws(() => pipelineTopicNames({ prefix: 'x'.repeat(240) }), { message: /too long/ });
});
