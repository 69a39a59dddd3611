import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import {
  SnapshotLogReader,
  decodePublishMarker,
  decodeSnapshotCommit,
  encodePublishMarker,
  encodeSnapshot,
  type PublishMarker,
  type SnapshotLogRecord,
  type SnapshotMeta,
} from '../../../protocols/snapshot/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/snapshot/${name}`, import.meta.url));

const meta = (seq: number, nextOffset = seq * 100): SnapshotMeta => ({
  stage: 'aggregate',
  partition: 2,
  seq,
  nextOffset,
  nodeId: 'node-a',
  generation: 4,
  takenAt: 1700000000000 + seq * 5000,
});

const marker = (key: string, nextOffset: number): PublishMarker => ({ stage: 'aggregate', partition: 2, key, nextOffset, publishedAt: 1700000000000 + nextOffset });

/** Feeds records to a reader as consecutive offsets of one partition. */
function readLog(records: readonly SnapshotLogRecord[], stage = 'aggregate'): SnapshotLogReader {
  const reader = new SnapshotLogReader({ stage });
  records.forEach((record, offset) => reader.add({ offset, ...record }));
  return reader;
}

const bigState = { windows: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`q1/${i}`, { count: i, sum: i * 1.5 }])) };

test('restores the newest complete snapshot of the fixture log and the marker after it', (t) => {
  const records = JSON.parse(fixture('log.json').toString()) as { offset: number; key: string; value: string; headers: Record<string, string> }[];
  const reader = new SnapshotLogReader({ stage: 'aggregate' });
  for (const record of records) reader.add({ ...record, value: Buffer.from(record.value, 'base64') });
  const latest = reader.latest();
  t.deepEqual(latest?.meta, meta(2, 140));
  t.deepEqual(latest?.state, { value: 'running', context: { windows: { 'q1/1700000000000': { count: 7 }, 'q1/1700000060000': { count: 1 } } } });
  t.is(latest?.offset, 10);
  t.is(latest?.bytes, 105);
  t.deepEqual(reader.markersAfterLatest(), [{ stage: 'aggregate', partition: 2, key: 'q1/1700000060000', nextOffset: 150, publishedAt: 1700000012000 }]);
  t.is(reader.allMarkers().length, 2);
  // Seq 3 lost its commit when its writer stopped; the other stage's chunk is not counted.
  t.deepEqual(reader.ignored(), { incomplete: 1, corrupt: 0 });
});

test('decodes the fixture commit and marker records', (t) => {
  t.like(decodeSnapshotCommit(fixture('commit.json')), { ...meta(2, 140), v: 1, chunks: 4, bytes: 105 });
  t.deepEqual(decodePublishMarker(fixture('marker.json')), { stage: 'aggregate', partition: 2, key: 'q1/1700000060000', nextOffset: 150, publishedAt: 1700000012000 });
});

test('splits a state above the chunk size into chunks of at most that size, then one commit', (t) => {
  const records = encodeSnapshot(meta(1), bigState, 256);
  const chunks = records.slice(0, -1);
  const commit = records.at(-1)!;
  t.true(chunks.length > 1);
  t.true(chunks.every((chunk) => chunk.value.length <= 256));
  t.deepEqual(
    chunks.map((chunk) => chunk.headers),
    chunks.map((_, i) => ({ 'eventide-kind': 'chunk', 'eventide-stage': 'aggregate', 'eventide-snapshot': 'aggregate/2/1', 'eventide-chunk': String(i) })),
  );
  t.deepEqual(commit.headers, { 'eventide-kind': 'commit', 'eventide-stage': 'aggregate', 'eventide-snapshot': 'aggregate/2/1' });
  const decoded = decodeSnapshotCommit(commit.value);
  t.is(decoded.chunks, chunks.length);
  t.is(decoded.bytes, Buffer.concat(chunks.map((chunk) => chunk.value)).length);
  t.deepEqual(readLog(records).latest()?.state, bigState);
});

test('writes a small state as one chunk', (t) => {
  const records = encodeSnapshot(meta(1), { a: 1 }, 1024);
  t.deepEqual(records.map((record) => record.headers['eventide-kind']), ['chunk', 'commit']);
  t.is(records[0].value.toString(), '{"a":1}');
});

test('serialises deterministically: the same state with keys in another order gives the same bytes', (t) => {
  const a = encodeSnapshot(meta(1), { b: { y: 1, x: [1, { q: 2, p: 1 }] }, a: 'z' }, 8);
  const b = encodeSnapshot(meta(1), { a: 'z', b: { x: [1, { p: 1, q: 2 }], y: 1 } }, 8);
  t.deepEqual(a, b);
});

test('ignores a snapshot without its commit, and the previous complete one wins', (t) => {
  const records = [...encodeSnapshot(meta(1), { n: 1 }, 4), ...encodeSnapshot(meta(2), { n: 2 }, 4).slice(0, -1)];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 1);
  t.deepEqual(reader.latest()?.state, { n: 1 });
  t.deepEqual(reader.ignored(), { incomplete: 1, corrupt: 0 });
});

