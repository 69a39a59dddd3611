import test from 'ava';
import { UndecodableMarkerError } from '../../../protocols/errors.ts';
import { encodePublishMarker, encodeSnapshot, encodeSnapshotSkip, payloadChecksum, type SnapshotLogRecord, type SnapshotMeta } from '../../../protocols/snapshot/index.ts';
import type { Transport } from '../../../protocols/transport.ts';
import { MemoryLog, memoryTransport } from '../../../runtime/memory/index.ts';
import { restorePartition, restoreReport, type RestoreSources } from '../../../runtime/partition/restorer.ts';
import { StandbyReplica } from '../../../runtime/partition/standby-replica.ts';

const PARTITION = 1;
const target = { stage: 'agg', partition: PARTITION, inputTopic: 'in', snapshotsTopic: 'snaps' };

async function cluster(): Promise<{ transport: Transport; sources: RestoreSources; write: (records: readonly SnapshotLogRecord[], partition?: number) => Promise<void> }> {
  const transport = memoryTransport(new MemoryLog(), { clientId: 'restorer-test' });
  await transport.admin().createTopics([{ name: 'in', partitions: 2 }, { name: 'snaps', partitions: 2 }]);
  const producer = transport.producer();
  await producer.connect();
  const write = async (records: readonly SnapshotLogRecord[], partition = PARTITION): Promise<void> =>
    producer.send(records.map((record) => ({ topic: 'snaps', partition, key: record.key, value: record.value, headers: record.headers })));
  const sources: RestoreSources = { reader: transport.reader(), committedOffsets: () => transport.admin().fetchCommittedOffsets('g.agg', 'in') };
  return { transport, sources, write };
}

const meta = (seq: number, nextOffset: number, stage = 'agg'): SnapshotMeta => ({ stage, partition: PARTITION, seq, nextOffset, nodeId: 'node-a', generation: 3, takenAt: 1_700_000_000_000 + seq * 1000 });
const snapshot = (seq: number, nextOffset: number, machine: unknown = { value: `seq ${seq}` }, stage = 'agg'): SnapshotLogRecord[] => encodeSnapshot(meta(seq, nextOffset, stage), { machine }, 16);
const marker = (key: string, nextOffset: number, stage = 'agg'): SnapshotLogRecord => encodePublishMarker({ stage, partition: PARTITION, key, nextOffset, publishedAt: 0 });

async function commitInputOffset(transport: Transport, offset: number): Promise<void> {
  const producer = transport.transactionalProducer('g.agg.1');
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.sendOffsets('g.agg', [{ topic: 'in', partition: PARTITION, offset }]);
  await transaction.commit();
  await producer.disconnect();
}

test('finds the newest complete snapshot, the markers after it and every marker by key', async (t) => {
  const { sources, write } = await cluster();
  await write([...snapshot(1, 100), marker('before', 90)]);
  await write([...snapshot(2, 200, { value: 'running', context: { n: 2 } }), marker('after-1', 210), marker('after-2', 230)]);
  await write(snapshot(9, 900), 0); // another partition's
  await write([...snapshot(7, 700, {}, 'other-stage'), marker('other', 1, 'other-stage')]); // another stage's
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'snapshot', machine: { value: 'running', context: { n: 2 } }, nextOffset: 200, seq: 2, takenAt: meta(2, 200).takenAt });
  t.true(seed.bytes > 0);
  t.deepEqual(seed.markersAfter.map((m) => [m.key, m.nextOffset]), [['after-1', 210], ['after-2', 230]]);
  t.deepEqual([...seed.markersByKey.keys()], ['before', 'after-1', 'after-2']);
  t.deepEqual(seed.ignored, { incomplete: 0, corrupt: 0, markers: 0 });
});

test('a snapshot without its commit is incomplete and one with a bad checksum corrupt: both counted, the one before restored', async (t) => {
  const { sources, write } = await cluster();
  await write(snapshot(1, 100));
  await write(snapshot(2, 200).slice(0, -1)); // the writer stopped before the commit record
  const corrupt = snapshot(3, 300);
  const commit = JSON.parse(corrupt[corrupt.length - 1]!.value.toString()) as Record<string, unknown>;
  corrupt[corrupt.length - 1] = { ...corrupt[corrupt.length - 1]!, value: Buffer.from(JSON.stringify({ ...commit, sha256: '0'.repeat(64) })) };
  await write(corrupt);
  await write(snapshot(4, 400).slice(0, -1));
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'snapshot', seq: 1, nextOffset: 100 });
  t.deepEqual(seed.ignored, { incomplete: 2, corrupt: 1, markers: 0 });
});

/** A snapshot whose commit names a checksum its chunks do not have. */
function corrupted(records: SnapshotLogRecord[]): SnapshotLogRecord[] {
  const commit = JSON.parse(records[records.length - 1]!.value.toString()) as Record<string, unknown>;
  return [...records.slice(0, -1), { ...records[records.length - 1]!, value: Buffer.from(JSON.stringify({ ...commit, sha256: '0'.repeat(64) })) }];
}

