/**
 * The harness's three-node cluster (combined broker+controller nodes,
 * replication factor 3, min.insync.replicas 2) with the kafka transport:
 * committed transactions survive a stopped broker.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { eventually } from '../helpers/transport-contract/waiting.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

let kafka: KafkaTestCluster | undefined;

test.before(async () => {
  kafka = await startKafka({ brokers: 3 });
});

test.after.always(async () => {
  await kafka?.stop();
});

test('transactions commit with one of three brokers stopped, and every record is read back', async (t) => {
  const transport = kafkaTransport({ brokers: kafka!.brokers });
  const reader = transport.reader();
  try {
    const name = `three-${randomUUID()}`;
    await transport.admin().createTopics([{ name, partitions: 3 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const write = async (label: string) => {
      const transaction = await producer.transaction();
      await transaction.send([0, 1, 2].map((partition) => ({ topic: name, partition, value: Buffer.from(`${label}-${partition}`) })));
      await transaction.commit();
    };
    await write('before');
    await kafka!.stopBroker(2);
    await write('degraded');
    await kafka!.startBroker(2);
    await write('after');
    await producer.disconnect();

    // Commit markers are written after commit() returns: wait until the last stable offsets reach the high-water marks.
    const highWatermarks = await reader.endOffsets(name, 'read_uncommitted');
    const lastStable = await eventually(
      () => reader.endOffsets(name, 'read_committed'),
      (offsets) => [0, 1, 2].every((p) => (offsets.get(p) ?? 0) >= (highWatermarks.get(p) ?? 0)),
      'every transaction to be settled',
    );
    const seen: string[] = [];
    for (const partition of [0, 1, 2]) {
      const end = lastStable.get(partition) ?? 0;
      for await (const chunk of reader.read({ topic: name, partition, offset: 0 }, end)) {
        seen.push(...chunk.map((r) => r.value!.toString('utf8')));
      }
    }
    t.deepEqual(seen.sort(), ['after', 'before', 'degraded'].flatMap((label) => [0, 1, 2].map((p) => `${label}-${p}`)).sort());
  } finally {
    await transport.close();
  }
});
