import test from 'ava';
import {
  SnapshotLogListing,
  encodePublishMarker,
  encodeSnapshot,
  encodeSnapshotSkip,
  payloadChecksum,
  type ListingEntry,
  type SnapshotLogRecord,
  type SnapshotMeta,
} from '../../../protocols/snapshot/index.ts';

const meta = (seq: number): SnapshotMeta => ({ stage: 'aggregate', partition: 2, seq, nextOffset: seq * 100, nodeId: 'node-a', generation: 4, takenAt: 1_700_000_000_000 });
const GARBAGE = Buffer.from('{"v":1');

/** The records as consecutive offsets from 0. */
function listing(records: readonly (SnapshotLogRecord | Omit<ListingEntry, 'offset'>)[], options: { from?: number; limit?: number } = {}): SnapshotLogListing {
  const list = new SnapshotLogListing(options);
  records.forEach((record, offset) => list.add({ offset, timestamp: 1_700_000_000_000 + offset, ...record }));
  return list;
}

const garbage = { key: 'm', value: GARBAGE, headers: { 'eventide-kind': 'marker', 'eventide-stage': 'aggregate' } };

test('lists every record with its kind, seq, size, writer and the verdict a restore reaches', (t) => {
  const complete = encodeSnapshot(meta(1), { n: 1 }, 4); // chunks 0..1, commit 2
  const abandoned = encodeSnapshot(meta(2), { n: 2 }, 4).slice(0, -1); // chunks 3..4, no commit
  const corrupt = encodeSnapshot(meta(3), { n: 3 }, 4);
  corrupt[0] = { ...corrupt[0]!, value: Buffer.from('{"m"') }; // chunks 5..6, commit 7: checksum fails
  const marker = encodePublishMarker({ stage: 'aggregate', partition: 2, key: 'q/0', nextOffset: 150, publishedAt: 1_700_000_012_000 });
  const unknown = { key: null, value: Buffer.from('x'), headers: {} };
  const rows = listing([...complete, ...abandoned, ...corrupt, marker, garbage, unknown]).rows();
  t.deepEqual(rows.map((r) => [r.offset, r.kind, r.seq, r.writer, r.verdict]), [
    [0, 'chunk', 1, 'node-a/g4', 'complete'],
    [1, 'chunk', 1, 'node-a/g4', 'complete'],
    [2, 'commit', 1, 'node-a/g4', 'complete'],
    [3, 'chunk', 2, null, 'incomplete'],
    [4, 'chunk', 2, null, 'incomplete'],
    [5, 'chunk', 3, 'node-a/g4', 'corrupt'],
    [6, 'chunk', 3, 'node-a/g4', 'corrupt'],
    [7, 'commit', 3, 'node-a/g4', 'corrupt'],
    [8, 'marker', null, null, 'ok'],
    [9, 'marker', null, null, 'undecodable'],
    [10, 'unknown', null, null, 'unknown'],
  ]);
  t.deepEqual(rows.map((r) => r.bytes), [...complete, ...abandoned, ...corrupt, marker, garbage, unknown].map((r) => r.value.length));
  t.is(rows[8]!.detail, 'publication q/0, input offset 150, published 2023-11-14T22:13:32.000Z');
  t.regex(rows[9]!.detail, /^publish marker: the record is not valid JSON .* \(a restore stops here until it is skipped\)$/);
  t.is(rows[0]!.timestamp, 1_700_000_000_000);
});

test('a marker named by a later skip is listed as skipped, with the skip’s offset; the skip as applied, with who wrote it', (t) => {
  const skip = encodeSnapshotSkip({ stage: 'aggregate', partition: 2, offset: 0, sha256: payloadChecksum(GARBAGE), skippedKind: 'marker', reason: 'test garbage', by: 'ops@host', at: 1_700_000_100_000 });
  const list = listing([garbage, skip, garbage]);
  const rows = list.rows();
  t.like(rows[0], { verdict: 'skipped', skippedBy: 1 });
  t.like(rows[1], { kind: 'skip', verdict: 'applied', writer: 'ops@host' });
  t.like(rows[2], { verdict: 'undecodable', skippedBy: null });
  t.deepEqual([...list.undecodableMarkers()].map(([stage, markers]) => [stage, markers.map((m) => m.offset)]), [['aggregate', [2]]]);
});

test('keeps only the rows from --from, at most --limit, with verdicts that rest on records after them', (t) => {
  const snapshot = encodeSnapshot(meta(1), { n: 'a longer state' }, 4); // chunks 0..n-2, commit n-1
  const rows = listing([...snapshot, garbage], { from: 1, limit: 2 }).rows();
  t.deepEqual(rows.map((r) => [r.offset, r.verdict]), [[1, 'complete'], [2, 'complete']]);
});
