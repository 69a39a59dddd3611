import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { addToFacetGroups, emptyFacetGroups, finalize, mergeFacetGroups, type FacetGroups } from '../../../actors/aggregates/index.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

const eventsOf = (list: readonly Record<string, AttributeValue>[]) => list.map((attributes) => ({ attributes }));

/** Groups as JSON with their keys in order, so tables built in different orders compare. */
const normalized = (groups: FacetGroups) => {
  const json = JSON.parse(JSON.stringify(groups)) as FacetGroups;
  return { ...json, groups: Object.fromEntries(Object.entries(json.groups).sort(([a], [b]) => (a < b ? -1 : 1))) };
};

/** Events dealt to `partitions` partial windows by `placeOf`, each aggregated alone. */
function partialsOf(query: ReturnType<typeof parseQuery>, events: readonly Record<string, AttributeValue>[], places: readonly number[], partitions: number): FacetGroups[] {
  return Array.from({ length: partitions }, (_, p) => addToFacetGroups(query, emptyFacetGroups(), eventsOf(events.filter((_, i) => places[i] === p))));
}

const events = fc.array(
  fc.record({ host: fc.constantFrom('a', 'b', 'c', 'd', 'e', 1, null), region: fc.constantFrom('eu', 'us'), d: fc.integer({ min: -50, max: 50 }), u: fc.integer({ min: 0, max: 30 }) }, { requiredKeys: ['d', 'u'] }),
  { maxLength: 80 },
);
const split = events.chain((list) => fc.tuple(fc.constant(list), fc.integer({ min: 1, max: 5 })).chain(([l, partitions]) =>
  fc.tuple(fc.constant(l), fc.constant(partitions), fc.array(fc.integer({ min: 0, max: partitions - 1 }), { minLength: l.length, maxLength: l.length }))));

for (const nrql of [
  'SELECT count(*), sum(d), min(d), max(d), average(d), uniqueCount(u) FROM T FACET host, region LIMIT 3',
  'SELECT count(*), sum(d), uniqueCount(u) FROM T FACET host LIMIT 100',
  'SELECT count(*), max(d), percentile(d, 50, 90) FROM T FACET region LIMIT 1',
  'SELECT count(*), sum(d), uniqueCount(u) FROM T',
]) {
  test(`property: partial windows merge into the groups one actor keeps, other and its count included: ${nrql}`, (t) => {
    const query = parseQuery(nrql);
    t.notThrows(() =>
      fc.assert(
        fc.property(split, ([list, partitions, places]) => {
          const one = addToFacetGroups(query, emptyFacetGroups(), eventsOf(list));
          const merged = mergeFacetGroups(query, partialsOf(query, list, places, partitions));
          return isDeepStrictEqual(normalized(merged), normalized(one));
        }),
      ),
    );
  });
}

test('the merge keeps the tuples that rank first across every partial and counts the others, leaving the partials unchanged', (t) => {
  const query = parseQuery('SELECT count(*), sum(d) FROM T FACET host LIMIT 2');
  // Ranks: ["z"] < ["a"] < ["b"] < ["c"] (see facet-groups.test.ts).
  const left = addToFacetGroups(query, emptyFacetGroups(), eventsOf([{ host: 'a', d: 1 }, { host: 'b', d: 2 }, { host: 'c', d: 4 }]));
  const right = addToFacetGroups(query, emptyFacetGroups(), eventsOf([{ host: 'z', d: 8 }, { host: 'a', d: 16 }, { host: 'b', d: 32 }]));
  const before = JSON.stringify([left, right]);
  const merged = mergeFacetGroups(query, [left, right]);
  t.deepEqual(Object.keys(merged.groups).sort(), ['["a"]', '["z"]']);
  t.deepEqual(finalize(query.select, merged.groups['["a"]']!.states), { 'count(*)': 2, 'sum(d)': 17 });
  t.deepEqual(finalize(query.select, merged.other!.states), { 'count(*)': 3, 'sum(d)': 38 }, 'b twice and c');
  t.is(merged.otherGroupsSeen, 2, 'b and c');
  t.is(JSON.stringify([left, right]), before);
});

test('no partials, or only empty ones, merge into an empty window', (t) => {
  const query = parseQuery('SELECT count(*) FROM T FACET host');
  t.deepEqual(mergeFacetGroups(query, []), emptyFacetGroups());
  t.deepEqual(mergeFacetGroups(query, [emptyFacetGroups(), emptyFacetGroups()]), emptyFacetGroups());
});

test('uniqueCount past its exact limit merges into the very sketch one actor builds', (t) => {
  const query = parseQuery('SELECT uniqueCount(u), count(*) FROM T FACET region LIMIT 1');
  const list = Array.from({ length: 3000 }, (_, i) => ({ region: i % 3 === 0 ? 'eu' : 'us', u: (i * 7919) % 2500 }));
  const one = addToFacetGroups(query, emptyFacetGroups(), eventsOf(list));
  const merged = mergeFacetGroups(query, partialsOf(query, list, list.map((_, i) => i % 4), 4));
  t.deepEqual(normalized(merged), normalized(one));
  t.true(merged.groups[Object.keys(merged.groups)[0]!]!.states[0]!.kind === 'uniqueCount');
});
