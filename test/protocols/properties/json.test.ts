import { deepStrictEqual, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { boundedJson, MAX_JSON_DEPTH } from '../../../protocols/json/bounded-json.ts';
import { parseIsoTimestamp, readFlatEvent } from '../../../protocols/json/flat-event.ts';
import { isAttributeValue, parseJson, parseJsonObject } from '../../../protocols/json/json-fields.ts';
import { DEEPEST, hostileJsonText, hostileRecord, longString, nestedValue, randomBytes } from '../../helpers/arbitraries.ts';
import { assertProperty, decodeOutcome } from './typed-outcome.ts';

const sample = Buffer.from('{"eventType":"PageView","timestamp":1700000000000,"appName":"shop","tags":["a",{"b":null}]}');

/** How deep a JSON value nests, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

test('boundedJson writes small values exactly as JSON.stringify does', (t) => {
  assertProperty(
    t,
    fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
      const json = JSON.stringify(value);
      fc.pre(json.length <= 64 * 1024);
      deepStrictEqual(boundedJson(value), json);
    }),
    400,
  );
});

test('boundedJson never throws and stays within its limits, whatever the depth or length of the value', (t) => {
  const value = fc.oneof(
    fc.jsonValue(),
    fc.tuple(fc.integer({ min: 1, max: DEEPEST }), fc.jsonValue({ maxDepth: 2 })).map(([depth, leaf]) => nestedValue(depth, leaf)),
    longString(1, 1_000_000),
    fc.array(longString(1, 100_000), { maxLength: 30 }),
  );
  assertProperty(
    t,
    fc.property(value, fc.integer({ min: 1, max: 100_000 }), (v, maxChars) => {
      const json = boundedJson(v, maxChars);
      ok(json.length <= maxChars + 40, `${json.length} characters for a limit of ${maxChars}`);
      if (!json.endsWith(' characters)')) {
        const parsed: unknown = JSON.parse(json);
        ok(depthOf(parsed) <= MAX_JSON_DEPTH, 'nested deeper than the limit');
      }
    }),
    150,
  );
});

test('parseJson reads any bytes into JSON.parse\'s value or a malformed-json DecodeError', (t) => {
  assertProperty(
    t,
    fc.property(fc.oneof(randomBytes(), hostileRecord([sample]), hostileJsonText.map((text) => Buffer.from(text))), (bytes) => {
      const outcome = decodeOutcome(() => parseJson(bytes, 'contract'));
      if (!outcome.ok) {
        deepStrictEqual(outcome.error.reason, 'malformed-json');
        ok(outcome.error.message.startsWith('contract: '));
        return;
      }
      const text = bytes.toString('utf8');
      // A value nested 100,000 deep is beyond what deepStrictEqual can compare (it recurses); its depth is compared instead.
      if (depthOf(outcome.value) > 1000) return void deepStrictEqual(depthOf(outcome.value), depthOf(JSON.parse(text)));
      deepStrictEqual(outcome.value, JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text));
      const object = decodeOutcome(() => parseJsonObject(bytes, 'contract'));
      ok(object.ok || object.error.reason === 'not-an-object');
    }),
    400,
  );
});

const VERDICT_REASONS = new Set(['not-an-object', 'missing-event-type', 'missing-timestamp', 'invalid-timestamp', 'invalid-attribute']);

test('readFlatEvent turns any JSON value into an event or a rejection with a reason and a bounded message', (t) => {
  assertProperty(
    t,
    fc.property(fc.oneof(hostileJsonText, hostileRecord([sample]).map(String)), fc.boolean(), (text, isoTimestamps) => {
      let element: unknown;
      try {
        element = JSON.parse(text);
      } catch {
        return;
      }
      const verdict = readFlatEvent(element, { where: 'event 0', isoTimestamps, reservedAttributes: { v: 'reserved' } });
      if (verdict.ok) {
        ok(typeof verdict.event.eventType === 'string' && verdict.event.eventType !== '' && Number.isFinite(verdict.event.timestamp));
        ok(Object.values(verdict.event.attributes).every(isAttributeValue));
        ok(!Object.hasOwn(verdict.event.attributes, 'v'));
      } else {
        ok(VERDICT_REASONS.has(verdict.reason), verdict.reason);
        ok(verdict.message.length <= 1000, `${verdict.message.length} characters`);
      }
    }),
    400,
  );
});

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Milliseconds of a UTC date-time for any year 0 to 9999 (Date.UTC reads 0 to 99 as 1900 to 1999). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

test('parseIsoTimestamp reads any valid ISO-8601 date or date-time with zone to its epoch milliseconds', (t) => {
  const dateTime = fc
    .record({
      // Years 0 to 99 and leap days weighted up: Date.UTC reads 0 to 99 as 1900 to 1999.
      year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 1900, 2000, 2100)),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      time: fc.option(
        fc.record({
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.option(fc.integer({ min: 0, max: 59 }), { nil: null }),
          millis: fc.option(fc.integer({ min: 0, max: 999 }), { nil: null }),
          zone: fc.option(fc.tuple(fc.constantFrom(1, -1), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })), { nil: null }),
        }),
        { nil: null },
      ),
    })
    .filter(({ year, month, day }) => day <= new Date(utc(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate());
  assertProperty(
    t,
    fc.property(dateTime, ({ year, month, day, time }) => {
      const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
      if (time === null) {
        deepStrictEqual(parseIsoTimestamp(date), utc(year, month, day, 0, 0, 0, 0), date);
        return;
      }
      const { hour, minute, second, millis, zone } = time;
      const seconds = second === null ? '' : `:${pad(second, 2)}${millis === null ? '' : `.${pad(millis, 3)}`}`;
      const zoneText = zone === null ? 'Z' : `${zone[0] > 0 ? '+' : '-'}${pad(zone[1], 2)}:${pad(zone[2], 2)}`;
      const text = `${date}T${pad(hour, 2)}:${pad(minute, 2)}${seconds}${zoneText}`;
      const offset = zone === null ? 0 : zone[0] * (zone[1] * 60 + zone[2]) * 60_000;
      deepStrictEqual(parseIsoTimestamp(text), utc(year, month, day, hour, minute, second ?? 0, second === null ? 0 : millis ?? 0) - offset, text);
    }),
    500,
  );
});

test('parseIsoTimestamp returns a number or undefined for any text, never throws', (t) => {
  const almostIso = fc
    .tuple(fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/), fc.boolean(), fc.string({ maxLength: 3 }))
    .map(([text, spoiled, extra]) => (spoiled ? text + extra : text));
  assertProperty(
    t,
    fc.property(fc.oneof(fc.string(), almostIso, longString(1, 1_000_000)), (text) => {
      const millis = parseIsoTimestamp(text);
      ok(millis === undefined || Number.isFinite(millis));
    }),
    400,
  );
});

test('the 29th of February of year 0, a leap year, is a valid date', (t) => {
  t.is(parseIsoTimestamp('0000-02-29'), utc(0, 2, 29, 0, 0, 0, 0));
  t.is(parseIsoTimestamp('1900-02-29'), undefined);
});