test('when the newest snapshots all fail their checksum, the older complete one still restores (the partition is read again, checking every snapshot)', async (t) => {
  const { sources, write } = await cluster();
  await write(snapshot(1, 100));
  await write(snapshot(2, 200, { value: 'running', context: { n: 2 } }));
  for (const seq of [3, 4, 5]) await write(corrupted(snapshot(seq, seq * 100)));
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'snapshot', seq: 2, nextOffset: 200, machine: { context: { n: 2 } } });
  t.is(seed.ignored.corrupt, 3, 'every corrupt snapshot is counted on the second read');
});

test('behind a long history, the newest snapshot restores and a corrupt one just before it changes nothing', async (t) => {
  const { sources, write } = await cluster();
  for (let seq = 1; seq <= 20; seq++) await write(seq === 19 ? corrupted(snapshot(seq, seq * 100)) : snapshot(seq, seq * 100, { value: 'running', context: { seq } }));
  await write([marker('after-20', 2010)]);
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'snapshot', seq: 20, nextOffset: 2000, machine: { context: { seq: 20 } } });
  t.deepEqual(seed.markersAfter.map((m) => m.key), ['after-20']);
});

test('a snapshot written in an aborted transaction is never restored (read_committed)', async (t) => {
  const { transport, sources, write } = await cluster();
  await write(snapshot(1, 100));
  const zombie = transport.transactionalProducer('g.agg.1');
  await zombie.connect();
  const transaction = await zombie.transaction();
  await transaction.send([...snapshot(2, 200), marker('never', 150)].map((r) => ({ topic: 'snaps', partition: PARTITION, key: r.key, value: r.value, headers: r.headers })));
  await transaction.abort();
  const seed = await restorePartition(sources, target);
  t.like(seed, { seq: 1, nextOffset: 100 });
  t.deepEqual(seed.markersAfter, []);
});

test('an older snapshot that lists pending publications restores its machine; the list is read past', async (t) => {
  const { sources, write } = await cluster();
  await write(encodeSnapshot(meta(5, 500), { machine: { value: 'running' }, pending: ['q1/0'] }, 512));
  const seed = await restorePartition(sources, target);
  t.deepEqual(seed.machine, { value: 'running' });
});

test('without a snapshot: a fresh machine from the group’s committed offset; the markers are all “after”', async (t) => {
  const { transport, sources, write } = await cluster();
  await write([marker('published-before-any-snapshot', 40)]);
  await commitInputOffset(transport, 55);
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'committed-offset', machine: null, nextOffset: 55, seq: 0, takenAt: null, bytes: 0 });
  t.deepEqual(seed.markersAfter.map((m) => m.key), ['published-before-any-snapshot']);
});

test('without a snapshot or a committed offset: the input partition’s earliest offset', async (t) => {
  const { sources } = await cluster();
  t.like(await restorePartition(sources, target), { from: 'earliest', nextOffset: 0, machine: null });
  const afterRetention: RestoreSources = { ...sources, reader: { ...sources.reader, read: sources.reader.read.bind(sources.reader), endOffsets: sources.reader.endOffsets.bind(sources.reader), startOffsets: async (topic) => new Map(topic === 'in' ? [[PARTITION, 40]] : []) } };
  t.like(await restorePartition(afterRetention, target), { from: 'earliest', nextOffset: 40 });
});

test('a stateless stage reads no snapshots: committed offset or earliest', async (t) => {
  const { transport, sources, write } = await cluster();
  await write(snapshot(1, 100));
  const { snapshotsTopic: _none, ...stateless } = target;
  t.like(await restorePartition(sources, stateless), { from: 'earliest', nextOffset: 0 });
  await commitInputOffset(transport, 12);
  const seed = await restorePartition(sources, stateless);
  t.like(seed, { from: 'committed-offset', nextOffset: 12 });
  t.is(seed.markersByKey.size, 0);
});

const GARBAGE = Buffer.from('{not json');
const garbageMarker = (): SnapshotLogRecord => ({ ...marker('x', 1), value: GARBAGE });
const skipOf = (offset: number, value: Buffer, skippedKind = 'marker'): SnapshotLogRecord =>
  encodeSnapshotSkip({ stage: 'agg', partition: PARTITION, offset, sha256: payloadChecksum(value), skippedKind, reason: 'checked: no result was published with it', by: 'ops@test', at: 1_700_000_100_000 });

test('a marker that does not decode stops the restore with an UndecodableMarkerError naming its offset and how to get past it', async (t) => {
  const { sources, write } = await cluster();
  const at = snapshot(1, 100).length;
  await write([...snapshot(1, 100), garbageMarker(), marker('after', 120)]);
  const error = await t.throwsAsync(() => restorePartition(sources, target), { instanceOf: UndecodableMarkerError });
  t.like(error, { stage: 'agg', topic: 'snaps', partition: PARTITION, offset: at, retriable: false });
  t.regex(error.message, new RegExp(`^agg\\[1\\] cannot restore: the publish marker at offset ${at} of snaps\\[1\\] does not decode \\(publish marker: the record is not valid JSON`));
  t.true(error.message.includes(`\`eventide snapshots skip --topic snaps --partition 1 --offset ${at}\` once you have checked what it covered`), error.message);
});

