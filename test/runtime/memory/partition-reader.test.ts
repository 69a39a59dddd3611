import test from 'ava';
import { TopicConfigError, TransportUnavailableError } from '../../../protocols/errors.ts';
import type { ConsumedRecord } from '../../../protocols/transport.ts';
import { MemoryCluster, bytes, text } from './memory-cluster.ts';

test('read waits for records below its end that are not written yet', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'log', partitions: 1 }]);
  const producer = node.producer();
  await producer.send([{ topic: 'log', partition: 0, value: bytes('a') }]);
  const seen: ConsumedRecord[] = [];
  const reading = (async () => {
    for await (const chunk of node.reader().read({ topic: 'log', partition: 0, offset: 0 }, 3)) {
      seen.push(...chunk);
      cluster.changes.notify();
    }
  })();
  await cluster.changes.until(() => seen.length === 1, 'the first record');
  await producer.send([{ topic: 'log', partition: 0, value: bytes('b') }, { topic: 'log', partition: 0, value: bytes('c') }]);
  await reading;
  t.deepEqual(seen.map(text), ['a', 'b', 'c']);
  await cluster.close();
});

test('a follower never runs two onRecords calls at once, across partitions', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'log', partitions: 3 }]);
  await node.producer().send(Array.from({ length: 30 }, (_, i) => ({ topic: 'log', partition: i % 3, value: bytes(`${i}`) })));
  let running = 0;
  let overlapped = false;
  let count = 0;
  const follower = await node.reader().follow('log', {
    onRecords: async (records) => {
      running += 1;
      overlapped ||= running > 1;
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      count += records.length;
    },
  });
  await follower.caughtUp;
  t.is(count, 30);
  t.false(overlapped);
  await follower.stop();
  await cluster.close();
});

test('readers of a missing topic fail with TopicConfigError; a deleted topic ends its followers', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  const reader = node.reader();
  await t.throwsAsync(() => reader.endOffsets('missing'), { instanceOf: TopicConfigError });
  await t.throwsAsync(() => reader.follow('missing', { onRecords: () => {} }), { instanceOf: TopicConfigError });
  await node.admin().createTopics([{ name: 'log', partitions: 1 }]);
  const follower = await reader.follow('log', { onRecords: () => {} });
  await follower.caughtUp;
  await node.admin().deleteTopics(['log']);
  await t.notThrowsAsync(() => follower.stop());
  await cluster.close();
});

test('a follower stopped before it caught up rejects caughtUp', async (t) => {
  const cluster = new MemoryCluster();
  const node = cluster.node();
  await node.admin().createTopics([{ name: 'log', partitions: 1 }]);
  await node.producer().send([{ topic: 'log', partition: 0, value: bytes('x') }]);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const follower = await node.reader().follow('log', {
    onRecords: async () => {
      entered();
      await gate;
    },
  });
  await inside;
  const stopping = follower.stop();
  await t.throwsAsync(() => follower.caughtUp, { instanceOf: TransportUnavailableError });
  release();
  await stopping;
  await cluster.close();
});
