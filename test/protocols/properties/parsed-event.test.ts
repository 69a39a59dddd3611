import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeParsedEvent, encodeParsedEvent } from '../../../protocols/parsed-event/index.ts';
import { event, hostileJsonText, hostileRecord, nestedJsonText } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const valid = readFileSync(new URL('../../fixtures/protocols/parsed-event/valid.json', import.meta.url));

test('any bytes decode into an event or a DecodeError', (t) => {
  assertProperty(t, fc.property(hostileRecord([valid]), (bytes) => void decodeOutcome(() => decodeParsedEvent(bytes))), 400);
});

test('a hostile version field is a DecodeError, whatever it holds', (t) => {
  assertProperty(
    t,
    fc.property(hostileJsonText, (hostile) => {
      const outcome = decodeOutcome(() => decodeParsedEvent(Buffer.from(`{"v":${hostile},"eventType":"A","timestamp":1}`, 'utf8')));
      ok(!outcome.ok || hostile.trim() === '1', `decoded with v = ${hostile.slice(0, 40)}`);
    }),
    200,
  );
});

test('decoding an encoded event gives it back', (t) => {
  assertProperty(t, fc.property(event, (value) => deepStrictEqual(decodeParsedEvent(encodeParsedEvent(value)), value)), 500);
});

test('re-encoding a decoded event is stable', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord([valid]), (bytes) => {
      const outcome = decodeOutcome(() => decodeParsedEvent(bytes));
      if (!outcome.ok) return;
      const encoded = encodeParsedEvent(outcome.value);
      deepStrictEqual(decodeParsedEvent(encoded), outcome.value);
      deepStrictEqual(encodeParsedEvent(decodeParsedEvent(encoded)), encoded);
    }),
    300,
  );
});

test('a version field nested 100,000 deep is a DecodeError, not a stack overflow', (t) => {
  const error = t.throws(() => decodeParsedEvent(Buffer.from(`{"v":${nestedJsonText(100_000, 'array')},"eventType":"A","timestamp":1}`)), { instanceOf: DecodeError });
  t.is(error!.reason, 'unsupported-version');
});

test('a version field of 3 MB is named in short', (t) => {
  const error = t.throws(() => decodeParsedEvent(Buffer.from(`{"v":"${'9'.repeat(3_000_000)}","eventType":"A","timestamp":1}`)), { instanceOf: DecodeError });
  t.is(error!.reason, 'unsupported-version');
  t.true(error!.message.length < 300, `${error!.message.length} characters`);
});
