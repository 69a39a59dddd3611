import { readFileSync } from 'node:fs';
import { deepStrictEqual, ok } from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import fc from 'fast-check';
import { decodeEventBatch, encodeEventBatch, RESERVED_ATTRIBUTES } from '../../../protocols/event-batch/index.ts';
import { isAttributeValue } from '../../../protocols/json/json-fields.ts';
import { MAX_JSON_DEPTH } from '../../../protocols/json/bounded-json.ts';
import { deepJsonText, event, hostileJsonText, hostileRecord, longString, mutatedJson, randomGzip } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/event-batch/${name}`, import.meta.url));
const fixtures = ['valid.json', 'mixed.json', 'malformed.json', 'valid.json.gz.bin', 'corrupt.gz.bin'].map(fixture);
const jsonFixtures = [fixture('valid.json'), fixture('mixed.json')];

const BATCH_REASONS = new Set(['oversized', 'corrupt-gzip', 'malformed-json', 'not-an-array', 'too-many-events']);
const EVENT_REASONS = new Set(['not-an-object', 'missing-event-type', 'missing-timestamp', 'invalid-timestamp', 'invalid-attribute']);

/** What a decoded batch promises: every element is either an event or a rejection with a bounded original. */
function checkBatch(bytes: Buffer): void {
  const outcome = decodeOutcome(() => decodeEventBatch(bytes));
  if (!outcome.ok) {
    ok(BATCH_REASONS.has(outcome.error.reason), `unexpected batch reason ${outcome.error.reason}`);
    return;
  }
  const { events, rejected } = outcome.value;
  for (const decoded of events) {
    ok(typeof decoded.eventType === 'string' && decoded.eventType !== '');
    ok(Number.isFinite(decoded.timestamp));
    for (const name of Object.keys(decoded.attributes)) {
      ok(isAttributeValue(decoded.attributes[name]), `attribute ${name.slice(0, 20)} is not an attribute value`);
      ok(!Object.hasOwn(RESERVED_ATTRIBUTES, name));
    }
  }
  for (const rejection of rejected) {
    ok(EVENT_REASONS.has(rejection.reason), `unexpected event reason ${rejection.reason}`);
    ok(rejection.message.length <= 1000, `a rejection's message is ${rejection.message.length} characters`);
    ok(rejection.original.length <= 64 * 1024 + 100, `a rejection's original is ${rejection.original.length} characters`);
  }
}

test('any bytes decode into a batch or a DecodeError: random, gzip of garbage, deep, huge, cut or mutated fixtures', (t) => {
  assertProperty(t, fc.property(hostileRecord(fixtures), checkBatch), 300);
});

test('gzip of random bytes, whole or damaged, decodes or is a DecodeError', (t) => {
  assertProperty(t, fc.property(randomGzip, checkBatch), 150);
});

test('an event of hostile JSON among good ones is rejected on its own, gzip or not, and the good ones are kept', (t) => {
  const good = { eventType: 'PageView', timestamp: 1700000000000, attributes: { appName: 'shop' } };
  assertProperty(
    t,
    fc.property(hostileJsonText, fc.boolean(), (hostile, gzip) => {
      const json = Buffer.from(`[{"eventType":"PageView","timestamp":1700000000000,"appName":"shop"},${hostile}]`, 'utf8');
      const outcome = decodeOutcome(() => decodeEventBatch(gzip ? gzipSync(json) : json));
      if (!outcome.ok) return; // the hostile text was not JSON: the whole batch is malformed
      deepStrictEqual(outcome.value.events[0], good);
      ok(outcome.value.events.length + outcome.value.rejected.length === 2);
      checkBatch(json);
    }),
    150,
  );
});

test('a batch of events nested up to 100,000 levels deep, or with megabyte strings, is a batch of rejections or a DecodeError', (t) => {
  assertProperty(
    t,
    fc.property(fc.array(fc.oneof(deepJsonText(), longString(100_000, 1_000_000).map((text) => JSON.stringify(text))), { minLength: 1, maxLength: 3 }), (elements) => {
      checkBatch(Buffer.from(`[${elements.join(',')}]`, 'utf8'));
    }),
    20,
  );
});

test('a valid batch with one field replaced by a hostile value decodes or is a DecodeError', (t) => {
  assertProperty(t, fc.property(fc.constantFrom(...jsonFixtures).chain(mutatedJson), checkBatch), 200);
});

test('decoding an encoded batch gives back its events, gzip or not', (t) => {
  assertProperty(
    t,
    fc.property(fc.array(event, { maxLength: 20 }), fc.boolean(), (events, gzip) => {
      deepStrictEqual(decodeEventBatch(encodeEventBatch(events, { gzip })), { events, rejected: [] });
    }),
    300,
  );
});

test('re-encoding what a batch decoded to is stable: it decodes to the same events', (t) => {
  assertProperty(
    t,
    fc.property(hostileRecord(fixtures), (bytes) => {
      const outcome = decodeOutcome(() => decodeEventBatch(bytes));
      if (!outcome.ok) return;
      const again = decodeEventBatch(encodeEventBatch(outcome.value.events));
      deepStrictEqual(again, { events: outcome.value.events, rejected: [] });
    }),
    200,
  );
});

test('the original of an event nested 100,000 deep is cut at 64 levels and says so', (t) => {
  const { rejected } = decodeEventBatch(Buffer.from(`[${'[{"a":'.repeat(50_000)}1${'}]'.repeat(50_000)}]`));
  t.is(rejected.length, 1);
  t.is(rejected[0].reason, 'not-an-object');
  t.regex(rejected[0].original, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
});
