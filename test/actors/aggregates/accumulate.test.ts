import test from 'ava';
import { accumulate, finalize, initialStates } from '../../../actors/aggregates/index.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

/** Runs the query's aggregates over the events and returns the finalized row. */
function aggregate(query: string, events: Record<string, AttributeValue>[]): Record<string, number | null> {
  const { select } = parseQuery(query);
  const states = initialStates(select);
  for (const attributes of events) accumulate(select, states, attributes);
  return finalize(select, states);
}

const EVENTS: Record<string, AttributeValue>[] = [
  { duration: 2, user: 'ann' },
  { duration: 4, user: 'bob' },
  { duration: '100', user: 'ann' }, // a numeric string is not a number
  { duration: null, user: null },
  { user: 'cid' },
  { duration: true },
  { duration: -3, user: 7 },
];

test('count(*) counts events; count(attr) counts events where attr is present and not null', (t) => {
  t.deepEqual(aggregate('SELECT count(*), count(duration), count(user) FROM T', EVENTS), {
    'count(*)': 7,
    'count(duration)': 5,
    'count(user)': 5,
  });
});

test('sum, average, min and max read only numeric values', (t) => {
  t.deepEqual(aggregate('SELECT sum(duration), average(duration), min(duration), max(duration) FROM T', EVENTS), {
    'sum(duration)': 3,
    'average(duration)': 1,
    'min(duration)': -3,
    'max(duration)': 4,
  });
});

test('over no values: count, sum and uniqueCount are 0; average, min, max and percentile are null', (t) => {
  const row = aggregate('SELECT count(*), count(x), sum(x), average(x), min(x), max(x), uniqueCount(x), percentile(x, 50) FROM T', [
    { x: 'not a number' },
  ]);
  t.deepEqual(row, {
    'count(*)': 1,
    'count(x)': 1,
    'sum(x)': 0,
    'average(x)': null,
    'min(x)': null,
    'max(x)': null,
    'uniqueCount(x)': 1,
    'percentile(x, 50)': null,
  });
});

test('uniqueCount counts distinct non-null values, telling a string from the number it spells', (t) => {
  const row = aggregate('SELECT uniqueCount(v) FROM T', [
    { v: 'a' }, { v: 'a' }, { v: 'b' }, { v: 5 }, { v: '5' }, { v: true }, { v: 'true' }, { v: null }, {},
  ]);
  t.is(row['uniqueCount(v)'], 6);
});

test('results are keyed by the AS labels', (t) => {
  const row = aggregate("SELECT count(*) AS 'Requests', percentile(duration, 50, 100) AS latency FROM T", [{ duration: 1 }, { duration: 3 }]);
  t.deepEqual(Object.keys(row), ['Requests', 'latency (50)', 'latency (100)']);
  t.is(row['latency (100)'], 3);
});

test('states are plain JSON: finalizing a round-tripped state gives the same row', (t) => {
  const { select } = parseQuery('SELECT count(*), average(duration), min(duration), uniqueCount(user), percentile(duration, 90) FROM T');
  const states = initialStates(select);
  for (const attributes of EVENTS) accumulate(select, states, attributes);
  const restored = JSON.parse(JSON.stringify(states));
  t.deepEqual(restored, states);
  t.deepEqual(finalize(select, restored), finalize(select, states));
  accumulate(select, restored, { duration: 10, user: 'dan' });
  t.is(finalize(select, restored)['uniqueCount(user)'], 5);
});

test('accumulate mutates the given states in place', (t) => {
  const { select } = parseQuery('SELECT count(*) FROM T');
  const states = initialStates(select);
  accumulate(select, states, {});
  t.deepEqual(states, [{ kind: 'count', count: 1 }]);
});
