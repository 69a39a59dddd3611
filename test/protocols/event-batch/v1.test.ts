import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import type { Event } from '../../../protocols/event.ts';
import { decodeEventBatch, encodeEventBatch, isGzip } from '../../../protocols/event-batch/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/event-batch/${name}`, import.meta.url));

const expectedValid: Event[] = [
  {
    eventType: 'PageView',
    timestamp: 1700000000000,
    attributes: { appName: 'shop', duration: 0.3, country: 'US', loggedIn: true, referrer: null },
  },
  {
    eventType: 'PageView',
    timestamp: 1700000001500,
    attributes: { appName: 'shop', duration: 1.25, country: 'FR', loggedIn: false, referrer: 'search' },
  },
  { eventType: 'Transaction', timestamp: 1700000002000, attributes: { appName: 'checkout', amount: 42.5, currency: 'EUR' } },
];

function decodeFails(t: import('ava').ExecutionContext, bytes: Buffer, reason: string, message: RegExp, limits = {}): void {
  const error = t.throws(() => decodeEventBatch(bytes, limits), { instanceOf: DecodeError });
  t.is(error?.reason, reason);
  t.regex(error?.message ?? '', message);
}

test('decodes the fixture batch, moving eventType and timestamp out of the attributes', (t) => {
  const { events, rejected } = decodeEventBatch(fixture('valid.json'));
  t.deepEqual(events, expectedValid);
  t.deepEqual(rejected, []);
});

test('decodes a gzip-compressed batch, recognised by its magic bytes', (t) => {
  const bytes = fixture('valid.json.gz.bin');
  t.true(isGzip(bytes));
  t.deepEqual(decodeEventBatch(bytes).events, expectedValid);
});

test('converts an ISO-8601 timestamp with an offset to epoch milliseconds', (t) => {
  const { events } = decodeEventBatch(Buffer.from('[{"eventType":"A","timestamp":"2023-11-14T23:13:20+01:00"},{"eventType":"A","timestamp":"2023-11-14"}]'));
  t.deepEqual(
    events.map((event) => event.timestamp),
    [1700000000000, 1699920000000],
  );
});

test('rejects the bad events of a mixed batch one by one and keeps the good ones', (t) => {
  const { events, rejected } = decodeEventBatch(fixture('mixed.json'));
  t.deepEqual(events, [
    { eventType: 'PageView', timestamp: 1700000000000, attributes: { appName: 'shop' } },
    { eventType: 'Transaction', timestamp: 1700000000000, attributes: { amount: 9.99 } },
  ]);
  t.deepEqual(
    rejected.map(({ index, reason }) => [index, reason]),
    [
      [1, 'not-an-object'],
      [2, 'missing-event-type'],
      [3, 'missing-timestamp'],
      [4, 'invalid-timestamp'],
      [5, 'invalid-attribute'],
      [6, 'invalid-attribute'],
    ],
  );
  t.is(rejected[0].message, 'event-batch: event 1 must be a JSON object, got a string');
  t.is(rejected[1].message, 'event-batch: event 2 has no "eventType"');
  t.is(rejected[2].message, 'event-batch: event 3 (PageView) has no "timestamp"');
  t.is(
    rejected[3].message,
    'event-batch: event 4 (PageView): "timestamp" must be epoch milliseconds or an ISO-8601 date-time with a time zone, got "yesterday"',
  );
  t.is(rejected[4].message, 'event-batch: event 5 (PageView): attribute "user" must be a string, number, boolean or null, got an object');
  t.is(rejected[5].message, 'event-batch: event 6 (PageView): attribute "tags" must be a string, number, boolean or null, got an array');
  t.is(rejected[4].original, '{"eventType":"PageView","timestamp":1700000000000,"appName":"shop","user":{"id":7}}');
  t.is(rejected[0].original, '"PageView"');
});

test('rejects timestamps that are not epoch milliseconds or real ISO-8601 instants', (t) => {
  const bad = ['"2023-02-30"', '"2023-11-14T22:13:20"', '"1700000000000"', 'true', '1e400', '"2023-11-14T25:00:00Z"'];
  const batch = Buffer.from(`[${bad.map((ts) => `{"eventType":"A","timestamp":${ts}}`).join(',')}]`);
  const { events, rejected } = decodeEventBatch(batch);
  t.deepEqual(events, []);
  t.deepEqual(
    rejected.map((r) => r.reason),
    bad.map(() => 'invalid-timestamp'),
  );
});

test('rejects an empty or non-string eventType as missing', (t) => {
  const { rejected } = decodeEventBatch(Buffer.from('[{"eventType":"","timestamp":1},{"eventType":3,"timestamp":1}]'));
  t.deepEqual(
    rejected.map((r) => r.message),
    [
      'event-batch: event 0: "eventType" must be a non-empty string, got a string',
      'event-batch: event 1: "eventType" must be a non-empty string, got a number',
    ],
  );
});

