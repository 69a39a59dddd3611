import test from 'ava';
import fc from 'fast-check';
import { DecodeError } from '../../../protocols/errors.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';
import { decodePartialWindow, encodePartialWindow } from '../../../protocols/partial-window/index.ts';
import { addToFacetGroups, emptyFacetGroups, mergeFacetGroups, readFacetGroups, type FacetGroups } from '../../../actors/aggregates/index.ts';

const QUERY = parseQuery('SELECT count(*), sum(d), average(d), min(d), max(d), uniqueCount(u), percentile(d, 90) FROM T FACET host LIMIT 3');
const eventsOf = (list: readonly Record<string, AttributeValue>[]) => list.map((attributes) => ({ attributes }));
const json = (groups: FacetGroups): unknown => JSON.parse(JSON.stringify(groups));
const sample = () => addToFacetGroups(QUERY, emptyFacetGroups(), eventsOf(Array.from({ length: 40 }, (_, i) => ({ host: `h${i % 5}`, d: i - 7, u: i % 9 }))));

test('groups read back as the aggregate keeps them, other included', (t) => {
  const groups = sample();
  t.truthy(groups.other);
  t.deepEqual(readFacetGroups(json(groups), QUERY), groups);
});

test('property: the partials of a window, through their record on events.matched and back, merge into what one actor keeps', (t) => {
  const events = fc.array(fc.record({ host: fc.constantFrom('a', 'b', 'c', 'd', 'e'), d: fc.integer({ min: -20, max: 20 }), u: fc.integer({ min: 0, max: 5 }) }), { maxLength: 60 });
  t.notThrows(() =>
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 4 }), (list, partitions) => {
        const partials = Array.from({ length: partitions }, (_, from) => {
          const groups = addToFacetGroups(QUERY, emptyFacetGroups(), eventsOf(list.filter((_, i) => i % partitions === from)));
          const record = encodePartialWindow({ v: 1, queryId: 'q', windowStart: 0, windowEnd: 60_000, from, complete: true, groups });
          return readFacetGroups(decodePartialWindow(record).groups, QUERY);
        });
        const one = addToFacetGroups(QUERY, emptyFacetGroups(), eventsOf(list));
        const sorted = (g: FacetGroups) => JSON.stringify({ ...g, groups: Object.fromEntries(Object.entries(g.groups).sort(([a], [b]) => (a < b ? -1 : 1))) });
        return sorted(mergeFacetGroups(QUERY, partials)) === sorted(one);
      }),
    ),
  );
});

test('groups that do not fit the query are an invalid-groups DecodeError naming where', (t) => {
  const base = json(sample()) as { groups: Record<string, { values: unknown[]; states: Record<string, unknown>[]; events: number }>; other: unknown; otherGroupsSeen: number };
  const firstKey = Object.keys(base.groups)[0]!;
  const broken = (change: (copy: typeof base) => void): unknown => {
    const copy = structuredClone(base);
    change(copy);
    return copy;
  };
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [], /groups must be an object/],
    ['a state of another kind', broken((c) => (c.groups[firstKey]!.states[0] = { kind: 'sum', sum: 1 })), /states\[0\]\.kind must be "count"/],
    ['a state missing', broken((c) => c.groups[firstKey]!.states.pop()), /must hold 7 states/],
    ['a negative count', broken((c) => (c.groups[firstKey]!.states[0] = { kind: 'count', count: -1 })), /count must be an integer >= 0/],
    ['a key that is not its values', broken((c) => (c.groups[firstKey]!.values = ['elsewhere'])), /is not keyed by the JSON of its values/],
    ['more groups than the LIMIT', broken((c) => (c.groups['["extra"]'] = { ...c.groups[firstKey]!, values: ['extra'] })), /above the query's LIMIT 3/],
    ['unsorted exact values', broken((c) => (c.groups[firstKey]!.states[5] = { kind: 'uniqueCount', exact: ['n:2', 'n:1'], registers: null })), /exact\[1\] must be a string after the one before/],
    ['registers of the wrong size', broken((c) => (c.groups[firstKey]!.states[5] = { kind: 'uniqueCount', exact: null, registers: [0, 1] })), /either its exact values or 4096 registers/],
    ['sketch bins out of order', broken((c) => ((c.groups[firstKey]!.states[6] as { sketch: { positive: unknown } }).sketch.positive = { indexes: [3, 1], counts: [1, 1] })), /indexes\[1\] must be an integer above the one before/],
  ];
  for (const [what, value, message] of cases) {
    const error = t.throws(() => readFacetGroups(value, QUERY), { instanceOf: DecodeError }, what);
    t.is(error?.reason, 'invalid-groups', what);
    t.regex(error?.message ?? '', message, what);
  }
});
