import test from 'ava';
import { parseQuery, compileCondition } from '../../protocols/nrql/index.ts';
import { LoadGenerator, LOAD_VALUES } from '../../pipeline/load-generator.ts';
import { BENCH_QUERIES, closingEvents } from '../../bench/suite/kafka-input.ts';
import { compareResults, resultKey } from '../../bench/suite/results-map.ts';
import { percentile, ratio, repeated } from '../../bench/suite/stats.ts';
import { chartSvg } from '../../bench/suite/chart.ts';
import { markdownTable } from '../../bench/suite/report.ts';
import type { Event } from '../../protocols/event.ts';

/** The groups (facet values) of `nrql` that `events` reach, each as a JSON key. */
function groupsReached(nrql: string, events: readonly Event[]): Set<string> {
  const query = parseQuery(nrql);
  const where = compileCondition(query.where);
  const groups = new Set<string>();
  for (const event of events) {
    if (!query.from.includes(event.eventType) || !where(event)) continue;
    groups.add(JSON.stringify(query.facet.map((name) => event.attributes[name] ?? null)));
  }
  return groups;
}

test('the closing batch reaches every group the generated data reaches, for every suite query', (t) => {
  const generator = new LoadGenerator();
  const data = Array.from({ length: 20_000 }, () => generator.event(1_700_000_000_000));
  const closing = closingEvents(1_700_000_100_000);
  t.true(closing.length > 0);
  for (const { id, nrql } of BENCH_QUERIES) {
    const reachedByData = groupsReached(nrql, data);
    const reachedByClosing = groupsReached(nrql, closing);
    t.true(reachedByData.size > 0, `${id} selects generated events`);
    for (const group of reachedByData) t.true(reachedByClosing.has(group), `${id}: the closing batch misses group ${group}`);
  }
  // Every country and every app is a facet value of some query.
  t.is(groupsReached(BENCH_QUERIES[0]!.nrql, closing).size, LOAD_VALUES.countries.length);
});

test('results compare by count per query, window and facet, and say how they differ', (t) => {
  const left = new Map([
    [resultKey('q1', 0, ['DE']), 10],
    [resultKey('q1', 0, ['US']), 5],
    [resultKey('q3', 0, null), 7],
  ]);
  t.true(compareResults(left, new Map(left)).same);
  const right = new Map([
    [resultKey('q1', 0, ['DE']), 9],
    [resultKey('q3', 0, null), 7],
    [resultKey('q3', 10_000, null), 1],
  ]);
  const comparison = compareResults(left, right);
  t.false(comparison.same);
  t.deepEqual(comparison.onlyLeft, [resultKey('q1', 0, ['US'])]);
  t.deepEqual(comparison.onlyRight, [resultKey('q3', 10_000, null)]);
  t.deepEqual(comparison.differing, [{ key: resultKey('q1', 0, ['DE']), left: 10, right: 9 }]);
  t.is(comparison.eventsMissingRight, 6);
  t.is(comparison.agreeing, 1);
});

test('repeated runs give their median and range; percentiles are nearest-rank', (t) => {
  t.deepEqual(repeated([3, 1, 2]), { median: 2, min: 1, max: 3, runs: [3, 1, 2] });
  t.is(repeated([4, 1, 2, 3]).median, 2.5);
  t.throws(() => repeated([]));
  const samples = Array.from({ length: 100 }, (_, i) => i + 1);
  t.is(percentile(samples, 50), 50);
  t.is(percentile(samples, 99), 99);
  t.true(Number.isNaN(percentile([], 50)));
  t.is(ratio(1, 3), 0.333);
  t.true(Number.isNaN(ratio(0, 3)));
});

test('the table marks each target and the chart draws every finite bar with its value', (t) => {
  const table = markdownTable('title', [
    { figure: 'a', eventide: '1', reference: '2', target: '≥ 1', met: true },
    { figure: 'b', eventide: '1', reference: '2', target: '≥ 2', met: false },
    { figure: 'c', eventide: '1', reference: '—', target: '—', met: null },
  ], ['a note']);
  t.regex(table, /\| a \| 1 \| 2 \| ≥ 1 \| met \|/);
  t.regex(table, /\| b \| 1 \| 2 \| ≥ 2 \| not met \|/);
  t.regex(table, /- a note/);
  const svg = chartSvg('heading', ['line'], [{ title: 'events/s', unit: 'events/s', bars: [
    { label: 'eventide <one node>', value: 90_000, min: 80_000, max: 95_000, ours: true },
    { label: 'peer', value: 70_000, ours: false },
    { label: 'not measured', value: Number.NaN, ours: false },
  ] }]);
  t.regex(svg, /eventide &lt;one node&gt;/);
  t.regex(svg, /90\.0k events\/s/);
  t.regex(svg, /70\.0k events\/s/);
  t.false(svg.includes('not measured'));
  t.is(svg.match(/<rect x=/g)?.length, 2);
});