test('rejects an attribute named v, the version field of parsed events', (t) => {
  const { rejected } = decodeEventBatch(Buffer.from('[{"eventType":"A","timestamp":1,"v":2}]'));
  t.is(rejected[0].reason, 'invalid-attribute');
  t.regex(rejected[0].message, /attribute "v" is reserved/);
});

test('keeps a __proto__ key as a plain attribute', (t) => {
  const { events } = decodeEventBatch(Buffer.from('[{"eventType":"A","timestamp":1,"__proto__":"x"}]'));
  t.is(Object.getPrototypeOf(events[0].attributes), Object.prototype);
  t.is(Object.getOwnPropertyDescriptor(events[0].attributes, '__proto__')?.value, 'x');
});

test('throws malformed-json for a batch that is not JSON', (t) => {
  decodeFails(t, fixture('malformed.json'), 'malformed-json', /^event-batch: the record is not valid JSON \(.+\)$/);
  decodeFails(t, Buffer.from([0x5b, 0xff, 0x5d]), 'malformed-json', /not valid UTF-8/);
});

test('throws corrupt-gzip for gzip bytes that do not inflate', (t) => {
  decodeFails(t, fixture('corrupt.gz.bin'), 'corrupt-gzip', /^event-batch: the batch starts like gzip but does not inflate/);
});

test('throws not-an-array for a batch that is a single object', (t) => {
  decodeFails(t, Buffer.from('{"eventType":"A","timestamp":1}'), 'not-an-array', /must be a JSON array of events, got an object/);
});

test('throws oversized for a batch above maxBytes', (t) => {
  decodeFails(t, fixture('valid.json'), 'oversized', /the batch is \d+ bytes, more than the limit of 100$/, { maxBytes: 100 });
});

test('throws oversized for a gzip bomb, without inflating past maxBytes', (t) => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
  t.true(bomb.length < 100_000);
  decodeFails(t, bomb, 'oversized', /inflates to more than the limit of 1048576 bytes/, { maxBytes: 1024 * 1024 });
});

test('throws too-many-events above maxEvents', (t) => {
  decodeFails(t, fixture('valid.json'), 'too-many-events', /the batch has 3 events, more than the limit of 2$/, { maxEvents: 2 });
});

test('encodes events as a flat batch, gzip-compressed on request', (t) => {
  const plain = encodeEventBatch(expectedValid.slice(0, 1));
  t.is(
    plain.toString(),
    '[{"eventType":"PageView","timestamp":1700000000000,"appName":"shop","duration":0.3,"country":"US","loggedIn":true,"referrer":null}]',
  );
  const zipped = encodeEventBatch(expectedValid, { gzip: true });
  t.true(isGzip(zipped));
  t.deepEqual(decodeEventBatch(zipped).events, expectedValid);
});

const attributeName = fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !['eventType', 'timestamp', 'v'].includes(name));
const attributeValue = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
);
const event: fc.Arbitrary<Event> = fc.record({
  eventType: fc.string({ minLength: 1 }),
  timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  attributes: fc.dictionary(attributeName, attributeValue, { maxKeys: 6 }),
});

test('round-trips any valid events, plain or gzip', (t) => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 20 }), fc.boolean(), (events, gzip) => {
      const decoded = decodeEventBatch(encodeEventBatch(events, { gzip }));
      t.deepEqual(decoded, { events, rejected: [] });
    }),
  );
});

test('an event nested 100,000 levels deep is rejected with a bounded original, not a stack overflow', (t) => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const batch = Buffer.from(`[{"eventType":"PageView","timestamp":1700000000000,"x":${deep}},{"eventType":"PageView","timestamp":1700000000000,"appName":"shop"}]`);
  const { events, rejected } = decodeEventBatch(batch);
  t.is(events.length, 1, 'the good event of the batch is kept');
  t.is(rejected.length, 1);
  t.is(rejected[0]!.reason, 'invalid-attribute');
  t.true(rejected[0]!.original.length < 1000, `the original is written in short (${rejected[0]!.original.length} characters)`);
  t.regex(rejected[0]!.original, /nested deeper than 64 levels/);
});

test('a timestamp or event type of megabytes is named in short in the rejection message', (t) => {
  const huge = 'x'.repeat(3 * 1024 * 1024);
  const { rejected } = decodeEventBatch(Buffer.from(JSON.stringify([{ eventType: 'PageView', timestamp: huge }, { eventType: huge, timestamp: 1_700_000_000_000, bad: [1] }])));
  t.deepEqual(rejected.map((r) => r.reason), ['invalid-timestamp', 'invalid-attribute']);
  for (const rejection of rejected) t.true(rejection.message.length < 500, `message of ${rejection.message.length} characters: ${rejection.message.slice(0, 200)}`);
  t.true(rejected[0]!.original.length <= 64 * 1024 + 100, 'the original is cut too');
});
