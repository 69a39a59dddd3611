import type { ConsumedRecord } from '../../../protocols/transport.ts';
import { bytes, inPartitionOrder, readRange, readVisible, text, type ContractTest } from './context.ts';
import { Changes, within } from './waiting.ts';

/** Produce, static reads, follow and topic admin. */
export function registerProduceAndReadTests(contract: ContractTest): void {
  contract('writes to explicit partitions and reads back keys, values, headers and timestamps', async (t, { transport, topic }) => {
    const name = topic('produce');
    await transport.admin().createTopics([{ name, partitions: 3 }]);
    const producer = transport.producer();
    await producer.connect();
    await producer.send([
      { topic: name, partition: 0, key: 'k1', value: bytes('first'), headers: { source: 'test', n: '1' }, timestamp: 1_700_000_000_000 },
      { topic: name, partition: 2, key: null, value: bytes('elsewhere'), timestamp: 1_700_000_000_500 },
      { topic: name, partition: 0, key: 'k2', value: null, timestamp: 1_700_000_001_000 },
    ]);
    await producer.disconnect();

    const reader = transport.reader();
    const ends = await reader.endOffsets(name);
    t.deepEqual(inPartitionOrder(ends), [2, 0, 1]);
    const partition0 = await readRange(reader, name, 0, 0, 2);
    t.deepEqual(
      partition0.map((r) => [r.topic, r.partition, r.offset, r.key, text(r), r.timestamp]),
      [
        [name, 0, 0, 'k1', 'first', 1_700_000_000_000],
        [name, 0, 1, 'k2', null, 1_700_000_001_000],
      ],
    );
    t.like(partition0[0].headers, { source: 'test', n: '1' });
    const partition2 = await readRange(reader, name, 2, 0, 1);
    t.deepEqual(partition2.map((r) => [r.offset, r.key, text(r)]), [[0, null, 'elsewhere']]);
  });

  contract('stamps records without a timestamp with the current time', async (t, { transport, topic }) => {
    const name = topic('stamp');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const before = Date.now();
    await transport.producer().send([{ topic: name, partition: 0, value: bytes('now') }]);
    const [record] = await readVisible(transport.reader(), name, 0);
    t.true(record.timestamp >= before - 60_000 && record.timestamp <= Date.now() + 60_000);
  });

  contract('reports start offsets at 0 and end offsets after the last record of each partition', async (t, { transport, topic }) => {
    const name = topic('offsets');
    await transport.admin().createTopics([{ name, partitions: 2 }]);
    const reader = transport.reader();
    t.deepEqual(inPartitionOrder(await reader.startOffsets(name)), [0, 0]);
    t.deepEqual(inPartitionOrder(await reader.endOffsets(name)), [0, 0]);
    const producer = transport.producer();
    await producer.send(Array.from({ length: 7 }, (_, i) => ({ topic: name, partition: 1, value: bytes(`v${i}`) })));
    await producer.send([{ topic: name, partition: 0, value: bytes('only') }]);
    t.is((await reader.endOffsets(name, 'read_uncommitted')).get(1), 7);
    t.is((await reader.endOffsets(name, 'read_committed')).get(1), 7);
    t.is((await reader.endOffsets(name)).get(0), 1);
  });

  contract('reads a range of offsets in order, across chunks', async (t, { transport, topic }) => {
    const name = topic('range');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const producer = transport.producer();
    for (let batch = 0; batch < 5; batch += 1) {
      await producer.send(
        Array.from({ length: 500 }, (_, i) => ({ topic: name, partition: 0, key: `k${batch * 500 + i}`, value: bytes(`${batch * 500 + i}`) })),
      );
    }
    const records = await readRange(transport.reader(), name, 0, 1000, 2200);
    t.is(records.length, 1200);
    t.deepEqual(
      records.map((r) => r.offset),
      Array.from({ length: 1200 }, (_, i) => 1000 + i),
    );
    t.is(text(records[0]), '1000');
    t.is(records[1199].key, 'k2199');
  });

  contract('follows a topic: catches up from the earliest offset, then sees live records', async (t, { transport, topic }) => {
    const name = topic('follow');
    await transport.admin().createTopics([{ name, partitions: 2 }]);
    const producer = transport.producer();
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: name, partition: i % 2, value: bytes(`old-${i}`) })));

    const seen: ConsumedRecord[] = [];
    const progress: [number, number][] = [];
    const changes = new Changes();
    const follower = await transport.reader().follow(name, {
      onRecords: (records) => {
        seen.push(...records);
        changes.notify();
      },
      onProgress: (read, total) => progress.push([read, total]),
    });
    try {
      await within(follower.caughtUp, 'the follower to catch up');
      t.is(seen.length, 10);
      t.deepEqual(progress.at(-1), [10, 10]);
      for (const partition of [0, 1]) {
        const offsets = seen.filter((r) => r.partition === partition).map((r) => r.offset);
        t.deepEqual(offsets, [0, 1, 2, 3, 4]);
      }

      await producer.send([
        { topic: name, partition: 0, value: bytes('live-0') },
        { topic: name, partition: 1, value: bytes('live-1') },
      ]);
      await changes.until(() => seen.length === 12, 'the live records');
      t.deepEqual(seen.slice(10).map(text).sort(), ['live-0', 'live-1']);
    } finally {
      await follower.stop();
    }
  });

  contract('creates topics idempotently, describes their configs, lists and deletes them', async (t, { transport, topic }) => {
    const name = topic('admin');
    const admin = transport.admin();
    const spec = { name, partitions: 3, configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000', 'segment.ms': '600000' } };
    t.deepEqual(await admin.createTopics([spec]), [name]);
    t.deepEqual(await admin.createTopics([spec]), []);

    const [description] = await admin.describeTopics([name, topic('missing')]);
    t.is(description.name, name);
    t.is(description.partitions, 3);
    t.like(description.configs, spec.configs);
    t.is((await admin.describeTopics([topic('absent')])).length, 0);
    t.true((await admin.listTopics()).includes(name));

    await admin.deleteTopics([name]);
    t.false((await admin.listTopics()).includes(name));
  });
}
