import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError, QueryValidationError } from '../../../protocols/errors.ts';
import { MAX_QUERY_TTL_MS, decodeQueryRecord, encodeQueryRecord, type QueryRecord } from '../../../protocols/query-record/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/query-record/${name}`, import.meta.url));

const query: QueryRecord = {
  v: 1,
  id: 'shop-views_1',
  nrql: "SELECT count(*) FROM PageView WHERE appName = 'shop' FACET country TIMESERIES 1 minute",
  createdAt: 1700000000000,
  expiresAt: 1700003600000,
};

function decodeFails(t: import('ava').ExecutionContext, bytes: Buffer, reason: string, message: string): void {
  const error = t.throws(() => decodeQueryRecord(bytes), { instanceOf: DecodeError });
  t.is(error?.reason, reason);
  t.is(error?.message, message);
}

const json = (fields: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ ...query, ...fields }));

test('decodes the fixture query, which lives exactly the maximum hour', (t) => {
  t.deepEqual(decodeQueryRecord(fixture('valid.json')), query);
  t.is(MAX_QUERY_TTL_MS, 3_600_000);
});

test('throws ttl-too-long for the fixture query living one millisecond more than an hour', (t) => {
  decodeFails(t, fixture('ttl-too-long.json'), 'ttl-too-long', 'query-record: query "forever" lives 3600001 ms, more than the maximum of 3600000 ms (1 hour)');
});

test('throws invalid-query-id for ids outside [A-Za-z0-9_-]{1,64}', (t) => {
  for (const id of ['', 'has space', 'slash/y', 'x'.repeat(65), 'ümlaut']) {
    decodeFails(t, json({ id }), 'invalid-query-id', `query-record: field "id" must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -, got ${JSON.stringify(id)}`);
  }
  t.is(decodeQueryRecord(json({ id: 'x'.repeat(64) })).id, 'x'.repeat(64));
});

test('throws invalid-expiry when a query expires before it is created', (t) => {
  decodeFails(t, json({ expiresAt: query.createdAt }), 'invalid-expiry', 'query-record: query "shop-views_1": field "expiresAt" (1700000000000) must be after "createdAt" (1700000000000)');
});

test('throws missing-field and invalid-field naming the field', (t) => {
  decodeFails(t, json({ nrql: undefined }), 'missing-field', 'query-record: field "nrql" is missing');
  decodeFails(t, json({ createdAt: '2023-11-14' }), 'invalid-field', 'query-record: field "createdAt" must be a finite number, got a string');
  decodeFails(t, json({ nrql: '' }), 'invalid-field', 'query-record: field "nrql" must not be empty');
  decodeFails(t, json({ v: 2 }), 'unsupported-version', 'query-record: field "v" is 2, this decoder reads version 1');
});

test('throws malformed-json and not-an-object for unreadable records', (t) => {
  const error = t.throws(() => decodeQueryRecord(Buffer.from('{"v":1')), { instanceOf: DecodeError });
  t.is(error?.reason, 'malformed-json');
  decodeFails(t, Buffer.from('"q1"'), 'not-an-object', 'query-record: the record must be a JSON object, got a string');
});

test('refuses to encode a query the decoder would reject', (t) => {
  const error = t.throws(() => encodeQueryRecord({ ...query, expiresAt: query.createdAt + MAX_QUERY_TTL_MS + 1 }), { instanceOf: QueryValidationError });
  t.regex(error?.message ?? '', /more than the maximum of 3600000 ms/);
});

test('round-trips any valid query record', (t) => {
  const record = fc.record({
    v: fc.constant(1 as const),
    id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    nrql: fc.string({ minLength: 1 }),
    createdAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    ttl: fc.integer({ min: 1, max: MAX_QUERY_TTL_MS }),
  });
  fc.assert(
    fc.property(record, ({ ttl, ...q }) => {
      const expected: QueryRecord = { ...q, expiresAt: q.createdAt + ttl };
      t.deepEqual(decodeQueryRecord(encodeQueryRecord(expected)), expected);
    }),
  );
});
