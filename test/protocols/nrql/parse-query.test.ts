import test from 'ava';
import { QueryValidationError } from '../../../protocols/errors.ts';
import { parseQuery, projectedAttributes } from '../../../protocols/nrql/index.ts';

const FULL =
  "SELECT count(*), average(duration), percentile(duration, 95) FROM Transaction WHERE appName = 'shop' AND duration > 0.5 FACET host, region LIMIT 20 TIMESERIES 1 minute WITH LATENESS 10 seconds";

test('parses the full example into select, from, where, facet, limit, window and lateness', (t) => {
  t.deepEqual(parseQuery(FULL), {
    text: FULL,
    select: [
      { fn: 'count', attribute: null, label: 'count(*)' },
      { fn: 'average', attribute: 'duration', label: 'average(duration)' },
      { fn: 'percentile', attribute: 'duration', percentile: 95, label: 'percentile(duration, 95)' },
    ],
    from: ['Transaction'],
    where: {
      kind: 'and',
      operands: [
        { kind: 'compare', attribute: 'appName', operator: '=', value: 'shop' },
        { kind: 'compare', attribute: 'duration', operator: '>', value: 0.5 },
      ],
    },
    facet: ['host', 'region'],
    facetLimit: 20,
    windowMs: 60_000,
    latenessMs: 10_000,
  });
});

test('a minimal query gets the defaults: no WHERE, no FACET, limit 100, 1-minute windows, no lateness', (t) => {
  const query = parseQuery('SELECT count(*) FROM PageView');
  t.is(query.where, null);
  t.deepEqual(query.facet, []);
  t.is(query.facetLimit, 100);
  t.is(query.windowMs, 60_000);
  t.is(query.latenessMs, 0);
});

test('keywords and function names are case-insensitive; labels use the canonical function name', (t) => {
  const query = parseQuery("select COUNT(*), UNIQUECOUNT(user) from PageView where x = 1 facet Country timeseries 5 MINUTES with lateness 1 Hour");
  t.deepEqual(query.select.map((item) => item.label), ['count(*)', 'uniqueCount(user)']);
  t.deepEqual(query.facet, ['Country']);
  t.is(query.windowMs, 300_000);
  t.is(query.latenessMs, 3_600_000);
});

test('every aggregate function parses with its canonical label', (t) => {
  const query = parseQuery('SELECT count(*), count(user), sum(bytes), average(d), min(d), max(d), uniqueCount(user), percentile(d, 50) FROM T');
  t.deepEqual(
    query.select.map((item) => [item.fn, item.attribute, item.label]),
    [
      ['count', null, 'count(*)'],
      ['count', 'user', 'count(user)'],
      ['sum', 'bytes', 'sum(bytes)'],
      ['average', 'd', 'average(d)'],
      ['min', 'd', 'min(d)'],
      ['max', 'd', 'max(d)'],
      ['uniqueCount', 'user', 'uniqueCount(user)'],
      ['percentile', 'd', 'percentile(d, 50)'],
    ],
  );
});

test('percentile with several percentiles yields one select item per percentile', (t) => {
  const query = parseQuery('SELECT percentile(duration, 50, 95, 99.9) FROM T');
  t.deepEqual(query.select, [
    { fn: 'percentile', attribute: 'duration', percentile: 50, label: 'percentile(duration, 50)' },
    { fn: 'percentile', attribute: 'duration', percentile: 95, label: 'percentile(duration, 95)' },
    { fn: 'percentile', attribute: 'duration', percentile: 99.9, label: 'percentile(duration, 99.9)' },
  ]);
});

test('AS gives a label, quoted or bare; a labelled multi-percentile suffixes each percentile', (t) => {
  const query = parseQuery("SELECT count(*) AS 'Requests', average(duration) AS avgDuration, percentile(duration, 50, 99) AS latency FROM T");
  t.deepEqual(query.select.map((item) => item.label), ['Requests', 'avgDuration', 'latency (50)', 'latency (99)']);
});

test('names may contain dots or be backtick-quoted, which also allows keywords as names', (t) => {
  const query = parseQuery('SELECT average(`response time`), max(request.duration) FROM `My Events`, Other FACET `limit`, request.uri');
  t.deepEqual(query.select.map((item) => item.attribute), ['response time', 'request.duration']);
  t.deepEqual(query.from, ['My Events', 'Other']);
  t.deepEqual(query.facet, ['limit', 'request.uri']);
});

