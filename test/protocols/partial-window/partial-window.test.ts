import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodePartialWindow, encodePartialWindow, isPartialWindowRecord, type PartialWindow } from '../../../protocols/partial-window/index.ts';
import { encodeMatchedEventBatch } from '../../../protocols/matched-events/index.ts';

const partial: PartialWindow = {
  v: 1, queryId: 'q1', windowStart: 1_700_000_000_000, windowEnd: 1_700_000_060_000, from: 3, complete: true,
  groups: { groups: { '["DE"]': { values: ['DE'], states: [{ kind: 'count', count: 4 }], events: 4 } }, other: null, otherGroupsSeen: 0 },
};

test('a partial reads back as written, its bytes the same whatever the key order of its groups', (t) => {
  const bytes = encodePartialWindow(partial);
  t.deepEqual(decodePartialWindow(bytes), partial);
  const reordered = { ...partial, groups: { otherGroupsSeen: 0, other: null, groups: (partial.groups as { groups: unknown }).groups } };
  t.deepEqual(encodePartialWindow(reordered), bytes);
});

test('partials and matched events on events.matched tell apart by their first bytes', (t) => {
  t.true(isPartialWindowRecord(encodePartialWindow(partial)));
  for (const v of [1, 2] as const) {
    const batch = encodeMatchedEventBatch({ v, queryId: 'q1', source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: [] });
    t.false(isPartialWindowRecord(batch), `matched events v${v}`);
  }
  t.false(isPartialWindowRecord(Buffer.from('{"v":1}')));
});

test('a record that is no partial, or a partial that is not whole, is a DecodeError naming the reason', (t) => {
  const reasonOf = (bytes: Buffer): string => t.throws(() => decodePartialWindow(bytes), { instanceOf: DecodeError })!.reason;
  const encoded = (value: unknown) => Buffer.concat([Buffer.from([0x00, 0x50]), Buffer.from(JSON.stringify(value))]);
  t.is(reasonOf(Buffer.from('{"v":1}')), 'not-a-partial-window');
  t.is(reasonOf(Buffer.from([0x00, 0x50, 0x7b])), 'malformed-json');
  t.is(reasonOf(encoded([1])), 'not-an-object');
  t.is(reasonOf(encoded({ ...partial, v: 2 })), 'unsupported-version');
  const { from: _from, ...withoutFrom } = partial;
  t.is(reasonOf(encoded(withoutFrom)), 'missing-field');
  t.is(reasonOf(encoded({ ...partial, windowEnd: partial.windowStart })), 'invalid-field');
  t.is(reasonOf(encoded({ ...partial, from: -1 })), 'invalid-field');
  t.is(reasonOf(encoded({ ...partial, groups: [] })), 'invalid-field');
});
