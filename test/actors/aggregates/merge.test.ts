import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { accumulate, copyStates, finalize, initialStates, mergeStates } from '../../../actors/aggregates/index.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

const { select } = parseQuery(
  'SELECT count(*), count(x), sum(x), average(x), min(x), max(x), uniqueCount(x), percentile(x, 5, 50, 99) FROM T',
);

const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('a', 'b', '12', null, true),
);
const events = fc.array(fc.record({ x: attributeValue }, { requiredKeys: [] }), { maxLength: 200 });

function accumulated(list: Record<string, AttributeValue>[]) {
  const states = initialStates(select);
  for (const attributes of list) accumulate(select, states, attributes);
  return states;
}

/** Equal up to the rounding of floating-point sums, which depends on the order of addition. */
function closeRows(a: Record<string, number | null>, b: Record<string, number | null>): boolean {
  return Object.keys(a).every((label) => {
    const x = a[label];
    const y = b[label];
    if (x === null || y === null) return x === y;
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  });
}

test('property: merge(accumulate(a), accumulate(b)) finalizes like accumulate(a ∪ b)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(events, events, (a, b) => closeRows(finalize(select, mergeStates(select, accumulated(a), accumulated(b))), finalize(select, accumulated([...a, ...b])))),
    ),
  );
});

test('property: merging is commutative and the empty state is its identity', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(events, events, (a, b) => {
        const left = finalize(select, mergeStates(select, accumulated(a), accumulated(b)));
        const right = finalize(select, mergeStates(select, accumulated(b), accumulated(a)));
        const identity = mergeStates(select, accumulated(a), initialStates(select));
        return closeRows(left, right) && isDeepStrictEqual(finalize(select, identity), finalize(select, accumulated(a)));
      }),
    ),
  );
});

test('mergeStates does not change its inputs; copyStates gives an independent copy', (t) => {
  const a = accumulated([{ x: 1 }, { x: 'a' }]);
  const b = accumulated([{ x: 3 }]);
  const snapshot = JSON.stringify([a, b]);
  mergeStates(select, a, b);
  t.is(JSON.stringify([a, b]), snapshot);
  const copy = copyStates(a);
  accumulate(select, copy, { x: 100 });
  t.is(JSON.stringify([a, b]), snapshot);
  t.is(finalize(select, copy)['max(x)'], 100);
});

test('mergeStates rejects state lists that do not match the select items', (t) => {
  t.throws(() => mergeStates(select, initialStates(select), []), { instanceOf: RangeError });
});
