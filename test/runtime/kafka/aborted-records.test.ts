import test from 'ava';
import { createRequire } from 'node:module';
import kafkajs from '../../../runtime/kafka/kafkajs.ts';

const require = createRequire(import.meta.url);

const record = (offset: number, producerId: string, value: string, inTransaction = true) => ({
  offset: String(offset),
  key: null,
  value: Buffer.from(value),
  isControlRecord: false,
  batchContext: { producerId, inTransaction },
});
const abortMarker = (offset: number, producerId: string) => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, 0]),
  value: Buffer.from([0, 0, 0, 0, 0, 0]),
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});

test('a fetch that starts inside two aborted transactions delivers none of their records (kafkajs delivered the second one’s first record)', (t) => {
  t.truthy(kafkajs.Kafka, 'kafkajs loads through eventide’s module');
  // Loaded after eventide's module, as every batch kafkajs builds.
  const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: object) => { messages: { value: Buffer }[] };
  // Producers A and B both began transactions before offset 20 and both were aborted (a new owner fenced them).
  const batch = new Batch('results', '20', {
    partition: 0,
    highWatermark: '30',
    abortedTransactions: [
      { producerId: 'A', firstOffset: '10' },
      { producerId: 'B', firstOffset: '15' },
    ],
    messages: [record(20, 'B', 'b-aborted'), record(21, 'A', 'a-aborted'), abortMarker(22, 'A'), abortMarker(23, 'B'), record(24, 'C', 'c-committed'), record(25, 'A', 'a-later', false)],
  });
  t.deepEqual(batch.messages.map((message) => message.value.toString()), ['c-committed', 'a-later']);
});
