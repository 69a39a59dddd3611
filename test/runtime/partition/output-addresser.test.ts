import test from 'ava';
import { ConfigError } from '../../../protocols/errors.ts';
import { decodeDeadLetter } from '../../../protocols/dead-letter/index.ts';
import { decodePublishMarker, SnapshotHeaders } from '../../../protocols/snapshot/index.ts';
import { partitionForKey } from '../../../protocols/partitioner.ts';
import { ManualClock } from '../../../runtime/clock.ts';
import { MAX_DEAD_LETTER_ORIGINAL_BYTES, OutputAddresser } from '../../../runtime/partition/output-addresser.ts';

const clock = new ManualClock(1_700_000_000_000);
const topics: Record<string, number> = { results: 8, deadletter: 3, 'agg.snapshots': 6 };

const addresser = (snapshotsTopic: string | null = 'agg.snapshots') =>
  new OutputAddresser({
    stage: 'aggregate',
    partition: 5,
    inputTopic: 'events.matched',
    deadLetterTopic: 'deadletter',
    ...(snapshotsTopic === null ? {} : { snapshotsTopic }),
    partitionsOf: (topic) => topics[topic],
    clock,
  });

test('an output with a key goes to the partition its key hashes to (murmur2, as Kafka)', (t) => {
  const record = addresser().output({ topic: 'results', key: 'q1', value: 'r', headers: { h: '1' }, timestamp: 42 });
  t.deepEqual(record, { topic: 'results', partition: partitionForKey('q1', 8), key: 'q1', value: Buffer.from('r'), headers: { h: '1' }, timestamp: 42 });
});

test('an output without a key goes to the partition of the input’s number, modulo the topic’s partitions', (t) => {
  t.is(addresser().output({ topic: 'results', value: 'r' }).partition, 5);
  t.is(addresser().output({ topic: 'deadletter', key: null, value: null }).partition, 5 % 3);
});

test('an explicit partition is kept, even for a topic the node does not know', (t) => {
  t.like(addresser().output({ topic: 'elsewhere', partition: 2, value: Buffer.from('x') }), { topic: 'elsewhere', partition: 2, key: null });
});

test('an output to a topic that does not exist is a ConfigError that says how to create it', (t) => {
  t.throws(() => addresser().output({ topic: 'nowhere', key: 'k', value: 'v' }), { instanceOf: ConfigError, message: "output topic 'nowhere' does not exist: create it (eventide topics create)" });
});

test('a dead letter names the stage, the reason and the source record, keyed by stage and partition', (t) => {
  const record = addresser().deadLetter({ reason: 'late', message: 'window closed', offset: 77, original: '{"late":true}' });
  t.is(record.topic, 'deadletter');
  t.is(record.key, 'aggregate/5');
  t.is(record.partition, partitionForKey('aggregate/5', 3));
  t.deepEqual(decodeDeadLetter(record.value!), {
    v: 1,
    stage: 'aggregate',
    reason: 'late',
    message: 'window closed',
    source: { topic: 'events.matched', partition: 5, offset: 77 },
    original: Buffer.from('{"late":true}'),
    at: clock.now(),
  });
});

test('a dead letter keeps at most the first 256 KiB of an oversized original and says so', (t) => {
  const original = Buffer.alloc(MAX_DEAD_LETTER_ORIGINAL_BYTES + 10, 7);
  const letter = decodeDeadLetter(addresser().deadLetter({ reason: 'too-big', message: 'batch too big', offset: 1, original }).value!);
  t.is(letter.original?.length, MAX_DEAD_LETTER_ORIGINAL_BYTES);
  t.is(letter.message, `batch too big (original truncated to its first ${MAX_DEAD_LETTER_ORIGINAL_BYTES} of ${MAX_DEAD_LETTER_ORIGINAL_BYTES + 10} bytes)`);
  const small = decodeDeadLetter(addresser().deadLetter({ reason: 'x', message: 'm', offset: 1, original: null }).value!);
  t.is(small.original, null);
  t.is(small.message, 'm');
});

test('publish markers and snapshot records go to the snapshots partition of the input’s number', (t) => {
  const marker = addresser().publishMarker('q1/0', 120);
  t.is(marker.topic, 'agg.snapshots');
  t.is(marker.partition, 5);
  t.is(marker.headers?.[SnapshotHeaders.kind], 'marker');
  t.deepEqual(decodePublishMarker(marker.value!), { stage: 'aggregate', partition: 5, key: 'q1/0', nextOffset: 120, publishedAt: clock.now() });
  t.deepEqual(addresser().snapshotRecord({ key: 'k', value: Buffer.from('v'), headers: { a: 'b' } }), { topic: 'agg.snapshots', partition: 5, key: 'k', value: Buffer.from('v'), headers: { a: 'b' } });
});

test('a stage without snapshots has nowhere to write markers', (t) => {
  t.throws(() => addresser(null).publishMarker('q1/0', 1), { instanceOf: ConfigError });
});
