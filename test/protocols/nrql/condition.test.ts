import test from 'ava';
import type { AttributeValue, Event } from '../../../protocols/event.ts';
import { compileCondition, parseQuery } from '../../../protocols/nrql/index.ts';

/** Whether an event with these attributes matches `where` (the text after WHERE). */
function matches(where: string, attributes: Record<string, AttributeValue>, eventType = 'Transaction'): boolean {
  const event: Event = { eventType, timestamp: 1_700_000_000_000, attributes };
  return compileCondition(parseQuery(`SELECT count(*) FROM Transaction WHERE ${where}`).where)(event);
}

test('no WHERE matches every event', (t) => {
  t.true(compileCondition(null)({ eventType: 'X', timestamp: 0, attributes: {} }));
});

test('comparisons on numbers are numeric', (t) => {
  const event = { duration: 0.75 };
  t.true(matches('duration > 0.5', event));
  t.true(matches('duration >= 0.75', event));
  t.false(matches('duration < 0.5', event));
  t.true(matches('duration <= 0.75', event));
  t.true(matches('duration = 0.75', event));
  t.true(matches('duration != 1', event));
  t.true(matches('duration <> 1', event));
  t.true(matches('duration > -1', event));
  t.true(matches('duration < 10', event), '10 is greater than 0.75 numerically even though "10" < "0.75" as text');
});

test('comparisons on strings are lexical', (t) => {
  t.true(matches("host = 'web-1'", { host: 'web-1' }));
  t.true(matches("host < 'web-2'", { host: 'web-10' }));
  t.false(matches("host > 'web-2'", { host: 'web-10' }));
  t.true(matches("name = 'O''Brien'", { name: "O'Brien" }));
  t.true(matches("name = 'O\\'Brien'", { name: "O'Brien" }));
});

test('a string compared with a number is false for every operator', (t) => {
  for (const operator of ['=', '!=', '<', '<=', '>', '>=']) {
    t.false(matches(`code ${operator} 500`, { code: '500' }), `'500' ${operator} 500`);
    t.false(matches(`code ${operator} '500'`, { code: 500 }), `500 ${operator} '500'`);
  }
});

test('booleans compare by equality only', (t) => {
  t.true(matches('error = true', { error: true }));
  t.false(matches('error = true', { error: 'true' }));
  t.true(matches('error != false', { error: true }));
  t.false(matches('error > false', { error: true }));
});

test('comparing a missing or null attribute is false, even with != or NOT IN', (t) => {
  for (const attributes of [{}, { host: null }] as Record<string, AttributeValue>[]) {
    t.false(matches("host = 'a'", attributes));
    t.false(matches("host != 'a'", attributes));
    t.false(matches("host IN ('a')", attributes));
    t.false(matches("host NOT IN ('a')", attributes));
    t.false(matches("host LIKE '%'", attributes));
    t.false(matches("host NOT LIKE 'a'", attributes));
  }
});

test('IS NULL is true for a missing or null attribute; IS NOT NULL the opposite', (t) => {
  t.true(matches('host IS NULL', {}));
  t.true(matches('host IS NULL', { host: null }));
  t.false(matches('host IS NULL', { host: '' }));
  t.false(matches('host IS NOT NULL', {}));
  t.true(matches('host IS NOT NULL', { host: 0 }));
});

test('AND binds tighter than OR; NOT tighter than AND; parentheses override', (t) => {
  const event = { a: 1, b: 2, c: 3 };
  t.true(matches('a = 1 OR b = 0 AND c = 0', event), 'a = 1 OR (b = 0 AND c = 0)');
  t.false(matches('(a = 1 OR b = 0) AND c = 0', event));
  t.false(matches('NOT a = 1 AND b = 2', event), '(NOT a = 1) AND b = 2');
  t.true(matches('NOT (a = 1 AND b = 0)', event));
  t.true(matches('NOT NOT a = 1', event));
  t.false(matches('a = 0 OR b = 0 OR c = 0', event));
  t.true(matches('a = 1 AND b = 2 AND (c = 0 OR c = 3)', event));
});

test('NOT of a comparison on a missing attribute is true (two-valued logic)', (t) => {
  t.true(matches("NOT host = 'a'", {}));
});

test('IN and NOT IN match any listed value of the same type', (t) => {
  t.true(matches("region IN ('eu', 'us')", { region: 'us' }));
  t.false(matches("region IN ('eu', 'us')", { region: 'ap' }));
  t.true(matches("region NOT IN ('eu', 'us')", { region: 'ap' }));
  t.true(matches('code IN (500, 502, 503)', { code: 502 }));
  t.false(matches('code IN (500, 502)', { code: '502' }));
  t.true(matches("x IN (1, 'one', true)", { x: true }));
});

test('LIKE: % matches any run, _ exactly one character, the whole value must match', (t) => {
  t.true(matches("uri LIKE '%/cart%'", { uri: '/shop/cart?id=1' }));
  t.true(matches("uri LIKE '/shop%'", { uri: '/shop' }));
  t.false(matches("uri LIKE '/shop'", { uri: '/shop/cart' }));
  t.true(matches("host LIKE 'web-_'", { host: 'web-7' }));
  t.false(matches("host LIKE 'web-_'", { host: 'web-17' }));
  t.true(matches("host LIKE '%x_y%'", { host: 'aaxzybb' }));
  t.false(matches("host LIKE '%x_y%'", { host: 'aaxybb' }));
  t.true(matches("host NOT LIKE 'db%'", { host: 'web-1' }));
  t.false(matches("host NOT LIKE 'web%'", { host: 'web-1' }));
});

test('LIKE treats regular-expression characters literally, is case-sensitive, and \\% matches a percent sign', (t) => {
  t.true(matches("q LIKE 'a.b*(c)'", { q: 'a.b*(c)' }));
  t.false(matches("q LIKE 'a.b'", { q: 'axb' }));
  t.false(matches("host LIKE 'WEB%'", { host: 'web-1' }));
  t.true(matches("rate LIKE '100\\%'", { rate: '100%' }));
  t.false(matches("rate LIKE '100\\%'", { rate: '1000' }));
  t.false(matches("code LIKE '5%'", { code: 500 }), 'LIKE applies to strings only');
});

test('eventType and timestamp resolve to the event fields', (t) => {
  t.true(matches("eventType = 'PageView'", {}, 'PageView'));
  t.true(matches('timestamp > 0', {}));
});

test('conditions with dotted and backtick names read those attributes', (t) => {
  t.true(matches("request.uri = '/a' AND `http status` = 200", { 'request.uri': '/a', 'http status': 200 }));
});
