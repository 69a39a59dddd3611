import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { accumulate, addToSketch, emptySketch, finalize, initialStates, mergeSketches, mergeStates, sketchQuantile } from '../../../actors/aggregates/index.ts';
import { parseQuery } from '../../../protocols/nrql/index.ts';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact percentile the sketch approximates: the value of rank ⌊p/100·(n−1)⌋ in sorted order. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((p / 100) * (sorted.length - 1))];
}

/** Whether `estimate` is within 1% relative error of `exact` (plus floating-point slack). */
function withinOnePercent(estimate: number | null, exact: number): boolean {
  return estimate !== null && Math.abs(estimate - exact) <= 0.01 * Math.abs(exact) + 1e-12;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

test('percentiles of a log-normal latency distribution are within 1% of the exact ones', (t) => {
  const next = random(42);
  const values = Array.from({ length: 50_000 }, () => Math.exp(Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
  const select = parseQuery(`SELECT percentile(duration, ${PERCENTILES.join(', ')}) FROM T`).select;
  const states = initialStates(select);
  for (const duration of values) accumulate(select, states, { duration });
  const row = finalize(select, states);
  for (const p of PERCENTILES) {
    const estimate = row[`percentile(duration, ${p})`];
    t.true(withinOnePercent(estimate, exactPercentile(values, p)), `p${p}: ${estimate} vs ${exactPercentile(values, p)}`);
  }
});

test('zero and negative values are handled: percentiles across signs stay within 1%', (t) => {
  const next = random(7);
  const values = Array.from({ length: 10_000 }, (_, i) => (i % 10 === 0 ? 0 : (next() - 0.6) * 1000));
  const sketch = emptySketch();
  for (const value of values) addToSketch(sketch, value);
  for (const p of PERCENTILES) {
    const exact = exactPercentile(values, p);
    t.true(withinOnePercent(sketchQuantile(sketch, p / 100), exact), `p${p}`);
  }
  t.is(sketchQuantile(sketch, 0), Math.min(...values));
  t.is(sketchQuantile(sketch, 1), Math.max(...values));
});

test('a single value is every percentile exactly; an empty sketch has none', (t) => {
  const sketch = emptySketch();
  t.is(sketchQuantile(sketch, 0.5), null);
  addToSketch(sketch, 0.123);
  t.is(sketchQuantile(sketch, 0.5), 0.123);
});

test('bins are sparse in JSON: a sketch of 100k values spanning two decades has a few hundred bins, sorted', (t) => {
  const sketch = emptySketch();
  for (let i = 0; i < 100_000; i++) addToSketch(sketch, 1 + (i % 100));
  t.true(sketch.positive.indexes.length < 300);
  t.true(JSON.stringify(sketch).length < 5_000);
  t.deepEqual(sketch.positive.indexes, [...sketch.positive.indexes].sort((a, b) => a - b));
  const far = emptySketch();
  for (const v of [0.001, 0.001, 1e6, -5]) addToSketch(far, v);
  t.is(far.positive.indexes.length, 2, 'only occupied bins are kept, however far apart');
  t.deepEqual(far.positive.counts, [2, 1]);
  t.deepEqual(far.negative.counts, [1]);
});

const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.constant(0),
  fc.integer({ min: -100, max: 100 }),
);

test('property: merging sketches of a and b gives the sketch of a ∪ b', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.array(value, { maxLength: 300 }), fc.array(value, { maxLength: 300 }), (a, b) => {
      const sketchA = emptySketch();
      const sketchB = emptySketch();
      const union = emptySketch();
      for (const v of a) addToSketch(sketchA, v);
      for (const v of b) addToSketch(sketchB, v);
      for (const v of [...a, ...b]) addToSketch(union, v);
      const merged = mergeSketches(sketchA, sketchB);
      return (
        isDeepStrictEqual(JSON.parse(JSON.stringify(merged)), JSON.parse(JSON.stringify(union))) &&
        [0, 0.5, 0.95, 1].every((q) => sketchQuantile(merged, q) === sketchQuantile(union, q))
      );
    }),
  ));
});

test('property: every percentile is within 1% of the exact value of its rank', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 500 }), fc.double({ min: 0, max: 100, noNaN: true }), (values, p) => {
      const select = parseQuery(`SELECT percentile(x, ${p}) FROM T`).select;
      const states = initialStates(select);
      for (const x of values) accumulate(select, states, { x });
      const estimate = finalize(select, states)[select[0].label];
      return withinOnePercent(estimate, exactPercentile(values, p));
    }),
  ));
});

test('merging percentile states leaves both inputs unchanged', (t) => {
  const { select } = parseQuery('SELECT percentile(x, 50) FROM T');
  const a = initialStates(select);
  const b = initialStates(select);
  accumulate(select, a, { x: 1 });
  accumulate(select, b, { x: 2 });
  const before = JSON.stringify([a, b]);
  const merged = mergeStates(select, a, b);
  t.is(JSON.stringify([a, b]), before);
  t.is(finalize(select, merged)['percentile(x, 50)'], 1);
});
