import { deepStrictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { partitionForKey } from '../../../protocols/partitioner.ts';
import { decodePublicationKey, encodePublicationKey } from '../../../protocols/publication-key.ts';
import { parseTopicPartitionKey, topicPartitionKey } from '../../../protocols/topic-partition.ts';
import { longString } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const keyText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 4 },
  { arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('/', '//', '/-'), fc.oneof(fc.nat().map(String), fc.string({ maxLength: 6 }), fc.constantFrom('01', '1e3', '1.0', ' 1', '9007199254740993', 'Infinity'))).map((parts) => parts.join('')), weight: 4 },
  { arbitrary: longString(1000, 1_000_000), weight: 1 },
);

test('any text is a publication key or a DecodeError with a bounded message', (t) => {
  assertProperty(
    t,
    fc.property(keyText, (key) => {
      const outcome = decodeOutcome(() => decodePublicationKey(key));
      if (outcome.ok) deepStrictEqual(encodePublicationKey(outcome.value), key);
    }),
    400,
  );
});

const topic = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);

test('a topic-partition key reads back its topic and partition', (t) => {
  assertProperty(
    t,
    fc.property(topic, fc.nat({ max: Number.MAX_SAFE_INTEGER }), (name, partition) => {
      deepStrictEqual(parseTopicPartitionKey(topicPartitionKey({ topic: name, partition })), { topic: name, partition });
    }),
    300,
  );
});

test('any text is a topic-partition key or a DecodeError with a bounded message', (t) => {
  assertProperty(
    t,
    fc.property(keyText, (key) => {
      const outcome = decodeOutcome(() => parseTopicPartitionKey(key));
      if (outcome.ok) deepStrictEqual(topicPartitionKey(outcome.value), key);
    }),
    400,
  );
});

test('a string that is no topic-partition key is a DecodeError, quoted in short', (t) => {
  const error = t.throws(() => parseTopicPartitionKey(`${'t'.repeat(1_000_000)}/x`), { instanceOf: DecodeError });
  t.is(error!.reason, 'invalid-topic-partition-key');
  t.true(error!.message.length < 300, `${error!.message.length} characters`);
});

test('the partition of any key is within the partition count', (t) => {
  assertProperty(
    t,
    fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 10_000 }), (key, partitions) => {
      const partition = partitionForKey(key, partitions);
      deepStrictEqual(Number.isInteger(partition) && partition >= 0 && partition < partitions, true);
    }),
    300,
  );
});