test('FROM takes several event types and drops duplicates', (t) => {
  t.deepEqual(parseQuery('SELECT count(*) FROM PageView, Transaction, PageView').from, ['PageView', 'Transaction']);
});

test('clauses after FROM may come in any order', (t) => {
  const a = parseQuery("SELECT count(*) FROM T WITH LATENESS 5 sec TIMESERIES 10 seconds LIMIT 3 FACET host WHERE x = 'y'");
  const b = parseQuery("SELECT count(*) FROM T WHERE x = 'y' FACET host LIMIT 3 TIMESERIES 10 seconds WITH LATENESS 5 sec");
  t.deepEqual({ ...a, text: '' }, { ...b, text: '' });
});

test('time units: second(s), sec, minute(s), min, hour(s), a bare unit and fractions', (t) => {
  const windowOf = (clause: string) => parseQuery(`SELECT count(*) FROM T TIMESERIES ${clause}`).windowMs;
  t.is(windowOf('1 second'), 1_000);
  t.is(windowOf('30 seconds'), 30_000);
  t.is(windowOf('15 sec'), 15_000);
  t.is(windowOf('2 min'), 120_000);
  t.is(windowOf('1 minute'), 60_000);
  t.is(windowOf('hour'), 3_600_000);
  t.is(windowOf('1.5 hours'), 5_400_000);
  t.is(windowOf('24 hours'), 86_400_000);
  t.is(parseQuery('SELECT count(*) FROM T TIMESERIES').windowMs, 60_000);
  t.is(parseQuery('SELECT count(*) FROM T WITH LATENESS 0').latenessMs, 0);
});

test('LIMIT MAX means 10000 facet groups', (t) => {
  t.is(parseQuery('SELECT count(*) FROM T FACET host LIMIT MAX').facetLimit, 10_000);
  t.is(parseQuery('SELECT count(*) FROM T FACET host LIMIT 10000').facetLimit, 10_000);
});

test('a trailing semicolon and line breaks are tolerated', (t) => {
  const query = parseQuery('SELECT count(*)\nFROM T\nWHERE x = 1;');
  t.deepEqual(query.from, ['T']);
});

test('semantic errors throw QueryValidationError with a clear message', (t) => {
  const cases: [string, RegExp][] = [
    ['SELECT median(x) FROM T', /Unknown aggregate function 'median'; supported are count, sum, average, min, max, uniqueCount, percentile/],
    ['SELECT percentile(d, 101) FROM T', /Percentile 101 is out of range; it must be between 0 and 100/],
    ['SELECT percentile(d, -1) FROM T', /Percentile -1 is out of range/],
    ['SELECT count(*) FROM T TIMESERIES 0.5 seconds', /The TIMESERIES window is 500 ms; it must be at least 1 second/],
    ['SELECT count(*) FROM T TIMESERIES 25 hours', /must be at most 1 day/],
    ['SELECT count(*) FROM T WITH LATENESS -5 seconds', /WITH LATENESS is -5000 ms; it must be at least 0/],
    ['SELECT count(*) FROM T FACET a LIMIT 0', /LIMIT 0 is invalid; it must be a whole number from 1 to 10000/],
    ['SELECT count(*) FROM T FACET a LIMIT 10001', /LIMIT 10001 is invalid/],
    ['SELECT count(*) FROM T FACET a LIMIT 2.5', /LIMIT 2.5 is invalid/],
    ['SELECT count(*), count(*) FROM T', /Two select items share the label 'count\(\*\)'/],
  ];
  for (const [text, message] of cases) {
    const error = t.throws(() => parseQuery(text), { instanceOf: QueryValidationError }, text);
    t.regex(error!.message, message, text);
  }
});

test('projectedAttributes lists what aggregates and facets read, sorted and unique', (t) => {
  t.deepEqual(projectedAttributes(parseQuery(FULL)), ['duration', 'host', 'region']);
  t.deepEqual(projectedAttributes(parseQuery("SELECT count(*) FROM T WHERE appName = 'x'")), []);
  t.deepEqual(projectedAttributes(parseQuery('SELECT uniqueCount(user), sum(b) FROM T FACET user')), ['b', 'user']);
});

test('a definition survives a JSON round trip unchanged', (t) => {
  const query = parseQuery(FULL);
  t.deepEqual(JSON.parse(JSON.stringify(query)), query);
});
