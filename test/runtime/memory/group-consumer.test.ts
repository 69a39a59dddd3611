import test from 'ava';
import { NotAssignedError } from '../../../protocols/errors.ts';
import type { ConsumedBatch } from '../../../protocols/transport.ts';
import { MemoryCluster, Journal, bytes, text } from './memory-cluster.ts';

const values = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => ({ topic: 'in', partition: 0, value: bytes(`${prefix}${i}`) }));

test('revoke-first (the default): a partition is revoked from its old owner before its new owner is told', async (t) => {
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

test('eager: a partition goes to its new owner without waiting for its old owner to revoke it', async (t) => {
  const cluster = new MemoryCluster({ handOver: 'eager' });
  const [a, b] = [cluster.node(), cluster.node()];
  await a.admin().createTopics([{ name: 'in', partitions: 4 }]);
  const journal = new Journal(cluster.changes);
  await a.consumer({ groupId: 'g' }).run(['in'], journal.handlers('a', {
    // Holds the revocation open until the new owner has its partitions: this would never end if the group waited.
    onPartitionsRevoked: () => cluster.changes.until(() => journal.owned.get('b')!.size === 2, 'b to be assigned during the revocation'),
  }));
  await b.consumer({ groupId: 'g' }).run(['in'], journal.handlers('b'));
  const moved = [...journal.owned.get('b')!];
  t.is(moved.length, 2);
  for (const partition of moved) {
    const assignedAt = journal.entries.findIndex((entry) => entry.startsWith(`b assigned ${partition}`));
    const revokedAt = journal.entries.indexOf(`a revoked ${partition}`);
    t.true(assignedAt >= 0 && assignedAt < revokedAt, `${partition}: ${journal.entries.join('; ')}`);
  }
  t.is(journal.owned.get('a')!.size, 2, 'the first member keeps what balance allows');
  t.deepEqual((await a.admin().describeGroup('g')).members.map((m) => m.assignment.length), [2, 2], 'the group shows the new owners at once');
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

for (const handOver of ['revoke-first', 'eager'] as const) {
  test(`${handOver}: a member crashing during its revocation callback does not stall the group`, async (t) => {
    const cluster = new MemoryCluster({ handOver });
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

  test(`${handOver}: an expelled member loses its partitions at once and rejoins under a new member id`, async (t) => {
    const cluster = new MemoryCluster({ handOver });
    const [a, b] = [cluster.node(), cluster.node()];
    await a.admin().createTopics([{ name: 'in', partitions: 2 }]);
    const journal = new Journal(cluster.changes);
    await a.consumer({ groupId: 'g' }).run(['in'], journal.handlers('a'));
    const consumerB = b.consumer({ groupId: 'g' });
    await consumerB.run(['in'], journal.handlers('b'));
    const before = (await a.admin().describeGroup('g')).members.map((m) => m.memberId);
    const expelledId = before.find((id) => id.startsWith(`${b.clientId}-`))!;
    const bHad = [...journal.owned.get('b')!];

    t.true(cluster.log.group('g').expel(expelledId));
    t.false(cluster.log.group('g').expel(expelledId), 'an expelled member id is gone');
    await cluster.changes.until(() => journal.owned.get('b')!.size === 1 && journal.owned.get('a')!.size === 1 && journal.entries.some((e) => e.startsWith('b lost')), 'b to lose and rejoin');
    t.deepEqual(journal.entries.filter((e) => e.startsWith('b lost')), bHad.map((p) => `b lost ${p}`));
    t.false(journal.entries.some((e) => e.startsWith('b revoked')));
    const after = (await a.admin().describeGroup('g')).members.map((m) => m.memberId);
    t.is(after.length, 2);
    t.false(after.includes(expelledId), `rejoined under a new id: ${after.join(', ')}`);
    await cluster.close();
  });
}
