import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { decodeDeadLetter, encodeDeadLetter, MAX_DEAD_LETTER_MESSAGE, type DeadLetter } from '../../../protocols/dead-letter/index.ts';
import { finiteNumber, hostileRecord } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/dead-letter/${name}`, import.meta.url));
const fixtures = [fixture('valid.json'), fixture('no-original.json')];

const nat = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const letter: fc.Arbitrary<DeadLetter> = fc.record(
  {
    v: fc.constant(1 as const),
    stage: fc.string({ minLength: 1, maxLength: 200 }),
    reason: fc.string({ minLength: 1, maxLength: 200 }),
    message: fc.string({ maxLength: MAX_DEAD_LETTER_MESSAGE }),
    source: fc.record({ topic: fc.string({ minLength: 1, maxLength: 40 }), partition: nat, offset: nat }, { noNullPrototype: true }),
    original: fc.option(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
    at: finiteNumber,
  },
  { noNullPrototype: true },
);

test('any bytes decode into a dead letter or a DecodeError', (t) => {
  assertProperty(t, fc.property(hostileRecord(fixtures), (bytes) => void decodeOutcome(() => decodeDeadLetter(bytes))), 400);
});

test('decoding an encoded dead letter gives it back', (t) => {
  assertProperty(t, fc.property(letter, (value) => deepStrictEqual(decodeDeadLetter(encodeDeadLetter(value)), value)), 300);
});

test('a dead letter with a message past the limit decodes with the message cut, saying so', (t) => {
  assertProperty(
    t,
    fc.property(letter, fc.integer({ min: MAX_DEAD_LETTER_MESSAGE + 1, max: 3_000_000 }), (value, length) => {
      const message = 'm'.repeat(length);
      const decoded = decodeDeadLetter(encodeDeadLetter({ ...value, message }));
      ok(decoded.message.startsWith(message.slice(0, MAX_DEAD_LETTER_MESSAGE)));
      ok(decoded.message.length < MAX_DEAD_LETTER_MESSAGE + 100);
      ok(decoded.message.endsWith(`(cut from ${length} characters)`));
    }),
    30,
  );
});

test('re-encoding a decoded dead letter is stable', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord(fixtures), (bytes) => {
      const outcome = decodeOutcome(() => decodeDeadLetter(bytes));
      if (!outcome.ok) return;
      const encoded = encodeDeadLetter(outcome.value);
      deepStrictEqual(encodeDeadLetter(decodeDeadLetter(encoded)), encoded);
    }),
    300,
  );
});
