/**
 * A static read (restores, the `queries` table's start) must not hang on a
 * batch the client cannot read: kafkajs's consumer crashes on it (a codec
 * not registered, a corrupt batch) and nothing feeds the read again. The
 * read fails instead, naming the topic-partition and the offset it stopped
 * at, and the reader reads again once the cause is gone.
 */
import test from 'ava';
import kafkajs from 'kafkajs';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { StaticReadError } from '../../protocols/errors.ts';
import type { ConsumedRecord } from '../../protocols/transport.ts';
import { startKafka } from './harness/index.ts';

test('a static read and a follower fail naming the partition and offset of a batch it cannot decompress, and reads again once it can', async (t) => {
  t.timeout(180_000);
  const kafka = await startKafka();
  t.teardown(() => kafka.stop());
  const gzip = kafkaTransport({ brokers: kafka.brokers, clientId: 'crash-test-gzip', compression: 'gzip' });
  const zstd = kafkaTransport({ brokers: kafka.brokers, clientId: 'crash-test-zstd', compression: 'zstd' });
  t.teardown(() => gzip.close());
  t.teardown(() => zstd.close());
  await gzip.admin().createTopics([{ name: 'mixed-codecs', partitions: 1, replicationFactor: 1 }]);
  for (const transport of [gzip, zstd]) {
    const producer = transport.producer();
    await producer.connect();
    await producer.send(Array.from({ length: 3 }, (_, i) => ({ topic: 'mixed-codecs', partition: 0, key: `k${i}`, value: Buffer.from(`v${i}`) })));
    await producer.disconnect();
  }

  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const registered = CompressionCodecs[CompressionTypes.ZSTD];
  delete (CompressionCodecs as Record<number, unknown>)[CompressionTypes.ZSTD];
  const received: ConsumedRecord[] = [];
  try {
    const reading = (async () => {
      for await (const chunk of gzip.reader().read({ topic: 'mixed-codecs', partition: 0, offset: 0 }, 6)) received.push(...chunk);
    })();
    const error = await t.throwsAsync(reading, { instanceOf: StaticReadError });
    t.is(error?.topic, 'mixed-codecs');
    t.is(error?.partition, 0);
    // Whatever was fetched before the zstd batch was handed on; the read stopped where it was.
    t.true(received.length <= 3, `only the gzip batch can be read, got ${received.length} records`);
    t.deepEqual(received.map((r) => r.offset), [0, 1, 2].slice(0, received.length));
    t.is(error?.offset, received.length);
    t.regex(error?.message ?? '', new RegExp(`mixed-codecs\\[0\\] stopped at offset ${received.length}`));
    t.true(error?.cause instanceof Error, 'the consumer\'s crash is the cause');
    t.true(error?.message.endsWith((error.cause as Error).message), 'and its message ends the error\'s');

    // A table's follower, read from the earliest offset too, does not wait forever either.
    const follower = await gzip.reader().follow('mixed-codecs', { onRecords: () => undefined });
    t.teardown(() => follower.stop());
    const stopped = await t.throwsAsync(follower.caughtUp, { instanceOf: StaticReadError });
    t.is(stopped?.partition, 0);
    t.regex(stopped?.message ?? '', /following mixed-codecs stopped at mixed-codecs\[0\] offset [0-3] \(of 6 to catch up to\)/);
  } finally {
    CompressionCodecs[CompressionTypes.ZSTD] = registered!;
  }

  const again: string[] = [];
  for await (const chunk of gzip.reader().read({ topic: 'mixed-codecs', partition: 0, offset: 0 }, 6)) again.push(...chunk.map((r) => r.value!.toString()));
  t.deepEqual(again, ['v0', 'v1', 'v2', 'v0', 'v1', 'v2']);
});
