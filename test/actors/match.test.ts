import test from 'ava';
import { matchMachine } from '../../actors/match.ts';
import { decodeMatchedEventBatch } from '../../protocols/matched-events/index.ts';
import type { Event } from '../../protocols/event.ts';
import type { QueryRecord } from '../../protocols/query-record/index.ts';
import type { OutputRecord } from '../../protocols/stage.ts';
import { ingestStage, matchStage } from '../../pipeline/stages.ts';
import { pipelineTopicNames } from '../../pipeline/topics.ts';
import { hostMachine } from './hosted-machine.ts';
import { buildQueryIndex } from '../../actors/query-index.ts';

const NOW = 1_700_000_000_000;
const input = { stage: 'match', partition: 1, inputPartitions: 3, now: NOW, inputTopic: 'tenant-a.events.parsed', matchedTopic: 'tenant-a.events.matched' };
const query = (id: string, expiresAt: number): QueryRecord => ({ v: 1, id, nrql: "SELECT count(*) FROM PageView WHERE appName = 'shop' TIMESERIES 1 minute", createdAt: NOW - 60_000, expiresAt });
const event = (appName: string): Event => ({ eventType: 'PageView', timestamp: NOW - 1000, attributes: { appName } });
const batch = (events: Event[], now: number) => ({
  type: 'eventide.batch' as const,
  partition: 1,
  records: events.map((value, offset) => ({ offset, key: null, headers: {}, timestamp: now, value })),
  nextOffset: events.length,
  now,
});
const outputs = (emitted: readonly { type: string; records?: readonly OutputRecord[] }[]): OutputRecord[] => emitted.flatMap((emission) => (emission.type === 'eventide.output' ? emission.records! : []));

test('matched events go to the matched topic the stage names, keyed by query, with their source', (t) => {
  const match = hostMachine(matchMachine, input);
  match.send({ type: 'eventide.table', table: 'queries', reset: true, changes: [{ key: 'q1', value: query('q1', NOW + 60_000) }], now: NOW });
  match.send(batch([event('shop'), event('blog'), event('shop')], NOW));
  const records = outputs(match.emitted);
  t.deepEqual(records.map((record) => [record.topic, record.key]), [['tenant-a.events.matched', 'q1']]);
  const matched = decodeMatchedEventBatch(records[0]!.value as Buffer);
  t.deepEqual(matched.source, { topic: 'tenant-a.events.parsed', partition: 1, partitions: 3 });
  t.deepEqual(matched.events.map((e) => e.offset), [0, 2]);
});

test('a query expires by the time of the batch being matched: no tick is needed', (t) => {
  const match = hostMachine(matchMachine, input);
  match.send({ type: 'eventide.table', table: 'queries', reset: true, changes: [{ key: 'q1', value: query('q1', NOW + 1000) }], now: NOW });
  match.send(batch([event('shop')], NOW + 999));
  match.send(batch([event('shop')], NOW + 1000));
  t.deepEqual(outputs(match.emitted).map((record) => decodeMatchedEventBatch(record.value as Buffer).events.length), [1], 'matched before its expiry, not from it on');
  t.is(matchStage().tick, undefined, 'the match stage declares no tick');
  t.is(ingestStage({ topics: pipelineTopicNames({ prefix: 'tenant-a.' }) }).tick, undefined, 'nor the fused ingest stage');
});

test('the routine messages of a match stage (tables, restored on start, revoke on leaving) are handled, none reported as unhandled', (t) => {
  const match = hostMachine(matchMachine, input);
  match.send({ type: 'eventide.table', table: 'queries', reset: true, changes: [], now: NOW });
  match.send({ type: 'eventide.restored', from: 'earliest', published: [], now: NOW });
  match.send(batch([event('shop')], NOW));
  match.send({ type: 'eventide.table', table: 'queries', reset: false, changes: [{ key: 'q1', value: null }], now: NOW });
  match.send({ type: 'eventide.revoke', now: NOW });
  t.deepEqual(match.unhandled, []);
});

test('a message a match stage is never sent (a tick, a publication, another table) is reported, not silently applied', (t) => {
  const match = hostMachine(matchMachine, input);
  match.send({ type: 'eventide.tick', now: NOW });
  match.send({ type: 'eventide.published', key: 'k', nextOffset: 1 });
  match.send({ type: 'eventide.table', table: 'limits', reset: true, changes: [], now: NOW });
  t.deepEqual(match.unhandled, ['{}: eventide.tick', '{}: eventide.published', '{}: eventide.table']);
});

test('an index rebuilt after one query changed compiles only that query; a changed record is compiled again', (t) => {
  const record = (id: string, nrql: string) => ({ v: 1 as const, id, nrql, createdAt: 0, expiresAt: 9e15 });
  const a = record('a', "SELECT count(*) FROM PageView WHERE appName = 'shop' TIMESERIES 1 minute");
  const first = buildQueryIndex({ a });
  const second = buildQueryIndex({ a, b: record('b', 'SELECT count(*) FROM Transaction TIMESERIES 1 minute') });
  t.is(second.byEventType.get('PageView')![0], first.byEventType.get('PageView')![0], 'the same compiled query, not parsed again');
  const changed = buildQueryIndex({ a: record('a', "SELECT count(*) FROM PageView WHERE appName = 'blog' TIMESERIES 1 minute") });
  const shop = { eventType: 'PageView', timestamp: 0, attributes: { appName: 'shop' } };
  t.true(first.byEventType.get('PageView')![0]!.test(shop));
  t.false(changed.byEventType.get('PageView')![0]!.test(shop), 'a new record for the same id is compiled from its own NRQL');
});
