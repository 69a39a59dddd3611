import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeQueryRecord, encodeQueryRecord, MAX_QUERY_TTL_MS, QUERY_ID_PATTERN, type QueryRecord } from '../../../protocols/query-record/index.ts';
import { hostileRecord } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/query-record/${name}`, import.meta.url));
const fixtures = [fixture('valid.json'), fixture('ttl-too-long.json')];

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split('');
const record: fc.Arbitrary<QueryRecord> = fc
  .record({
    id: fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 64 }),
    nrql: fc.string({ minLength: 1, maxLength: 200 }),
    createdAt: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    ttl: fc.integer({ min: 1, max: MAX_QUERY_TTL_MS }),
  })
  .map(({ ttl, ...rest }) => ({ v: 1 as const, ...rest, expiresAt: rest.createdAt + ttl }));

test('any bytes decode into a query record or a DecodeError', (t) => {
  assertProperty(t, fc.property(hostileRecord(fixtures), (bytes) => void decodeOutcome(() => decodeQueryRecord(bytes))), 400);
});

test('a decoded query record has a valid id and a lifetime of at most an hour', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord(fixtures), (bytes) => {
      const outcome = decodeOutcome(() => decodeQueryRecord(bytes));
      if (!outcome.ok) return;
      ok(QUERY_ID_PATTERN.test(outcome.value.id));
      ok(outcome.value.expiresAt > outcome.value.createdAt && outcome.value.expiresAt - outcome.value.createdAt <= MAX_QUERY_TTL_MS);
      deepStrictEqual(decodeQueryRecord(encodeQueryRecord(outcome.value)), outcome.value);
    }),
    300,
  );
});

test('decoding an encoded query record gives it back', (t) => {
  assertProperty(t, fc.property(record, (value) => deepStrictEqual(decodeQueryRecord(encodeQueryRecord(value)), value)), 300);
});

test('an id of 3 MB is quoted in short', (t) => {
  const bytes = Buffer.from(JSON.stringify({ v: 1, id: 'x'.repeat(3_000_000), nrql: 'SELECT count(*) FROM T', createdAt: 0, expiresAt: 1 }));
  const error = t.throws(() => decodeQueryRecord(bytes), { instanceOf: DecodeError });
  t.is(error!.reason, 'invalid-query-id');
  t.true(error!.message.length < 300, `${error!.message.length} characters`);
});
