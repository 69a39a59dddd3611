import test from 'ava';
import type { FaultPoint } from '../../../runtime/memory/index.ts';
import { MemoryCluster, Journal, bytes } from './memory-cluster.ts';

test('the fault hook sees every operation, with its details, before it runs', async (t) => {
  const cluster = new MemoryCluster();
  const seen: FaultPoint[] = [];
  const node = cluster.node({ faults: (operation) => seen.push(operation) });
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  await node.producer().send([{ topic: 'in', partition: 0, value: bytes('a') }]);
  const producer = node.transactionalProducer('tx');
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send([{ topic: 'in', partition: 0, value: bytes('b') }]);
  await transaction.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 1 }]);
  await transaction.commit();
  const consumer = node.consumer({ groupId: 'g' });
  await consumer.run(['in'], new Journal(cluster.changes).handlers('c'));
  await consumer.commitOffsets([{ topic: 'in', partition: 0, offset: 2 }]);

  t.deepEqual(
    seen.map((operation) => operation.kind),
    ['send', 'transaction.send', 'transaction.sendOffsets', 'transaction.commit', 'commitOffsets'],
  );
  t.like(seen[2], { transactionalId: 'tx', groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 1 }] });
  t.like(seen[4], { groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 2 }] });
  await cluster.close();
});

test('a fault that throws fails the operation and writes nothing', async (t) => {
  const cluster = new MemoryCluster();
  let sends = 0;
  const node = cluster.node({
    faults: (operation) => {
      if (operation.kind === 'send' && ++sends === 2) throw new Error('injected: the broker went away');
    },
  });
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  const producer = node.producer();
  await producer.send([{ topic: 'in', partition: 0, value: bytes('first') }]);
  await t.throwsAsync(() => producer.send([{ topic: 'in', partition: 0, value: bytes('second') }]), { message: /injected/ });
  await producer.send([{ topic: 'in', partition: 0, value: bytes('third') }]);
  t.is((await node.reader().endOffsets('in')).get(0), 2);
  await cluster.close();
});

test('crashing at the commit leaves the transaction open and its offsets uncommitted', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node({
    faults: (operation) => {
      if (operation.kind === 'transaction.commit') node.crash();
    },
  });
  const observer = cluster.node();
  await observer.admin().createTopics([{ name: 'out', partitions: 1 }]);
  const producer = node.transactionalProducer('tx');
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send([{ topic: 'out', partition: 0, value: bytes('result') }]);
  await transaction.sendOffsets('g', [{ topic: 'out', partition: 0, offset: 1 }]);
  await t.throwsAsync(() => transaction.commit());

  t.true(node.crashed);
  t.is((await observer.reader().endOffsets('out', 'read_committed')).get(0), 0);
  t.is((await observer.reader().endOffsets('out', 'read_uncommitted')).get(0), 1);
  t.is((await observer.admin().fetchCommittedOffsets('g', 'out')).size, 0);
  await cluster.close();
});
