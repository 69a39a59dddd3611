import test from 'ava';
import { toPartitionSends } from '../../../runtime/kafka/records.ts';

test('records go to kafkajs one topic-partition per call, each partition in its order', (t) => {
  const record = (topic: string, partition: number, value: string) => ({ topic, partition, value: Buffer.from(value) });
  const sends = toPartitionSends([record('a', 0, 'a0.1'), record('b', 0, 'b0.1'), record('a', 1, 'a1.1'), record('a', 0, 'a0.2'), record('b', 0, 'b0.2')]);
  t.deepEqual(
    sends.map((call) => call.map(({ topic, messages }) => `${topic}: ${messages.map((m) => `${m.partition}/${String(m.value)}`).join(' ')}`)),
    [['a: 0/a0.1 0/a0.2'], ['b: 0/b0.1 0/b0.2'], ['a: 1/a1.1']],
  );
});
