import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { addToFacetGroups, emptyFacetGroups, finalize } from '../../../actors/aggregates/index.ts';
import { compareFacetKeys } from '../../../actors/aggregates/facet-rank.ts';
import type { AttributeValue } from '../../../protocols/event.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

const eventsOf = (...list: Record<string, AttributeValue>[]) => list.map((attributes) => ({ attributes }));

test('without FACET there is one group keyed "[]" with no values', (t) => {
  const query = parseQuery('SELECT count(*), sum(bytes) FROM T');
  const groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ bytes: 1 }, { bytes: 2 }, {}));
  t.deepEqual(Object.keys(groups.groups), ['[]']);
  const only = groups.groups['[]'];
  t.deepEqual(only.values, []);
  t.is(only.events, 3);
  t.deepEqual(finalize(query.select, only.states), { 'count(*)': 3, 'sum(bytes)': 3 });
  t.is(groups.other, null);
  t.is(groups.otherGroupsSeen, 0);
});

test('events are grouped by the tuple of facet values; a missing attribute is null', (t) => {
  const query = parseQuery('SELECT count(*) FROM T FACET host, region');
  const groups = addToFacetGroups(
    query,
    emptyFacetGroups(),
    eventsOf({ host: 'a', region: 'eu' }, { host: 'a', region: 'eu' }, { host: 'a' }, { host: 'b', region: 'eu' }, { host: 5, region: 'eu' }, { host: '5', region: 'eu' }),
  );
  t.deepEqual(
    Object.entries(groups.groups).map(([key, group]) => [key, group.values, group.events]),
    [
      ['["a","eu"]', ['a', 'eu'], 2],
      ['["a",null]', ['a', null], 1],
      ['["b","eu"]', ['b', 'eu'], 1],
      ['[5,"eu"]', [5, 'eu'], 1],
      ['["5","eu"]', ['5', 'eu'], 1],
    ],
  );
});

// Ranks of these keys (./facet-rank.ts): ["y"] < ["z"] < ["a"] < ["b"] < ["d"] < ["c"].
test('the ranks the tests below rely on', (t) => {
  const keys = ['a', 'b', 'c', 'd', 'y', 'z'].map((host) => JSON.stringify([host]));
  t.deepEqual([...keys].sort((x, y) => compareFacetKeys(x, y)), ['["y"]', '["z"]', '["a"]', '["b"]', '["d"]', '["c"]']);
});

test('beyond LIMIT distinct groups, the tuples that rank first keep theirs, whatever their order; the rest go to other and are counted', (t) => {
  const query = parseQuery('SELECT count(*), max(d) FROM T FACET host LIMIT 2');
  let groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ host: 'a', d: 1 }, { host: 'b', d: 2 }, { host: 'c', d: 3 }));
  groups = addToFacetGroups(query, groups, eventsOf({ host: 'd', d: 4 }, { host: 'c', d: 5 }, { host: 'a', d: 6 }));
  t.deepEqual(Object.keys(groups.groups).sort(), ['["a"]', '["b"]']);
  t.is(groups.groups['["a"]'].events, 2);
  t.is(groups.groups['["b"]'].events, 1);
  t.is(groups.other!.events, 3, 'c twice and d, which came after c');
  t.deepEqual(finalize(query.select, groups.other!.states), { 'count(*)': 3, 'max(d)': 5 });
  t.is(groups.otherGroupsSeen, 2, 'c and d');
});

test('a tuple that ranks before a kept one, arriving when the table is full, takes its place: the displaced group moves into other whole', (t) => {
  const query = parseQuery('SELECT count(*), sum(d), uniqueCount(u) FROM T FACET host LIMIT 1');
  const groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ host: 'a', d: 1, u: 1 }, { host: 'a', d: 2, u: 2 }, { host: 'c', d: 4, u: 1 }));
  t.deepEqual(Object.keys(groups.groups), ['["a"]']);
  addToFacetGroups(query, groups, eventsOf({ host: 'z', d: 8, u: 3 }, { host: 'a', d: 16, u: 4 }));
  t.deepEqual(Object.keys(groups.groups), ['["z"]']);
  t.is(groups.groups['["z"]'].events, 1);
  t.deepEqual(finalize(query.select, groups.other!.states), { 'count(*)': 4, 'sum(d)': 23, 'uniqueCount(u)': 3 }, 'a (before and after it was displaced) and c');
  t.is(groups.other!.events, 4);
  t.is(groups.otherGroupsSeen, 2, 'a and c');
});

test('the default limit is 100 groups', (t) => {
  const query = parseQuery('SELECT count(*) FROM T FACET id');
  const groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf(...Array.from({ length: 150 }, (_, id) => ({ id }))));
  t.is(Object.keys(groups.groups).length, 100);
  t.is(groups.other!.events, 50);
  t.is(groups.otherGroupsSeen, 50);
});

