import test from 'ava';
import { accumulate, finalize, initialStates, mergeStates, UNIQUE_COUNT_EXACT_LIMIT } from '../../../actors/aggregates/index.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

const { select } = parseQuery('SELECT uniqueCount(user) FROM T');

function statesOf(users: AttributeValue[]) {
  const states = initialStates(select);
  for (const user of users) accumulate(select, states, { user });
  return states;
}

const countOf = (states: ReturnType<typeof statesOf>) => finalize(select, states)['uniqueCount(user)']!;
const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `user-${from + i}`);

test('uniqueCount is exact up to 1000 distinct values, however often each repeats', (t) => {
  t.is(UNIQUE_COUNT_EXACT_LIMIT, 1000);
  for (const distinct of [0, 1, 17, 999, 1000]) {
    const values = users(0, distinct);
    t.is(countOf(statesOf([...values, ...values, ...values.slice(0, 10)])), distinct);
  }
});

test('uniqueCount of 100k distinct values is within 5%', (t) => {
  const estimate = countOf(statesOf(users(0, 100_000)));
  t.true(Math.abs(estimate - 100_000) <= 5_000, `estimate ${estimate}`);
});

test('uniqueCount of numbers past the exact limit is within 5%, repeats not counted twice', (t) => {
  const values = Array.from({ length: 30_000 }, (_, i) => i * 0.25);
  const estimate = countOf(statesOf([...values, ...values]));
  t.true(Math.abs(estimate - 30_000) <= 1_500, `estimate ${estimate}`);
});

test('merging exact states is exact; merging past the limit equals accumulating the union', (t) => {
  const overlapping = mergeStates(select, statesOf(users(0, 600)), statesOf(users(300, 900)));
  t.is(countOf(overlapping), 900);
  t.deepEqual(overlapping, statesOf(users(0, 900)));

  const exactPlusExact = mergeStates(select, statesOf(users(0, 800)), statesOf(users(800, 1600)));
  t.deepEqual(exactPlusExact, statesOf(users(0, 1600)), 'two exact halves that overflow switch to the same registers');

  const estimatedPlusExact = mergeStates(select, statesOf(users(0, 5000)), statesOf(users(4000, 4500)));
  t.deepEqual(estimatedPlusExact, statesOf(users(0, 5000)));

  const estimated = mergeStates(select, statesOf(users(0, 20_000)), statesOf(users(10_000, 40_000)));
  t.deepEqual(estimated, statesOf(users(0, 40_000)));
  t.true(Math.abs(countOf(estimated) - 40_000) <= 2_000);
});

test('an estimating state is JSON and keeps counting after a round trip', (t) => {
  const restored = JSON.parse(JSON.stringify(statesOf(users(0, 10_000))));
  accumulate(select, restored, { user: 'someone new' });
  t.deepEqual(restored, statesOf([...users(0, 10_000), 'someone new']));
});
