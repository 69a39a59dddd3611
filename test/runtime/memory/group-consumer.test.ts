import test from 'ava';
import { NotAssignedError } from '../../../protocols/errors.ts';
import type { ConsumedBatch } from '../../../protocols/transport.ts';
import { MemoryCluster, Journal, bytes, text } from './memory-cluster.ts';

const values = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => ({ topic: 'in', partition: 0, value: bytes(`${prefix}${i}`) }));

test('a partition is revoked from its old owner before its new owner is told', async (t) => {
  const cluster = new MemoryCluster();
  const [a, b] = [cluster.node(), cluster.node()];
  await a.admin().createTopics([{ name: 'in', partitions: 4 }]);
  const journal = new Journal(cluster.changes);
  await a.consumer({ groupId: 'g' }).run(['in'], journal.handlers('a'));
  await b.consumer({ groupId: 'g' }).run(['in'], journal.handlers('b'));
  const moved = [...journal.owned.get('b')!];
  t.is(moved.length, 2);
  for (const partition of moved) {
    const revokedAt = journal.entries.indexOf(`a revoked ${partition}`);
    const assignedAt = journal.entries.findIndex((entry) => entry.startsWith(`b assigned ${partition}`));
    t.true(revokedAt >= 0 && revokedAt < assignedAt, `${partition}: ${journal.entries.join('; ')}`);
  }
  t.is(journal.owned.get('a')!.size, 2, 'the first member keeps what balance allows');
  await cluster.close();
});

test('the next batch of a partition waits until the previous one settled', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  await node.producer().send(values(10));
  let inFlight = 0;
  let overlapped = false;
  const journal = new Journal(cluster.changes);
  await node.consumer({ groupId: 'g', maxBatchRecords: 3 }).run(['in'], journal.handlers('m', {
    onBatch: async () => {
      inFlight += 1;
      overlapped ||= inFlight > 1;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
    },
  }));
  await cluster.changes.until(() => journal.records.get('m')!.length === 10, 'every record');
  t.false(overlapped);
  await cluster.close();
});

test('a seek made while a batch is in flight wins once it settles', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  await node.producer().send(values(6));
  const consumer = node.consumer({ groupId: 'g', maxBatchRecords: 2 });
  const batches: number[][] = [];
  const journal = new Journal(cluster.changes);
  await consumer.run(['in'], journal.handlers('m', {
    onBatch: async (batch: ConsumedBatch) => {
      batches.push(batch.records.map((r) => r.offset));
      if (batches.length === 2) consumer.seek({ topic: 'in', partition: 0, offset: 0 });
    },
  }));
  await cluster.changes.until(() => journal.records.get('m')!.length === 10, 'five batches of two');
  t.deepEqual(batches, [[0, 1], [2, 3], [0, 1], [2, 3], [4, 5]]);
  await cluster.close();
});

test('a rejected onBatch is reported and the member keeps consuming', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  const journal = new Journal(cluster.changes);
  await node.consumer({ groupId: 'g', maxBatchRecords: 1 }).run(['in'], journal.handlers('m', {
    onBatch: async (batch) => {
      if (text(batch.records[0]) === 'poison') throw new Error('handler bug');
    },
  }));
  await node.producer().send([{ topic: 'in', partition: 0, value: bytes('poison') }]);
  await node.producer().send([{ topic: 'in', partition: 0, value: bytes('fine') }]);
  await cluster.changes.until(() => journal.records.get('m')!.length === 2 && cluster.errors.length === 1, 'the error and the next record');
  t.like(cluster.errors[0].context, { source: 'onBatch', groupId: 'g', topic: 'in', partition: 0 });
  t.is((cluster.errors[0].error as Error).message, 'handler bug');
  await cluster.close();
});

test('calls for partitions a member does not own: seek and commit throw, pause and resume are ignored', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  const consumer = node.consumer({ groupId: 'g' });
  await consumer.run(['in'], new Journal(cluster.changes).handlers('m'));
  const elsewhere = { topic: 'other', partition: 0, offset: 0 };
  t.throws(() => consumer.seek(elsewhere), { instanceOf: NotAssignedError });
  await t.throwsAsync(() => consumer.commitOffsets([elsewhere]), { instanceOf: NotAssignedError });
  t.notThrows(() => consumer.pause([elsewhere]));
  t.notThrows(() => consumer.resume([elsewhere]));
  t.deepEqual(consumer.assignment(), [{ topic: 'in', partition: 0 }]);
  await cluster.close();
});

test('without fromBeginning a new partition starts at its end', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'in', partitions: 1 }]);
  await node.producer().send(values(3, 'old'));
  const journal = new Journal(cluster.changes);
  await node.consumer({ groupId: 'g', fromBeginning: false }).run(['in'], journal.handlers('m'));
  await node.producer().send(values(1, 'new'));
  await cluster.changes.until(() => journal.records.get('m')!.length === 1, 'the new record');
  t.deepEqual(journal.records.get('m')!.map(text), ['new0']);
  await cluster.close();
});

test('a topic created after members subscribed to it is assigned to them', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  const journal = new Journal(cluster.changes);
  await node.consumer({ groupId: 'g' }).run(['in'], journal.handlers('m'));
  t.is(journal.owned.get('m')!.size, 0);
  await node.admin().createTopics([{ name: 'in', partitions: 2 }]);
  await cluster.changes.until(() => journal.owned.get('m')!.size === 2, 'the new partitions');
  t.is((await node.admin().describeGroup('g')).members[0].assignment.length, 2);
  await cluster.close();
});

test('a member crashing during its revocation callback does not stall the group', async (t) => {
  const cluster = new MemoryCluster();
  const [a, b] = [cluster.node(), cluster.node()];
  await a.admin().createTopics([{ name: 'in', partitions: 2 }]);
  const journal = new Journal(cluster.changes);
  await a.consumer({ groupId: 'g' }).run(['in'], journal.handlers('a', {
    onPartitionsRevoked: async () => {
      a.crash();
      await new Promise(() => {}); // hangs forever, like a dead process
    },
  }));
  await b.consumer({ groupId: 'g' }).run(['in'], journal.handlers('b'));
  await cluster.changes.until(() => journal.owned.get('b')!.size === 2, 'b to own both partitions');
  t.is((await b.admin().describeGroup('g')).members.length, 1);
  await cluster.close();
});
