import test from 'ava';
import { ProducerFencedError, TopicConfigError, TransactionStateError } from '../../../protocols/errors.ts';
import { MemoryCluster, bytes, text } from './memory-cluster.ts';

const readAll = async (cluster: MemoryCluster, isolation: 'read_committed' | 'read_uncommitted') =>
  cluster.log.partition('out', 0).fetch(0, isolation, 1000).records.map(text);

test('a fenced producer cannot begin, write to or end a transaction', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const old = node.transactionalProducer('tx');
  await old.connect();
  const open = await old.transaction();
  await node.transactionalProducer('tx').connect();

  const fenced = { instanceOf: ProducerFencedError };
  await t.throwsAsync(() => open.send([{ topic: 'out', partition: 0, value: bytes('late') }]), fenced);
  await t.throwsAsync(() => open.sendOffsets('g', [{ topic: 'out', partition: 0, offset: 1 }]), fenced);
  await t.throwsAsync(() => open.abort(), fenced);
  await t.throwsAsync(() => old.transaction(), fenced);
  await cluster.close();
});

test('commit and abort markers take one offset each, as on Kafka', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const producer = node.transactionalProducer('tx');
  await producer.connect();
  const committed = await producer.transaction();
  await committed.send([{ topic: 'out', partition: 0, value: bytes('a') }, { topic: 'out', partition: 0, value: bytes('b') }]);
  await committed.commit();
  const aborted = await producer.transaction();
  await aborted.send([{ topic: 'out', partition: 0, value: bytes('c') }]);
  await aborted.abort();
  await node.producer().send([{ topic: 'out', partition: 0, value: bytes('d') }]);

  const log = cluster.log.partition('out', 0);
  t.is(log.highWatermark, 6);
  t.deepEqual(log.fetch(0, 'read_committed', 100).records.map((r) => [r.offset, text(r)]), [[0, 'a'], [1, 'b'], [5, 'd']]);
  t.deepEqual(await readAll(cluster, 'read_uncommitted'), ['a', 'b', 'c', 'd']);
  await cluster.close();
});

test('the last stable offset is the first offset of the oldest open transaction', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const [p1, p2] = [node.transactionalProducer('one'), node.transactionalProducer('two')];
  await p1.connect();
  await p2.connect();
  const t1 = await p1.transaction();
  const t2 = await p2.transaction();
  await node.producer().send([{ topic: 'out', partition: 0, value: bytes('plain') }]);
  await t1.send([{ topic: 'out', partition: 0, value: bytes('one') }]);
  await t2.send([{ topic: 'out', partition: 0, value: bytes('two') }]);
  const log = cluster.log.partition('out', 0);
  t.is(log.lastStableOffset, 1);
  await t2.commit();
  t.is(log.lastStableOffset, 1, 'a younger commit does not release an older open transaction');
  await t1.commit();
  t.is(log.lastStableOffset, log.highWatermark);
  t.deepEqual(await readAll(cluster, 'read_committed'), ['plain', 'one', 'two']);
  await cluster.close();
});

test('transactions need a connected producer, and a graceful disconnect aborts the open one', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const producer = node.transactionalProducer('tx');
  await t.throwsAsync(() => producer.transaction(), { instanceOf: TransactionStateError });
  await producer.connect();
  const open = await producer.transaction();
  await open.send([{ topic: 'out', partition: 0, value: bytes('never') }]);
  await producer.disconnect();
  const log = cluster.log.partition('out', 0);
  t.is(log.lastStableOffset, log.highWatermark);
  t.deepEqual(await readAll(cluster, 'read_committed'), []);
  await t.throwsAsync(() => open.commit(), { instanceOf: TransactionStateError });
  await cluster.close();
});

test('a write to a missing topic or partition fails as a whole', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const producer = node.producer();
  const error = { instanceOf: TopicConfigError };
  await t.throwsAsync(() => producer.send([{ topic: 'out', partition: 0, value: bytes('ok') }, { topic: 'out', partition: 3, value: null }]), error);
  await t.throwsAsync(() => producer.send([{ topic: 'nope', partition: 0, value: null }]), error);
  t.is(cluster.log.partition('out', 0).highWatermark, 0);
  await cluster.close();
});
