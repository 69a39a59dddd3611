/**
 * A table decodes its changelog in slices and yields between them (a
 * changelog of 100,000 queries decoded in one go starved the heartbeats):
 * its subscribers still see every change, once, in changelog order.
 */
import test from 'ava';
import { MemoryLog, memoryTransport } from '../../index.ts';
import { TableStore } from '../../runtime/table-store.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { queriesTableOf } from '../../pipeline/stages.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { encodeQueryRecord, type QueryRecord } from '../../protocols/query-record/index.ts';
import type { TableChange } from '../../protocols/stage.ts';
import { mixedQuery, mixedQueryId } from '../../bench/scale/query-mix.ts';

test('a few thousand queries applied in slices reach the table and its subscriber complete and in changelog order', async (t) => {
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'table-test' });
  t.teardown(() => transport.close());
  await transport.admin().createTopics([{ name: TOPICS.queries, partitions: 1 }]);
  const producer = transport.producer();
  await producer.connect();
  const expected: TableChange<string>[] = [];
  const records = [];
  for (let i = 0; i < 6000; i++) {
    // Every seventh query is cancelled again later, and a bad record is rejected, not lost.
    const id = mixedQueryId(i);
    records.push({ topic: TOPICS.queries, partition: 0, key: id, value: encodeQueryRecord({ v: 1, id, nrql: mixedQuery(i), createdAt: 0, expiresAt: 60_000 }) });
    expected.push({ key: id, value: mixedQuery(i) });
    if (i % 7 === 3) {
      const cancelled = mixedQueryId(i - 3);
      records.push({ topic: TOPICS.queries, partition: 0, key: cancelled, value: null });
      expected.push({ key: cancelled, value: null });
    }
  }
  records.push({ topic: TOPICS.queries, partition: 0, key: 'broken', value: Buffer.from('{"v":1') });
  await producer.send(records);

  const rejected: string[] = [];
  const table = new TableStore<QueryRecord>(queriesTableOf(), ({ record }) => void rejected.push(record.key ?? ''));
  const seen: TableChange<string>[] = [];
  table.subscribe((changes) => void seen.push(...changes.map((change) => ({ key: change.key, value: change.value?.nrql ?? null }))));
  // Subscribers are told only after the start in a node; here the table is told from its first record, so all of it is seen.
  await table.start(transport.reader(), silentLogger);
  t.teardown(() => table.stop());

  t.deepEqual(seen, expected);
  t.deepEqual(rejected, ['broken']);
  const live = expected.filter((change, index) => change.value !== null && !expected.slice(index + 1).some((later) => later.key === change.key));
  t.is(table.size, live.length);
  t.deepEqual(table.snapshot().map((change) => change.key), live.map((change) => change.key));
});
