import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeMatchedEventBatch, encodeMatchedEventBatch, type MatchedEventBatch } from '../../../protocols/matched-events/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/matched-events/${name}`, import.meta.url));

const batch: MatchedEventBatch = {
  v: 1,
  queryId: 'shop-views_1',
  source: { topic: 'events.raw', partition: 3, partitions: 6 },
  events: [
    { offset: 1041, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop', country: 'US', duration: 0.3 } },
    { offset: 1041, index: 2, timestamp: 1700000001500, attributes: { appName: 'shop', country: 'FR', duration: 1.25, referrer: null } },
    { offset: 1042, index: 0, timestamp: 1700000003000, attributes: {} },
  ],
};

const withChange = (change: (value: Record<string, any>) => void): Buffer => {
  const value = JSON.parse(fixture('valid.json').toString());
  change(value);
  return Buffer.from(JSON.stringify(value));
};

test('decodes the fixture batch with each event\'s source offset and index', (t) => {
  t.deepEqual(decodeMatchedEventBatch(fixture('valid.json')), batch);
});

test('encodes byte for byte what the fixture holds', (t) => {
  t.is(encodeMatchedEventBatch(batch).toString() + '\n', fixture('valid.json').toString());
});

const failures: [string, (value: Record<string, any>) => void, string, string][] = [
  ['a missing query id', (v) => delete v.queryId, 'missing-field', 'matched-events: field "queryId" is missing'],
  ['a negative source partition', (v) => (v.source.partition = -1), 'invalid-field', 'matched-events: field "source.partition" must be an integer >= 0, got a number'],
  ['events that are not an array', (v) => (v.events = {}), 'invalid-field', 'matched-events: field "events" must be an array, got an object'],
  ['an event that is not an object', (v) => (v.events[1] = 7), 'invalid-field', 'matched-events: field "events[1]" must be an object, got a number'],
  ['a fractional offset', (v) => (v.events[2].offset = 1.5), 'invalid-field', 'matched-events: field "events[2].offset" must be an integer >= 0, got a number'],
  ['a missing timestamp', (v) => delete v.events[0].timestamp, 'missing-field', 'matched-events: field "events[0].timestamp" is missing'],
  [
    'a nested attribute',
    (v) => (v.events[1].attributes.geo = { lat: 1 }),
    'invalid-field',
    'matched-events: field "events[1].attributes.geo" must be a string, number, boolean or null, got an object',
  ],
  ['another version', (v) => (v.v = 2), 'unsupported-version', 'matched-events: field "v" is 2, this decoder reads version 1'],
];

for (const [what, change, reason, message] of failures) {
  test(`throws ${reason} for ${what}`, (t) => {
    const error = t.throws(() => decodeMatchedEventBatch(withChange(change)), { instanceOf: DecodeError });
    t.is(error?.reason, reason);
    t.is(error?.message, message);
  });
}

test('throws malformed-json and not-an-object for unreadable records', (t) => {
  t.is(t.throws(() => decodeMatchedEventBatch(Buffer.from('{')), { instanceOf: DecodeError })?.reason, 'malformed-json');
  t.is(t.throws(() => decodeMatchedEventBatch(Buffer.from('null')), { instanceOf: DecodeError })?.reason, 'not-an-object');
});

test('round-trips any valid batch', (t) => {
  const attributes = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    { maxKeys: 5 },
  );
  const matched = fc.record({
    v: fc.constant(1 as const),
    queryId: fc.string({ minLength: 1 }),
    source: fc.record({ topic: fc.string({ minLength: 1 }), partition: fc.nat(1000), partitions: fc.integer({ min: 1, max: 1000 }) }),
    events: fc.array(fc.record({ offset: fc.nat(), index: fc.nat(), timestamp: fc.nat(), attributes }), { maxLength: 10 }),
  });
  fc.assert(
    fc.property(matched, (value) => {
      t.deepEqual(decodeMatchedEventBatch(encodeMatchedEventBatch(value)), value);
    }),
  );
});
