import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {
  SnapshotHeaders,
  SnapshotLogReader,
  decodeHostedState,
  decodePublishMarker,
  decodeSnapshotCommit,
  encodePublishMarker,
  encodeSnapshot,
  hostedState,
  type PublishMarker,
  type SnapshotLogRecord,
  type SnapshotMeta,
} from '../../../protocols/snapshot/index.ts';
import { finiteNumber, hostileJsonText, hostileRecord, randomBytes } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/snapshot/${name}`, import.meta.url));
const commitFixture = fixture('commit.json');
const markerFixture = fixture('marker.json');
const hostedFixtures = [fixture('hosted-state.json'), fixture('hosted-state-with-pending.json')];
const STAGE = 'aggregate';

const nat = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const meta = (seq: number): fc.Arbitrary<SnapshotMeta> =>
  fc.record(
    { stage: fc.constant(STAGE), partition: fc.constant(2), seq: fc.constant(seq), nextOffset: nat, nodeId: fc.string({ maxLength: 20 }), generation: fc.integer({ min: -1, max: 1e9 }), takenAt: finiteNumber },
    { noNullPrototype: true },
  );
const marker: fc.Arbitrary<PublishMarker> = fc.record(
  { stage: fc.constant(STAGE), partition: fc.constant(2), key: fc.string({ minLength: 1, maxLength: 40 }), nextOffset: nat, publishedAt: finiteNumber },
  { noNullPrototype: true },
);

/** Feeds records to a reader as consecutive offsets of one partition. */
function readLog(records: readonly SnapshotLogRecord[]): SnapshotLogReader {
  const reader = new SnapshotLogReader({ stage: STAGE });
  records.forEach((record, offset) => reader.add({ offset, ...record }));
  return reader;
}

test('any bytes decode into a snapshot commit, a publish marker, or a DecodeError', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord([commitFixture, markerFixture]), (bytes) => {
      decodeOutcome(() => decodeSnapshotCommit(bytes));
      decodeOutcome(() => decodePublishMarker(bytes));
    }),
    400,
  );
});

test('any JSON value is a hosted state or a DecodeError, and a hosted state reads back', (t) => {
  assertProperty(
    t,
    fc.property(fc.oneof(hostileJsonText, fc.constantFrom(...hostedFixtures.map(String))), (text) => {
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        return;
      }
      const outcome = decodeOutcome(() => decodeHostedState(payload));
      if (outcome.ok) deepStrictEqual(decodeHostedState(JSON.parse(JSON.stringify(hostedState(outcome.value.machine)))), outcome.value);
    }),
    300,
  );
});

test('decoding an encoded publish marker gives it back', (t) => {
  assertProperty(t, fc.property(marker, (value) => deepStrictEqual(decodePublishMarker(encodePublishMarker(value).value), value)), 300);
});

/** What can go wrong with a snapshot on its way to the log. */
type Damage = 'none' | 'chunk-lost' | 'byte-flipped' | 'commit-lost' | 'commit-cut';

interface Written {
  readonly state: unknown;
  readonly meta: SnapshotMeta;
  readonly damage: Damage;
  readonly markersAfter: readonly PublishMarker[];
}

const written = (seq: number): fc.Arbitrary<Written> =>
  fc.record({
    state: fc.jsonValue({ maxDepth: 4 }),
    meta: meta(seq),
    damage: fc.constantFrom<Damage>('none', 'none', 'chunk-lost', 'byte-flipped', 'commit-lost', 'commit-cut'),
    markersAfter: fc.array(marker, { maxLength: 2 }),
  });

function damaged(records: SnapshotLogRecord[], damage: Damage, at: number): SnapshotLogRecord[] {
  const chunks = records.slice(0, -1);
  const commit = records[records.length - 1];
  const i = at % chunks.length;
  switch (damage) {
    case 'none':
      return records;
    case 'chunk-lost':
      return [...chunks.slice(0, i), ...chunks.slice(i + 1), commit];
    case 'byte-flipped': {
      const value = Buffer.from(chunks[i].value);
      value[at % value.length] ^= 0x01;
      return [...chunks.slice(0, i), { ...chunks[i], value }, ...chunks.slice(i + 1), commit];
    }
    case 'commit-lost':
      return chunks;
    case 'commit-cut':
      return [...chunks, { ...commit, value: commit.value.subarray(0, at % commit.value.length) }];
  }
}

test('a log of snapshots, some damaged, restores the newest undamaged one and the markers after it', (t) => {
  assertProperty(
    t,
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => written(i + 1)))),
      fc.integer({ min: 1, max: 64 }),
      fc.nat(),
      (snapshots, maxChunkBytes, at) => {
        const records: SnapshotLogRecord[] = [];
        let expected: { state: unknown; meta: SnapshotMeta; markers: PublishMarker[] } | null = null;
        const allMarkers: PublishMarker[] = [];
        for (const snapshot of snapshots) {
          records.push(...damaged(encodeSnapshot(snapshot.meta, snapshot.state, maxChunkBytes), snapshot.damage, at));
          if (snapshot.damage === 'none') expected = { state: JSON.parse(JSON.stringify(snapshot.state)), meta: snapshot.meta, markers: [] };
          for (const value of snapshot.markersAfter) {
            records.push(encodePublishMarker(value));
            expected?.markers.push(value);
            allMarkers.push(value);
          }
        }
        const reader = readLog(records);
        const latest = reader.latest();
        deepStrictEqual(latest === null ? null : { state: latest.state, meta: latest.meta }, expected === null ? null : { state: expected.state, meta: expected.meta });
        deepStrictEqual(reader.markersAfterLatest(), expected === null ? allMarkers : expected.markers);
        const ignored = reader.ignored();
        const damagedCount = snapshots.filter((snapshot) => snapshot.damage !== 'none').length;
        deepStrictEqual(ignored.incomplete + ignored.corrupt, damagedCount, `${damagedCount} damaged snapshots, counted ${JSON.stringify(ignored)}`);
      },
    ),
    300,
  );
});

const headerValue = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('0', '1', '-1', '1.5', 'NaN', '1e3', '99999999999999999999', `${STAGE}/2/1`));
const hostileEntry = fc.record({
  kind: fc.constantFrom('chunk', 'commit', 'marker', 'other', undefined),
  stage: fc.constantFrom(STAGE, 'sessions', undefined),
  snapshot: fc.option(headerValue, { nil: undefined }),
  chunk: fc.option(headerValue, { nil: undefined }),
  value: fc.option(fc.oneof(hostileRecord([commitFixture, markerFixture]), randomBytes(64)), { nil: null }),
});

test('any sequence of records on a snapshots partition reads into a snapshot, none, or a DecodeError', (t) => {
  assertProperty(
    t,
    fc.property(fc.array(hostileEntry, { maxLength: 12 }), (entries) => {
      const reader = new SnapshotLogReader({ stage: STAGE });
      entries.forEach((entry, offset) => {
        const headers: Record<string, string> = {};
        if (entry.kind !== undefined) headers[SnapshotHeaders.kind] = entry.kind;
        if (entry.stage !== undefined) headers[SnapshotHeaders.stage] = entry.stage;
        if (entry.snapshot !== undefined) headers[SnapshotHeaders.snapshotId] = entry.snapshot;
        if (entry.chunk !== undefined) headers[SnapshotHeaders.chunk] = entry.chunk;
        decodeOutcome(() => reader.add({ offset, key: null, value: entry.value, headers }));
      });
      decodeOutcome(() => reader.latest());
      const ignored = reader.ignored();
      ok(Number.isSafeInteger(ignored.incomplete) && ignored.incomplete >= 0 && Number.isSafeInteger(ignored.corrupt) && ignored.corrupt >= 0);
    }),
    300,
  );
});

test('a snapshot whose commit record is cut is counted once, as corrupt, not also as incomplete', (t) => {
  const first = encodeSnapshot({ stage: STAGE, partition: 2, seq: 1, nextOffset: 10, nodeId: 'a', generation: 1, takenAt: 0 }, { n: 1 }, 4);
  const second = encodeSnapshot({ stage: STAGE, partition: 2, seq: 2, nextOffset: 20, nodeId: 'a', generation: 1, takenAt: 0 }, { n: 2 }, 4);
  const cut = { ...first.at(-1)!, value: first.at(-1)!.value.subarray(0, 10) };
  const reader = readLog([...first.slice(0, -1), cut, ...second]);
  t.is(reader.latest()?.meta.seq, 2);
  t.deepEqual(reader.ignored(), { incomplete: 0, corrupt: 1 });
});