test('ignores a snapshot whose commit arrives with a chunk missing', (t) => {
  const second = encodeSnapshot(meta(2), bigState, 64);
  const records = [...encodeSnapshot(meta(1), { n: 1 }, 64), ...second.slice(0, 2), ...second.slice(3)];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 1);
  t.deepEqual(reader.ignored(), { incomplete: 1, corrupt: 0 });
});

test('ignores a snapshot with a corrupted chunk, and the previous complete one wins', (t) => {
  const second = encodeSnapshot(meta(2), bigState, 64);
  const damaged = Buffer.from(second[1].value);
  damaged[3] ^= 0x01;
  const records = [...encodeSnapshot(meta(1), { n: 1 }, 64), ...second.map((record, i) => (i === 1 ? { ...record, value: damaged } : record))];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 1);
  t.deepEqual(reader.latest()?.state, { n: 1 });
  t.deepEqual(reader.ignored(), { incomplete: 0, corrupt: 1 });
});

test('counts a commit record that does not decode as corrupt', (t) => {
  const records = [...encodeSnapshot(meta(1), { n: 1 }, 64), { key: 'x', value: Buffer.from('{"v":1}'), headers: { 'eventide-kind': 'commit', 'eventide-stage': 'aggregate' } }];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 1);
  t.deepEqual(reader.ignored(), { incomplete: 0, corrupt: 1 });
});

test('returns only the markers written after the latest snapshot', (t) => {
  const records = [
    encodePublishMarker(marker('w1', 10)),
    ...encodeSnapshot(meta(1), { n: 1 }, 64),
    encodePublishMarker(marker('w2', 20)),
    ...encodeSnapshot(meta(2), { n: 2 }, 64),
    encodePublishMarker(marker('w3', 30)),
    encodePublishMarker(marker('w4', 40)),
    ...encodeSnapshot(meta(3), { n: 3 }, 64).slice(0, -1),
  ];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 2);
  t.deepEqual(reader.markersAfterLatest(), [marker('w3', 30), marker('w4', 40)]);
  t.deepEqual(reader.allMarkers().map((m) => m.key), ['w1', 'w2', 'w3', 'w4']);
});

test('returns every marker when there is no snapshot', (t) => {
  const reader = readLog([encodePublishMarker(marker('w1', 10)), encodePublishMarker(marker('w2', 20))]);
  t.is(reader.latest(), null);
  t.deepEqual(reader.markersAfterLatest(), [marker('w1', 10), marker('w2', 20)]);
});

test('ignores the records of other stages', (t) => {
  const other = (m: SnapshotMeta): SnapshotMeta => ({ ...m, stage: 'sessions' });
  const records = [
    ...encodeSnapshot(meta(1), { n: 1 }, 64),
    ...encodeSnapshot(other(meta(7)), { s: 1 }, 64),
    encodePublishMarker({ ...marker('s1', 5), stage: 'sessions' }),
  ];
  const reader = readLog(records);
  t.is(reader.latest()?.meta.seq, 1);
  t.deepEqual(reader.markersAfterLatest(), []);
  t.is(readLog(records, 'sessions').latest()?.meta.seq, 7);
});

test('holds a marker that does not decode, with why, rather than risk publishing twice; the reading goes on', (t) => {
  const undecodable: { offset: number; detail: string }[] = [];
  const reader = new SnapshotLogReader({ stage: 'aggregate', observer: { onUndecodableMarker: (marker) => undecodable.push(marker) } });
  reader.add({ offset: 12, key: 'm', value: Buffer.from('{"v":1,"stage":"aggregate"}'), headers: { 'eventide-kind': 'marker', 'eventide-stage': 'aggregate' } });
  reader.add({ offset: 13, ...encodePublishMarker(marker('w1', 10)) });
  t.deepEqual(reader.undecodableMarkers(), [{ offset: 12, detail: 'publish marker: field "partition" is missing' }]);
  t.deepEqual(undecodable, reader.undecodableMarkers());
  t.deepEqual(reader.allMarkers(), [marker('w1', 10)]);
  t.is(reader.skippedMarkers(), 0);
});

test('refuses a chunk size below one byte and a state that is not JSON', (t) => {
  t.throws(() => encodeSnapshot(meta(1), {}, 0), { instanceOf: RangeError });
  t.throws(() => encodeSnapshot(meta(1), undefined, 10), { instanceOf: TypeError });
});

test('round-trips any JSON state through chunks of any size', (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 200 }), (state, maxChunkBytes) => {
      const restored = readLog(encodeSnapshot(meta(1), state, maxChunkBytes)).latest();
      t.deepEqual(restored?.state, JSON.parse(JSON.stringify(state)));
    }),
  );
});