test('adding changes the groups in place: no batch copies the table, and a snapshot taken before keeps what it had', (t) => {
  const query = parseQuery('SELECT count(*), uniqueCount(u) FROM T FACET host LIMIT 1');
  const first = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ host: 'a', u: 1 }, { host: 'c' }));
  const group = first.groups['["a"]'];
  const snapshot = JSON.stringify(first);
  const second = addToFacetGroups(query, first, eventsOf({ host: 'a', u: 2 }, { host: 'c' }));
  t.is(second, first, 'the same groups');
  t.is(second.groups['["a"]'], group, 'the same group, not a copy');
  t.is(second.groups['["a"]'].events, 2);
  t.is(finalize(query.select, second.groups['["a"]'].states)['uniqueCount(u)'], 2);
  t.is(second.other!.events, 2);
  t.is(second.otherGroupsSeen, 1);
  const before = JSON.parse(snapshot) as typeof first;
  t.is(before.groups['["a"]'].events, 1, 'an encoded snapshot is its own copy');
  t.is(before.other!.events, 1);
});

test('facet groups are JSON: a restored version keeps accumulating like the original', (t) => {
  const query = parseQuery('SELECT count(*), percentile(d, 50) FROM T FACET host LIMIT 1');
  const groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ host: 'a', d: 1 }, { host: 'b', d: 2 }));
  const restored = JSON.parse(JSON.stringify(groups));
  const more = eventsOf({ host: 'a', d: 3 }, { host: 'c', d: 4 });
  t.deepEqual(addToFacetGroups(query, restored, more), addToFacetGroups(query, groups, more));
});

test('no events returns the same groups', (t) => {
  const query = parseQuery('SELECT count(*) FROM T');
  const groups = emptyFacetGroups();
  t.is(addToFacetGroups(query, groups, []), groups);
});

test('facet keys are the JSON of the values, escaping included', (t) => {
  const query = parseQuery('SELECT count(*) FROM T FACET name');
  const groups = addToFacetGroups(query, emptyFacetGroups(), eventsOf({ name: 'say "hi"\n' }, { name: true }, { name: 1.5 }));
  t.deepEqual(Object.keys(groups.groups), [JSON.stringify(['say "hi"\n']), '[true]', '[1.5]']);
});

const facetEvents = fc.array(
  fc.record({ host: fc.constantFrom('a', 'b', 'c', 'd', 1, null), region: fc.constantFrom('eu', 'us'), d: fc.integer({ min: -5, max: 5 }) }, { requiredKeys: ['d'] }),
  { maxLength: 60 },
);

test('property: adding events in batches of any size gives the same groups as adding them at once', (t) => {
  const query = parseQuery('SELECT count(*), sum(d), uniqueCount(region), percentile(d, 50) FROM T FACET host, region LIMIT 4');
  t.notThrows(() =>
    fc.assert(
      fc.property(facetEvents, fc.integer({ min: 1, max: 10 }), (list, batchSize) => {
        const all = addToFacetGroups(query, emptyFacetGroups(), eventsOf(...list));
        let batched = emptyFacetGroups();
        for (let i = 0; i < list.length; i += batchSize) batched = addToFacetGroups(query, batched, eventsOf(...list.slice(i, i + batchSize)));
        return isDeepStrictEqual(JSON.parse(JSON.stringify(batched)), JSON.parse(JSON.stringify(all)));
      }),
    ),
  );
});

/** Groups as JSON with their keys in order, so tables built in different orders compare. */
const normalized = (groups: ReturnType<typeof emptyFacetGroups>) => {
  const json = JSON.parse(JSON.stringify(groups)) as ReturnType<typeof emptyFacetGroups>;
  return { ...json, groups: Object.fromEntries(Object.entries(json.groups).sort(([a], [b]) => (a < b ? -1 : 1))) };
};

test('property: the groups kept under LIMIT and what other holds do not depend on the order events arrive in', (t) => {
  const query = parseQuery('SELECT count(*), sum(d), min(d), uniqueCount(region), percentile(d, 50) FROM T FACET host, region LIMIT 3');
  t.notThrows(() =>
    fc.assert(
      fc.property(facetEvents.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))), ([list, shuffled]) => {
        const inOrder = addToFacetGroups(query, emptyFacetGroups(), eventsOf(...list));
        const reordered = addToFacetGroups(query, emptyFacetGroups(), eventsOf(...shuffled));
        return isDeepStrictEqual(normalized(inOrder), normalized(reordered));
      }),
    ),
  );
});

test('a large table keeps its tuple lookup between batches and adds up as one batch would, "other" included', (t) => {
  const query = parseQuery('SELECT count(*), sum(d) FROM T FACET host LIMIT 100');
  const events = Array.from({ length: 3000 }, (_, i) => ({ host: `h${(i * 7919) % 250}`, d: i % 13 }));
  const all = addToFacetGroups(query, emptyFacetGroups(), eventsOf(...events));
  for (const batchSize of [1, 7, 64, 65, 500]) {
    let batched = emptyFacetGroups();
    for (let i = 0; i < events.length; i += batchSize) batched = addToFacetGroups(query, batched, eventsOf(...events.slice(i, i + batchSize)));
    t.deepEqual(JSON.parse(JSON.stringify(batched)), JSON.parse(JSON.stringify(all)), `batches of ${batchSize}`);
  }
  t.is(Object.keys(all.groups).length, 100);
  t.is(all.otherGroupsSeen, 150);
  // A restored table (plain JSON, no lookup) goes on the same way.
  const restored = JSON.parse(JSON.stringify(addToFacetGroups(query, emptyFacetGroups(), eventsOf(...events.slice(0, 1500))))) as typeof all;
  t.deepEqual(JSON.parse(JSON.stringify(addToFacetGroups(query, restored, eventsOf(...events.slice(1500))))), JSON.parse(JSON.stringify(all)));
});
