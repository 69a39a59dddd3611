/**
 * A follower (what tables such as `queries` read through) hands each record
 * on once, even when its consumer starts over from the beginning: it commits
 * nothing, so after a broker outage long enough to crash and restart it, it
 * fetches the whole topic again. Re-delivered query records made aggregate
 * partitions publish windows a second time.
 */
import test from 'ava';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { startKafka } from './harness/index.ts';
import { until } from '../helpers/cli-cluster.ts';

test('a follower hands every record on once across a broker outage that restarts its consumer', async (t) => {
  t.timeout(180_000);
  const kafka = await startKafka();
  t.teardown(() => kafka.stop());
  const transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'follower-test' });
  t.teardown(() => transport.close());
  await transport.admin().createTopics([{ name: 'changelog', partitions: 2, replicationFactor: 1 }]);
  const producer = transport.producer();
  await producer.connect();
  await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: 'changelog', partition: i % 2, key: `k${i}`, value: Buffer.from(String(i)) })));
  const seen: string[] = [];
  const follower = await transport.reader().follow('changelog', { onRecords: (records) => void seen.push(...records.map((r) => `${r.partition}/${r.offset}`)) });
  t.teardown(() => follower.stop());
  await follower.caughtUp;
  t.is(seen.length, 10);

  await kafka.stopBroker(0);
  await new Promise((resolve) => setTimeout(resolve, 8000));
  await kafka.startBroker(0);
  await producer.send([{ topic: 'changelog', partition: 0, key: 'after', value: Buffer.from('after') }]);
  await until(() => seen.includes('0/5'), () => `the record written after the outage (seen ${seen.join(' ')})`, 120_000);
  t.deepEqual([...seen].sort(), [...new Set(seen)].sort(), `no record handed on twice: ${seen.join(' ')}`);
  t.is(seen.length, 11);
});
