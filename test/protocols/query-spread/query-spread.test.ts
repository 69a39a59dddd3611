import test from 'ava';
import fc from 'fast-check';
import { partitionForKey } from '../../../protocols/partitioner.ts';
import { queryHome, spreadPartition, spreadPartitions, spreadSources } from '../../../protocols/query-spread.ts';

const layouts = fc.record({ queryId: fc.string({ minLength: 1, maxLength: 12 }), sources: fc.integer({ min: 1, max: 24 }), matched: fc.integer({ min: 1, max: 24 }) });

test('property: every source of a query goes to one partition, which lists it among its sources, and to no other', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(layouts, ({ queryId, sources, matched }) => {
        for (let source = 0; source < sources; source++) {
          const partition = spreadPartition(queryId, source, matched);
          if (partition < 0 || partition >= matched) return false;
          for (let p = 0; p < matched; p++) if (spreadSources(queryId, p, sources, matched).includes(source) !== (p === partition)) return false;
        }
        return true;
      }),
    ),
  );
});

test('property: a query spreads over min(sources, matched) partitions, its home among them, and only those have sources', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(layouts, ({ queryId, sources, matched }) => {
        const spread = spreadPartitions(queryId, sources, matched);
        const withSources = Array.from({ length: matched }, (_, p) => p).filter((p) => spreadSources(queryId, p, sources, matched).length > 0);
        return spread.length === Math.min(sources, matched) && spread.includes(queryHome(queryId, matched)) && spread.join() === withSources.join();
      }),
    ),
  );
});

test("a query's home is where its key goes today, and source 0's events stay there", (t) => {
  t.is(queryHome('q1', 6), partitionForKey('q1', 6));
  t.is(spreadPartition('q1', 0, 6), partitionForKey('q1', 6));
  const home = queryHome('q1', 6);
  t.deepEqual([0, 1, 2].map((source) => spreadPartition('q1', source, 6)), [home, (home + 1) % 6, (home + 2) % 6]);
  t.deepEqual(spreadSources('q1', home, 8, 6), [0, 6], 'with more sources than partitions, several share one');
});