test('after a skip record naming the undecodable marker the restore goes on, and its report counts the skipped marker', async (t) => {
  const { sources, write } = await cluster();
  await write([...snapshot(1, 100), garbageMarker(), marker('after', 120)]);
  await write([skipOf(snapshot(1, 100).length, GARBAGE)]);
  const seed = await restorePartition(sources, target);
  t.like(seed, { from: 'snapshot', seq: 1, nextOffset: 100 });
  t.deepEqual(seed.markersAfter.map((m) => m.key), ['after']);
  t.deepEqual(seed.ignored, { incomplete: 0, corrupt: 0, markers: 1 });
  t.like(restoreReport(seed, 0, 1).ignored, { markers: 1 });
});

test('a skip takes effect only for the offset and the bytes it names', async (t) => {
  const { sources, write } = await cluster();
  const first = snapshot(1, 100).length;
  await write([...snapshot(1, 100), garbageMarker(), garbageMarker()]); // markers at first and first + 1
  await write([skipOf(first, GARBAGE)]);
  const error = await t.throwsAsync(() => restorePartition(sources, target), { instanceOf: UndecodableMarkerError });
  t.is(error.offset, first + 1, 'the second marker is still there');
  await write([skipOf(first + 1, Buffer.from('other bytes')), skipOf(0, snapshot(1, 100)[0]!.value, 'chunk')]);
  t.is((await t.throwsAsync(() => restorePartition(sources, target), { instanceOf: UndecodableMarkerError })).offset, first + 1, 'a skip with another checksum, or of a chunk, changes nothing');
  await write([skipOf(first + 1, GARBAGE)]);
  t.like(await restorePartition(sources, target), { seq: 1, ignored: { incomplete: 0, corrupt: 0, markers: 2 } });
});

test('a decodable marker skipped (by force) no longer makes its publication durable', async (t) => {
  const { sources, write } = await cluster();
  const published = marker('q/60000', 150);
  await write([...snapshot(1, 100), published, marker('q/120000', 160)]);
  await write([skipOf(snapshot(1, 100).length, published.value)]);
  const seed = await restorePartition(sources, target);
  t.deepEqual(seed.markersAfter.map((m) => m.key), ['q/120000']);
  t.deepEqual([...seed.markersByKey.keys()], ['q/120000']);
  t.is(seed.ignored.markers, 1);
});

test('the report says where the partition resumed, how old the snapshot was and how many markers followed it', async (t) => {
  const { sources, write } = await cluster();
  await write([...snapshot(2, 200), marker('a', 210)]);
  const seed = await restorePartition(sources, target);
  t.deepEqual(restoreReport(seed, meta(2, 200).takenAt + 1500, 12), {
    from: 'snapshot', seq: 2, offset: 200, ageMs: 1500, bytes: seed.bytes, durationMs: 12, markers: 1, snapshotRecordsRead: snapshot(2, 200).length + 1, warm: false, ignored: { incomplete: 0, corrupt: 0, markers: 0 },
  });
  const { sources: empty } = await cluster();
  t.deepEqual(restoreReport(await restorePartition(empty, target), 0, 3), { from: 'earliest', seq: null, offset: 0, ageMs: null, bytes: 0, durationMs: 3, markers: 0, snapshotRecordsRead: 0, warm: false, ignored: { incomplete: 0, corrupt: 0, markers: 0 } });
});

test('with a standby replica\'s warm log, the restore reads only what was written after the replica stopped, and finds what a cold read finds', async (t) => {
  const { sources, write } = await cluster();
  await write([...snapshot(1, 100), marker('q/60000', 110)]);
  const replica = new StandbyReplica(sources.reader, { stage: target.stage, inputTopic: target.inputTopic, snapshotsTopic: target.snapshotsTopic!, partition: target.partition });
  await replica.catchUp();
  t.is(replica.lag, 0);
  t.is(replica.stats().snapshotOffset, 100);
  const warm = replica.take()!;
  await write([...snapshot(2, 200), marker('q/120000', 210)]);
  const seed = await restorePartition(sources, { ...target, warm });
  const cold = await restorePartition(sources, target);
  t.true(seed.warm);
  t.is(seed.snapshotRecordsRead, snapshot(2, 200).length + 1, 'only the records after the replica\'s position');
  t.is(cold.snapshotRecordsRead, snapshot(1, 100).length + 1 + snapshot(2, 200).length + 1);
  t.deepEqual({ ...seed, snapshotRecordsRead: 0, warm: false }, { ...cold, snapshotRecordsRead: 0, warm: false }, 'the same seed as a cold restore');
  t.is(seed.nextOffset, 200);
  t.deepEqual([...seed.markersByKey.keys()], ['q/60000', 'q/120000']);
});
