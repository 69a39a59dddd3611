import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import {
  MAX_SKIP_REASON_LENGTH,
  SnapshotLogReader,
  decodeSnapshotSkip,
  encodePublishMarker,
  encodeSnapshotSkip,
  payloadChecksum,
  type SkipVerdict,
  type SnapshotLogEntry,
  type SnapshotSkip,
} from '../../../protocols/snapshot/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/snapshot/${name}`, import.meta.url));

const GARBAGE = Buffer.from('\u0000\u00ffnot a marker');
const garbageMarker = (offset: number): SnapshotLogEntry => ({ offset, key: 'm', value: GARBAGE, headers: { 'eventide-kind': 'marker', 'eventide-stage': 'aggregate' } });
const skipNaming = (offset: number, value: Buffer, stage = 'aggregate'): SnapshotSkip => ({ stage, partition: 2, offset, sha256: payloadChecksum(value), skippedKind: 'marker', reason: 'checked', by: 'ops@host', at: 1_700_000_100_000 });
const entry = (offset: number, record: { key: string; value: Buffer; headers: Record<string, string> }): SnapshotLogEntry => ({ offset, ...record });

test('decodes the fixture skip record', (t) => {
  t.deepEqual(decodeSnapshotSkip(fixture('skip.json')), {
    stage: 'aggregate', partition: 2, offset: 12, sha256: '1f0c8a4a73c1f96d7fd3c5bf1f8d2b0b0d9e0fa2a19b44d52e4f3c8b2d6e7a19',
    skippedKind: 'marker', reason: 'garbage from a test producer; no result at that time', by: 'ops@host-1', at: 1700000100000,
  });
});

test('encodes a skip with its kind and stage headers, keyed by the offset it names, and decodes it back', (t) => {
  const record = encodeSnapshotSkip(skipNaming(12, GARBAGE));
  t.deepEqual(record.headers, { 'eventide-kind': 'skip', 'eventide-stage': 'aggregate' });
  t.is(record.key, 'aggregate/2/skip/12');
  t.deepEqual(decodeSnapshotSkip(record.value), skipNaming(12, GARBAGE));
});

test('refuses a skip whose reason is longer than it keeps, and a checksum that is not sha256 hex', (t) => {
  t.throws(() => encodeSnapshotSkip({ ...skipNaming(1, GARBAGE), reason: 'x'.repeat(MAX_SKIP_REASON_LENGTH + 1) }), { instanceOf: RangeError });
  const bad = Buffer.from(JSON.stringify({ ...JSON.parse(fixture('skip.json').toString()), sha256: 'abc' }));
  t.like(t.throws(() => decodeSnapshotSkip(bad), { instanceOf: DecodeError }), { reason: 'invalid-field', message: 'snapshot skip: field "sha256" must be 64 lowercase hex digits' });
});

test('a skip naming an undecodable marker by offset and checksum clears it and counts it; other skips change nothing and say why', (t) => {
  const verdicts: SkipVerdict[] = [];
  const reader = new SnapshotLogReader({ stage: 'aggregate', observer: { onSkip: (verdict) => verdicts.push(verdict) } });
  reader.add(garbageMarker(3));
  reader.add(garbageMarker(4));
  reader.add(entry(5, encodeSnapshotSkip(skipNaming(4, Buffer.from('other bytes')))));
  reader.add(entry(6, encodeSnapshotSkip(skipNaming(9, GARBAGE))));
  reader.add(entry(7, encodeSnapshotSkip(skipNaming(2, GARBAGE))));
  reader.add({ offset: 8, key: 's', value: Buffer.from('{'), headers: { 'eventide-kind': 'skip', 'eventide-stage': 'aggregate' } });
  reader.add(entry(9, encodeSnapshotSkip(skipNaming(3, GARBAGE, 'other-stage'))));
  t.deepEqual(reader.undecodableMarkers().map((m) => m.offset), [3, 4]);
  reader.add(entry(10, encodeSnapshotSkip(skipNaming(3, GARBAGE))));
  t.deepEqual(reader.undecodableMarkers().map((m) => m.offset), [4]);
  t.is(reader.skippedMarkers(), 1);
  t.deepEqual(verdicts.map((v) => [v.offset, v.effect]), [[5, 'checksum-differs'], [6, 'corrupt'], [7, 'no-record'], [8, 'corrupt'], [10, 'applied']]);
  t.regex(verdicts[1]!.reason!, /names offset 9, not one before its own/);
});

test('a skip of a marker that decodes removes it from the markers', (t) => {
  const marker = encodePublishMarker({ stage: 'aggregate', partition: 2, key: 'q/0', nextOffset: 5, publishedAt: 0 });
  const reader = new SnapshotLogReader({ stage: 'aggregate' });
  reader.add(entry(0, marker));
  reader.add(entry(1, encodeSnapshotSkip(skipNaming(0, marker.value))));
  t.deepEqual(reader.allMarkers(), []);
  t.deepEqual(reader.markersAfterLatest(), []);
  t.is(reader.skippedMarkers(), 1);
});
