import { readFileSync } from 'node:fs';
import test from 'ava';
import { DecodeError } from '../../../protocols/errors.ts';
import { decodeWindowResult, encodeWindowResult, windowResultKey, type WindowResult } from '../../../protocols/result/index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/protocols/result/${name}`, import.meta.url));

const result: WindowResult = {
  v: 1,
  queryId: 'shop-views_1',
  windowStart: 1700000000000,
  windowEnd: 1700000060000,
  facet: ['US', 'mobile'],
  other: false,
  values: { 'average(duration)': 0.75, 'count(*)': 12, 'max(amount)': null },
  events: 12,
  complete: true,
};

const withChange = (change: (value: Record<string, any>) => void): Buffer => {
  const value = JSON.parse(fixture('valid.json').toString());
  change(value);
  return Buffer.from(JSON.stringify(value));
};

test('decodes the fixture result of a faceted window', (t) => {
  t.deepEqual(decodeWindowResult(fixture('valid.json')), result);
  t.is(windowResultKey(result), 'shop-views_1');
});

test('decodes a result without FACET of a query cancelled before its window ended', (t) => {
  const decoded = decodeWindowResult(fixture('no-facet-incomplete.json'));
  t.is(decoded.facet, null);
  t.false(decoded.complete);
  t.deepEqual(decoded.values, { 'count(*)': 0 });
});

test('encodes deterministically: the same result in any key order gives the fixture bytes', (t) => {
  const shuffled: WindowResult = {
    complete: true,
    values: { 'max(amount)': null, 'count(*)': 12, 'average(duration)': 0.75 },
    events: 12,
    other: false,
    facet: ['US', 'mobile'],
    windowEnd: 1700000060000,
    windowStart: 1700000000000,
    queryId: 'shop-views_1',
    v: 1,
  };
  t.deepEqual(encodeWindowResult(shuffled), fixture('valid.json'));
  t.deepEqual(encodeWindowResult(result), fixture('valid.json'));
  t.deepEqual(decodeWindowResult(encodeWindowResult(result)), result);
});

const failures: [string, (value: Record<string, any>) => void, string, string][] = [
  ['a window that ends where it starts', (v) => (v.windowEnd = v.windowStart), 'invalid-field', 'result: field "windowEnd" (1700000000000) must be after "windowStart" (1700000000000)'],
  ['a nested facet value', (v) => (v.facet[1] = ['x']), 'invalid-field', 'result: field "facet[1]" must be a string, number, boolean or null, got an array'],
  ['a facet that is a string', (v) => (v.facet = 'US'), 'invalid-field', 'result: field "facet" must be an array, got a string'],
  ['a value that is a string', (v) => (v.values['count(*)'] = '12'), 'invalid-field', 'result: field "values.count(*)" must be a number or null, got a string'],
  ['a missing other flag', (v) => delete v.other, 'missing-field', 'result: field "other" is missing'],
  ['a negative event count', (v) => (v.events = -1), 'invalid-field', 'result: field "events" must be an integer >= 0, got a number'],
  ['a complete flag that is a string', (v) => (v.complete = 'yes'), 'invalid-field', 'result: field "complete" must be a boolean, got a string'],
  ['no version', (v) => delete v.v, 'missing-field', 'result: field "v" is missing'],
];

for (const [what, change, reason, message] of failures) {
  test(`throws ${reason} for ${what}`, (t) => {
    const error = t.throws(() => decodeWindowResult(withChange(change)), { instanceOf: DecodeError });
    t.is(error?.reason, reason);
    t.is(error?.message, message);
  });
}

test('throws malformed-json and not-an-object for unreadable records', (t) => {
  t.is(t.throws(() => decodeWindowResult(Buffer.from('{"v":')), { instanceOf: DecodeError })?.reason, 'malformed-json');
  t.is(t.throws(() => decodeWindowResult(Buffer.from('[]')), { instanceOf: DecodeError })?.reason, 'not-an-object');
});
