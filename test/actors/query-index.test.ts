/** The match stage's query index: compiled once per record, updated change by change as the queries table arrives. */
import test from 'ava';
import { buildQueryIndex, emptyQueryIndex, updateQueryIndex, type QueryChange } from '../../actors/query-index.ts';
import { LoadGenerator } from '../../pipeline/load-generator.ts';
import { mixedQuery, mixedQueryId } from '../../bench/scale/query-mix.ts';

test('an index updated change by change answers as one built from the whole table, in the order queries joined', (t) => {
  const record = (id: string, nrql: string) => ({ v: 1 as const, id, nrql, createdAt: 0, expiresAt: 9e15 });
  const table: Record<string, ReturnType<typeof record>> = {};
  let index = emptyQueryIndex();
  for (let i = 0; i < 3000; i++) {
    const id = mixedQueryId(i);
    const changes: QueryChange[] = [{ key: id, value: record(id, mixedQuery(i)) }];
    if (i % 5 === 4) changes.push({ key: mixedQueryId(i - 2), value: null });
    if (i % 11 === 10) changes.push({ key: mixedQueryId(i - 5), value: record(mixedQueryId(i - 5), 'SELECT count(*) FROM Transaction WHERE') });
    if (i % 13 === 12) changes.push({ key: mixedQueryId(i - 6), value: record(mixedQueryId(i - 6), "SELECT count(*) FROM Transaction WHERE host = 'web-1'") });
    for (const change of changes) {
      if (change.value === null) delete table[change.key];
      else table[change.key] = change.value;
    }
    index = updateQueryIndex(index, changes, false);
  }
  const whole = buildQueryIndex(table);
  const ids = (built: typeof index) => Object.fromEntries([...built.byEventType].map(([eventType, list]) => [eventType, list.map((query) => query.id)]));
  t.deepEqual(ids(index), ids(whole));
  t.deepEqual([...index.invalid].sort(), [...whole.invalid].sort());
  t.true(index.invalid.size > 0 && whole.byEventType.get('Transaction')!.length > 0);
  const generator = new LoadGenerator({ batchSize: 100 });
  for (let n = 0; n < 500; n++) {
    const event = generator.event(0);
    const matching = (built: typeof index) => (built.byEventType.get(event.eventType) ?? []).filter((query) => query.test(event)).map((query) => query.id);
    t.deepEqual(matching(index), matching(whole));
  }
});
