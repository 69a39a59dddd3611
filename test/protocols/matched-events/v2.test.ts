import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeMatchedEventBatch, encodeMatchedEventBatch, type MatchedEventBatch } from '../../../protocols/matched-events/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/matched-events/${name}`, import.meta.url));

const batch: MatchedEventBatch = {
  v: 2,
  queryId: 'shop-views_1',
  source: { topic: 'events.raw', partition: 3, partitions: 6 },
  events: [
    { offset: 1041, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop', country: 'US', duration: 0.3 } },
    { offset: 1041, index: 2, timestamp: 1700000001500, attributes: { appName: 'shop', country: 'FR', duration: 1.25, referrer: null } },
    { offset: 1042, index: 0, timestamp: 1700000003000, attributes: {} },
  ],
};

const decodeError = (t: import('ava').ExecutionContext, bytes: Buffer): DecodeError => t.throws(() => decodeMatchedEventBatch(bytes), { instanceOf: DecodeError })!;

test('decodes the binary fixture batch with each event\'s source offset and index', (t) => {
  t.deepEqual(decodeMatchedEventBatch(fixture('valid-v2.bin')), batch);
});

test('encodes byte for byte what the binary fixture holds, a third of the JSON', (t) => {
  const bytes = encodeMatchedEventBatch(batch);
  t.deepEqual(bytes, fixture('valid-v2.bin'));
  t.true(bytes.length * 2.5 < fixture('valid.json').length, `${bytes.length} bytes against ${fixture('valid.json').length} as JSON`);
});

test('the same decoder still reads version 1 JSON, and says which version it read', (t) => {
  const fromJson = decodeMatchedEventBatch(fixture('valid.json'));
  t.is(fromJson.v, 1);
  t.deepEqual({ ...fromJson, v: 2 }, batch);
});

test('every cut of the record throws truncated', (t) => {
  const bytes = fixture('valid-v2.bin');
  for (let length = 1; length < bytes.length; length++) {
    const error = decodeError(t, bytes.subarray(0, length));
    t.is(error.reason, 'truncated', `cut at ${length}: ${error.message}`);
  }
});

test('an empty record is not binary and fails as JSON', (t) => {
  t.is(decodeError(t, Buffer.alloc(0)).reason, 'malformed-json');
});

test('a binary record of another version throws unsupported-version', (t) => {
  const bytes = Buffer.from(fixture('valid-v2.bin'));
  bytes[1] = 3;
  const error = decodeError(t, bytes);
  t.is(error.reason, 'unsupported-version');
  t.is(error.message, 'matched-events: the binary record is version 3, this decoder reads version 2 (and JSON version 1)');
});

test('bytes after the last event throw trailing-bytes', (t) => {
  const error = decodeError(t, Buffer.concat([fixture('valid-v2.bin'), Buffer.from([0])]));
  t.is(error.reason, 'trailing-bytes');
  t.is(error.message, 'matched-events: 1 bytes follow the last event');
});

test('an unknown flag, value tag or string number throws invalid-field naming the event', (t) => {
  const flags = Buffer.from(fixture('valid-v2.bin'));
  flags[2] = 0x80;
  t.is(decodeError(t, flags).message, 'matched-events: the flags byte is 128, only bit 0 (UTF-16 strings) is defined');

  const tag = encodeMatchedEventBatch({ ...batch, events: [batch.events[2]!, { offset: 1, index: 0, timestamp: 0, attributes: { ok: true } }] });
  tag[tag.length - 2] = 9; // the tag of `ok`
  const tagError = decodeError(t, tag);
  t.is(tagError.reason, 'invalid-field');
  t.is(tagError.message, 'matched-events: event 1: an attribute value has tag 9, not one of 0 to 4');

  const name = encodeMatchedEventBatch({ ...batch, events: [{ offset: 1, index: 0, timestamp: 0, attributes: { ok: true } }] });
  name[name.length - 3] = 0x7f; // the name of `ok`
  t.is(decodeError(t, name).message, 'matched-events: event 0: an attribute name is string 126, the record holds 3');
});

test('a timestamp or number that is not finite throws invalid-field', (t) => {
  const bytes = encodeMatchedEventBatch({ ...batch, events: [{ offset: 1, index: 0, timestamp: 5, attributes: { n: 1 } }] });
  const corrupt = Buffer.from(bytes);
  corrupt.writeDoubleLE(Number.NaN, corrupt.length - 9); // the value of `n`
  t.is(decodeError(t, corrupt).message, 'matched-events: event 0: a number value is NaN, not a finite number');
  const timestamp = Buffer.from(bytes);
  timestamp.writeDoubleLE(Number.POSITIVE_INFINITY, bytes.length - 19); // before the name, tag, value and end of `n`
  t.is(decodeError(t, timestamp).message, 'matched-events: event 0: the timestamp is Infinity, not a finite number');
});

test('strings that are not UTF-8 throw malformed-text', (t) => {
  const bytes = Buffer.from(fixture('valid-v2.bin'));
  bytes[6] = 0xff; // inside the query id
  const error = decodeError(t, bytes);
  t.is(error.reason, 'malformed-text');
  t.is(error.message, 'matched-events: string 0 is not valid UTF-8');
});

test('an announced count larger than the record throws truncated before allocating', (t) => {
  const bytes = Buffer.from([0x00, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  t.is(decodeError(t, bytes).reason, 'truncated');
});

test('keeps lone surrogates, -0, "__proto__" and integers up to 2^53 - 1', (t) => {
  const attributes = JSON.parse('{"__proto__":"\\ud800x","zero":0}') as Record<string, unknown>;
  attributes.zero = -0;
  const odd: MatchedEventBatch = {
    v: 2,
    queryId: 'q\udc00',
    source: { topic: 't', partition: Number.MAX_SAFE_INTEGER, partitions: 1 },
    events: [{ offset: Number.MAX_SAFE_INTEGER, index: 0, timestamp: -1.5, attributes: attributes as MatchedEventBatch['events'][0]['attributes'] }],
  };
  const decoded = decodeMatchedEventBatch(encodeMatchedEventBatch(odd));
  t.deepEqual(decoded, odd);
  t.true(Object.is(decoded.events[0]!.attributes.zero, -0));
  t.is(Object.getPrototypeOf(decoded.events[0]!.attributes), Object.prototype);
  t.true(Object.hasOwn(decoded.events[0]!.attributes, '__proto__'));
});

test('a varint above 2^53 - 1 throws invalid-field', (t) => {
  const bytes = encodeMatchedEventBatch({ ...batch, events: [{ offset: Number.MAX_SAFE_INTEGER, index: 0, timestamp: 0, attributes: {} }] });
  const start = bytes.length - 1 - 8 - 1 - 8; // the offset's eight bytes
  bytes[start + 7] = 0x7f; // its top bits, beyond 53
  const error = decodeError(t, bytes);
  t.is(error.reason, 'invalid-field');
  t.is(error.message, `matched-events: event 0: an offset is larger than ${Number.MAX_SAFE_INTEGER}`);
});
