import { readFileSync } from 'node:fs';
import { deepStrictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeMatchedEventBatch, encodeMatchedEventBatch, type MatchedEventBatch } from '../../../protocols/matched-events/index.ts';
import { attributes, finiteNumber, hostileRecord, longString } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const valid = readFileSync(new URL('../../fixtures/protocols/matched-events/valid.json', import.meta.url));
const validBinary = readFileSync(new URL('../../fixtures/protocols/matched-events/valid-v2.bin', import.meta.url));

const nat = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const batch: fc.Arbitrary<MatchedEventBatch> = fc.record(
  {
    v: fc.constantFrom(1 as const, 2 as const),
    queryId: fc.string({ minLength: 1, maxLength: 64 }),
    source: fc.record({ topic: fc.string({ minLength: 1, maxLength: 40 }), partition: nat, partitions: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }, { noNullPrototype: true }),
    events: fc.array(fc.record({ offset: nat, index: nat, timestamp: finiteNumber, attributes }, { noNullPrototype: true }), { maxLength: 20 }),
  },
  { noNullPrototype: true },
);
const binaryBatch = batch.map((value): MatchedEventBatch => ({ ...value, v: 2 }));

test('any bytes decode into a batch of matched events or a DecodeError', (t) => {
  assertProperty(t, fc.property(hostileRecord([valid, validBinary]), (bytes) => void decodeOutcome(() => decodeMatchedEventBatch(bytes))), 400);
});

test('decoding an encoded batch gives it back', (t) => {
  assertProperty(t, fc.property(batch, (value) => deepStrictEqual(decodeMatchedEventBatch(encodeMatchedEventBatch(value)), value)), 300);
});

test('re-encoding a decoded batch is stable', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord([valid, validBinary]), (bytes) => {
      const outcome = decodeOutcome(() => decodeMatchedEventBatch(bytes));
      if (!outcome.ok) return;
      const encoded = encodeMatchedEventBatch(outcome.value);
      deepStrictEqual(decodeMatchedEventBatch(encoded), outcome.value);
      deepStrictEqual(encodeMatchedEventBatch(decodeMatchedEventBatch(encoded)), encoded);
    }),
    300,
  );
});

test('an attribute with a huge name and a bad value is named in short', (t) => {
  assertProperty(
    t,
    fc.property(longString(1000, 2_000_000), (name) => {
      const bytes = Buffer.from(JSON.stringify({ v: 1, queryId: 'q', source: { topic: 't', partition: 0, partitions: 1 }, events: [{ offset: 0, index: 0, timestamp: 0, attributes: { [name]: [] } }] }));
      const outcome = decodeOutcome(() => decodeMatchedEventBatch(bytes));
      deepStrictEqual(outcome.ok ? undefined : outcome.error.reason, 'invalid-field');
    }),
    10,
  );
});

test('the message about an attribute named by a megabyte quotes its name in short', (t) => {
  const name = 'x'.repeat(1_000_000);
  const bytes = Buffer.from(JSON.stringify({ v: 1, queryId: 'q', source: { topic: 't', partition: 0, partitions: 1 }, events: [{ offset: 0, index: 0, timestamp: 0, attributes: { [name]: {} } }] }));
  const error = t.throws(() => decodeMatchedEventBatch(bytes), { instanceOf: DecodeError });
  t.is(error!.reason, 'invalid-field');
  t.regex(error!.message, /^matched-events: field "events\[0\]\.attributes\.x{100}… \(1000000 characters\)" must be a string, number, boolean or null, got an object$/);
});

test('binary records: every cut of an encoded batch throws truncated', (t) => {
  assertProperty(
    t,
    fc.property(binaryBatch, fc.nat(), (value, at) => {
      const bytes = encodeMatchedEventBatch(value);
      const cut = bytes.subarray(0, 1 + (at % (bytes.length - 1)));
      const outcome = decodeOutcome(() => decodeMatchedEventBatch(cut));
      deepStrictEqual(outcome.ok ? 'decoded' : outcome.error.reason, 'truncated');
    }),
    300,
  );
});

test('binary records: a batch rebuilt field by field, or decoded from its bytes, encodes to the same bytes', (t) => {
  assertProperty(
    t,
    fc.property(binaryBatch, (value) => {
      const bytes = encodeMatchedEventBatch(value);
      const rebuilt: MatchedEventBatch = {
        events: value.events.map((event) => ({ attributes: Object.fromEntries(Object.entries(event.attributes)), timestamp: event.timestamp, index: event.index, offset: event.offset })),
        source: { partitions: value.source.partitions, partition: value.source.partition, topic: value.source.topic },
        queryId: value.queryId,
        v: 2,
      };
      deepStrictEqual(encodeMatchedEventBatch(rebuilt), bytes);
      deepStrictEqual(encodeMatchedEventBatch(decodeMatchedEventBatch(bytes)), bytes);
    }),
    200,
  );
});

test('binary records: any change of one byte decodes into a batch or a DecodeError', (t) => {
  assertProperty(
    t,
    fc.property(binaryBatch, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, at, byte) => {
      const bytes = Buffer.from(encodeMatchedEventBatch(value));
      bytes[at % bytes.length] = byte;
      void decodeOutcome(() => decodeMatchedEventBatch(bytes));
    }),
    400,
  );
});
