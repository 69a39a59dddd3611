import { isFenced, TransactionStateError } from '../../../protocols/errors.ts';
import type { PartitionReader } from '../../../protocols/transport.ts';
import { bytes, readVisible, text, type ContractTest } from './context.ts';
import { eventually } from './waiting.ts';

/**
 * Resolves once read_committed readers see every transaction of the
 * partition settled (a broker writes commit and abort markers after the call
 * returned, so the last stable offset catches up a moment later).
 */
async function settled(reader: PartitionReader, topic: string, partition: number): Promise<void> {
  const highWatermark = (await reader.endOffsets(topic, 'read_uncommitted')).get(partition) ?? 0;
  await eventually(
    async () => (await reader.endOffsets(topic, 'read_committed')).get(partition) ?? 0,
    (lastStable) => lastStable >= highWatermark,
    `the last stable offset of ${topic}/${partition} to reach ${highWatermark}`,
  );
}

/** Transactions, isolation and fencing. */
export function registerTransactionTests(contract: ContractTest): void {
  contract('a committed transaction becomes visible to read_committed readers', async (t, { transport, topic }) => {
    const name = topic('tx-commit');
    await transport.admin().createTopics([{ name, partitions: 2 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send([
      { topic: name, partition: 0, key: 'a', value: bytes('one') },
      { topic: name, partition: 1, key: 'b', value: bytes('two') },
    ]);
    await transaction.commit();
    const reader = transport.reader();
    await settled(reader, name, 0);
    await settled(reader, name, 1);
    t.deepEqual((await readVisible(reader, name, 0)).map(text), ['one']);
    t.deepEqual((await readVisible(reader, name, 1)).map(text), ['two']);
    await producer.disconnect();
  });

  contract('an open transaction is invisible to read_committed readers and visible to read_uncommitted ones', async (t, { transport, topic }) => {
    const name = topic('tx-open');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    await transport.producer().send([{ topic: name, partition: 0, value: bytes('before') }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send([{ topic: name, partition: 0, value: bytes('pending') }]);

    const reader = transport.reader();
    t.is((await reader.endOffsets(name, 'read_committed')).get(0), 1, 'the last stable offset stops at the open transaction');
    t.is((await reader.endOffsets(name, 'read_uncommitted')).get(0), 2);
    t.deepEqual((await readVisible(reader, name, 0, 'read_committed')).map(text), ['before']);
    t.deepEqual((await readVisible(reader, name, 0, 'read_uncommitted')).map(text), ['before', 'pending']);

    await transaction.commit();
    await settled(reader, name, 0);
    t.deepEqual((await readVisible(reader, name, 0)).map(text), ['before', 'pending']);
    await producer.disconnect();
  });

  contract('aborted records are never delivered to read_committed readers', async (t, { transport, topic }) => {
    const name = topic('tx-abort');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send([{ topic: name, partition: 0, value: bytes('aborted-1') }, { topic: name, partition: 0, value: bytes('aborted-2') }]);
    await aborted.abort();
    await transport.producer().send([{ topic: name, partition: 0, value: bytes('plain') }]);
    const committed = await producer.transaction();
    await committed.send([{ topic: name, partition: 0, value: bytes('committed') }]);
    await committed.commit();

    const reader = transport.reader();
    await settled(reader, name, 0);
    const visible = await readVisible(reader, name, 0);
    t.deepEqual(visible.map(text), ['plain', 'committed']);
    t.true(visible[0].offset >= 2, 'aborted records keep their offsets');
    t.deepEqual((await readVisible(reader, name, 0, 'read_uncommitted')).map(text), ['aborted-1', 'aborted-2', 'plain', 'committed']);
    await producer.disconnect();
  });

  contract('sendOffsets commits the group offsets only when the transaction commits', async (t, { transport, topic }) => {
    const name = topic('tx-offsets');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 2 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();

    const aborted = await producer.transaction();
    await aborted.send([{ topic: name, partition: 1, value: bytes('x') }]);
    await aborted.sendOffsets(groupId, [{ topic: name, partition: 0, offset: 5 }]);
    await aborted.abort();
    t.false((await transport.admin().fetchCommittedOffsets(groupId, name)).has(0));

    const committed = await producer.transaction();
    await committed.send([{ topic: name, partition: 1, value: bytes('y') }]);
    await committed.sendOffsets(groupId, [{ topic: name, partition: 0, offset: 7 }]);
    await committed.commit();
    const offsets = await eventually(
      () => transport.admin().fetchCommittedOffsets(groupId, name),
      (byPartition) => byPartition.get(0) === 7,
      'the committed offset of partition 0',
    );
    t.false(offsets.has(1));
    await producer.disconnect();
  });

  contract('one transaction may be open at a time per producer', async (t, { transport, topic }) => {
    const name = topic('tx-one');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const first = await producer.transaction();
    await first.send([{ topic: name, partition: 0, value: bytes('first') }]);
    await t.throwsAsync(() => producer.transaction(), { instanceOf: TransactionStateError });
    await first.commit();
    const next = await producer.transaction();
    await next.abort();
    await producer.disconnect();
  });

  contract('a second producer with the same transactional id fences the first', async (t, { transport, second, topic }) => {
    const name = topic('fencing');
    const transactionalId = `${name}-tx`;
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const zombie = transport.transactionalProducer(transactionalId);
    await zombie.connect();
    const zombieTransaction = await zombie.transaction();
    await zombieTransaction.send([{ topic: name, partition: 0, value: bytes('from the zombie') }]);

    const successor = second().transactionalProducer(transactionalId);
    await successor.connect();
    const error = await t.throwsAsync(() => zombieTransaction.commit());
    t.true(isFenced(error), `expected ProducerFencedError, got ${String(error)}`);

    const transaction = await successor.transaction();
    await transaction.send([{ topic: name, partition: 0, value: bytes('from the successor') }]);
    await transaction.commit();
    const reader = transport.reader();
    await settled(reader, name, 0);
    t.deepEqual((await readVisible(reader, name, 0)).map(text), ['from the successor']);
    await successor.disconnect();
    await zombie.disconnect().catch(() => {});
  });
}
