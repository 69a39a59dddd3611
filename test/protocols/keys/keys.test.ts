import test from 'ava';
import fc from 'fast-check';
import { decodePublicationKey, encodePublicationKey } from '../../../protocols/publication-key.ts';
import { parseTopicPartitionKey, topicPartitionKey } from '../../../protocols/topic-partition.ts';
import { isDecodeError } from '../../../protocols/errors.ts';

test('a publication key reads back what it was made of, whatever the query id holds', (t) => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.integer({ min: -8.64e15, max: 8.64e15 }), (queryId, windowStart) => {
      t.deepEqual(decodePublicationKey(encodePublicationKey({ queryId, windowStart })), { queryId, windowStart });
    }),
  );
});

test('a string that is no publication key is a DecodeError with a bounded message', (t) => {
  for (const key of ['', 'no-slash', '/123', 'q/', 'q/1.5', 'q/01', 'q/abc', `${'x'.repeat(10_000)}/y`]) {
    const error = t.throws(() => decodePublicationKey(key));
    t.true(isDecodeError(error), key.slice(0, 20));
    t.true(error!.message.length < 300);
  }
});

test('a topic-partition key reads back its topic and partition', (t) => {
  t.is(topicPartitionKey({ topic: 'events.raw', partition: 4 }), 'events.raw/4');
  t.deepEqual(parseTopicPartitionKey('tenant-a.events.raw/12'), { topic: 'tenant-a.events.raw', partition: 12 });
  for (const key of ['raw', '/1', 'raw/-1', 'raw/x', 'raw/01']) t.throws(() => parseTopicPartitionKey(key));
});
