import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeWindowResult, encodeWindowResult, type WindowResult } from '../../../protocols/result/index.ts';
import { attributeValue, finiteNumber, hostileRecord } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/result/${name}`, import.meta.url));
const fixtures = [fixture('valid.json'), fixture('no-facet-incomplete.json')];

const result: fc.Arbitrary<WindowResult> = fc
  .record(
    {
      v: fc.constant(1 as const),
      queryId: fc.string({ minLength: 1, maxLength: 64 }),
      windowStart: fc.integer({ min: -8.64e15, max: 8.64e15 - 86_400_000 }),
      size: fc.integer({ min: 1, max: 86_400_000 }),
      facet: fc.option(fc.array(attributeValue, { maxLength: 4 }), { nil: null }),
      other: fc.boolean(),
      values: fc.dictionary(fc.string({ maxLength: 30 }), fc.option(finiteNumber, { nil: null }), { noNullPrototype: true }),
      events: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      complete: fc.boolean(),
    },
    { noNullPrototype: true },
  )
  .map(({ size, ...rest }) => ({ ...rest, windowEnd: rest.windowStart + size }));

test('any bytes decode into a result or a DecodeError', (t) => {
  assertProperty(t, fc.property(hostileRecord(fixtures), (bytes) => void decodeOutcome(() => decodeWindowResult(bytes))), 400);
});

test('decoding an encoded result gives it back', (t) => {
  assertProperty(t, fc.property(result, (value) => deepStrictEqual(decodeWindowResult(encodeWindowResult(value)), value)), 300);
});

test('encoding is deterministic and re-encoding a decoded result gives the same bytes', (t) => {
  assertProperty(
    t,
    fc.property(fc.oneof(result.map(encodeWindowResult), hostileRecord(fixtures)), (bytes) => {
      const outcome = decodeOutcome(() => decodeWindowResult(bytes));
      if (!outcome.ok) return;
      const encoded = encodeWindowResult(outcome.value);
      deepStrictEqual(encodeWindowResult(decodeWindowResult(encoded)), encoded);
      ok(outcome.value.windowEnd > outcome.value.windowStart);
    }),
    300,
  );
});

test('a value named by a megabyte is quoted in short', (t) => {
  const bytes = Buffer.from(JSON.stringify({ v: 1, queryId: 'q', windowStart: 0, windowEnd: 1, facet: null, other: false, values: { ['n'.repeat(1_000_000)]: 'a' }, events: 0, complete: true }));
  const error = t.throws(() => decodeWindowResult(bytes), { instanceOf: DecodeError });
  t.is(error!.reason, 'invalid-field');
  t.true(error!.message.length < 300, `${error!.message.length} characters`);
});
