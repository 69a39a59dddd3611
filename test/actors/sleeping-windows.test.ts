import test from 'ava';
import { createActor } from 'xstate';
import { partitionSupervisorMachine, type SupervisorMessage } from '../../actors/partition-supervisor.ts';
import { canonicalJson } from '../../protocols/json/canonical-json.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import type { MatchedEventBatch } from '../../protocols/matched-events/index.ts';
import type { QueryRecord } from '../../protocols/query-record/index.ts';
import type { StageEmission, StageRecord } from '../../protocols/stage.ts';

const W = 1000;
const NOW = 1_700_000_000_000;
const WINDOWS = 1000;
const T0 = NOW - WINDOWS * W;
const query: QueryRecord = { v: 1, id: 'many', nrql: 'SELECT count(*), sum(duration) FROM PageView FACET country TIMESERIES 1 second WITH LATENESS 2 days', createdAt: NOW, expiresAt: NOW + 86_400_000 };

function supervisor(snapshot?: unknown) {
  const emitted: StageEmission[] = [];
  const actor = createActor(partitionSupervisorMachine, {
    input: { stage: 'aggregate', partition: 0, inputPartitions: 1, now: NOW, resultsTopic: 'results', idleTimeoutMs: 3_600_000 },
    ...(snapshot === undefined ? {} : { snapshot: snapshot as never }),
  });
  for (const type of ['eventide.output', 'eventide.publish', 'eventide.deadletter'] as const) actor.on(type, (emission) => emitted.push(emission as StageEmission));
  actor.start();
  actor.send({ type: 'eventide.table', table: 'queries', reset: true, changes: [{ key: query.id, value: query }], now: NOW });
  actor.send({ type: 'eventide.restored', from: snapshot === undefined ? 'earliest' : 'snapshot', published: [], now: NOW });
  return { actor, emitted, send: (message: SupervisorMessage) => actor.send(message) };
}

/** Three events per window, in two countries, 500 events a batch. */
function batches(fromOffset: number): SupervisorMessage[] {
  const events = Array.from({ length: WINDOWS * 3 }, (_, i) => ({ offset: i, index: 0, timestamp: T0 + Math.floor(i / 3) * W, attributes: { country: i % 3 === 0 ? 'fr' : 'de', duration: i % 7 } }));
  const out: SupervisorMessage[] = [];
  for (let i = 0; i < events.length; i += 500) {
    const offset = fromOffset + out.length;
    const value: MatchedEventBatch = { v: 1, queryId: query.id, source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: events.slice(i, i + 500) };
    const record: StageRecord<MatchedEventBatch> = { offset, key: query.id, headers: {}, timestamp: NOW, value };
    out.push({ type: 'eventide.batch', partition: 0, records: [record], nextOffset: offset + 1, now: NOW });
  }
  return out;
}

/** A batch whose watermark passes every window (and whose own event opens one more, far ahead). */
const closingBatch = (offset: number): SupervisorMessage => ({
  type: 'eventide.batch', partition: 0, nextOffset: offset + 1, now: NOW,
  records: [{ offset, key: query.id, headers: {}, timestamp: NOW, value: { v: 1, queryId: query.id, source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: [{ offset: 0, index: 0, timestamp: NOW + 3 * 86_400_000, attributes: { country: 'fr', duration: 1 } }] } }],
});

const results = (emitted: StageEmission[]) =>
  emitted.flatMap((e) => (e.type === 'eventide.publish' ? e.records.map((r) => { const result = decodeWindowResult(r.value as Buffer); return `${result.windowStart} ${JSON.stringify(result.facet)} ${JSON.stringify(result.values)} ${result.events}`; }) : []));

const windowsOf = (actor: ReturnType<typeof supervisor>['actor']) => actor.getSnapshot().children['q:many']!.getSnapshot() as { children: Record<string, unknown>; context: { asleep: Record<string, unknown>; windows: Record<string, true> } };

test('1,000 restored windows sleep as data until a message reaches them, then publish the results a run without the restore publishes', (t) => {
  const straight = supervisor();
  for (const message of batches(0)) straight.send(message);
  const persisted = JSON.parse(JSON.stringify(straight.actor.getPersistedSnapshot()));
  straight.send(closingBatch(100));

  const restored = supervisor(persisted);
  const queryActor = windowsOf(restored.actor);
  t.is(Object.keys(queryActor.context.asleep).length, WINDOWS);
  t.is(Object.keys(queryActor.children).length, 0);
  t.is(Object.keys(queryActor.context.windows).length, WINDOWS);
  restored.send(closingBatch(100));

  t.is(results(straight.emitted).length, WINDOWS * 2);
  t.deepEqual(results(restored.emitted), results(straight.emitted));
  t.deepEqual(Object.keys(windowsOf(restored.actor).context.asleep), []);
});

test('a batch wakes only the sleeping windows it adds to or closes', (t) => {
  const straight = supervisor();
  for (const message of batches(0)) straight.send(message);
  const restored = supervisor(JSON.parse(JSON.stringify(straight.actor.getPersistedSnapshot())));
  const start = T0 + 10 * W;
  restored.send({ type: 'eventide.batch', partition: 0, nextOffset: 101, now: NOW, records: [{ offset: 100, key: query.id, headers: {}, timestamp: NOW, value: { v: 1, queryId: query.id, source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: [{ offset: 0, index: 0, timestamp: start, attributes: { country: 'fr', duration: 5 } }] } }] });
  const queryActor = windowsOf(restored.actor);
  t.deepEqual(Object.keys(queryActor.children), [`w:${start}`]);
  t.is(Object.keys(queryActor.context.asleep).length, WINDOWS - 1);
  t.is((queryActor.children[`w:${start}`] as { getSnapshot(): { context: { events: number } } }).getSnapshot().context.events, 4);
});

test('a restored partition snapshots to the same bytes as before, whichever of its windows woke', (t) => {
  const straight = supervisor();
  for (const message of batches(0)) straight.send(message);
  const bytes = canonicalJson(straight.actor.getPersistedSnapshot());
  const restored = supervisor(JSON.parse(bytes!));
  t.is(canonicalJson(restored.actor.getPersistedSnapshot()), bytes);
  // The same events reach both, waking one window of the restored one: the states, and so the bytes, stay equal.
  const more: SupervisorMessage = { type: 'eventide.batch', partition: 0, nextOffset: 101, now: NOW, records: [{ offset: 100, key: query.id, headers: {}, timestamp: NOW, value: { v: 1, queryId: query.id, source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: [{ offset: 0, index: 0, timestamp: T0 + 7 * W, attributes: { country: 'de', duration: 2 } }] } }] };
  straight.send(more);
  restored.send(more);
  t.is(Object.keys(windowsOf(restored.actor).children).length, 1);
  t.is(canonicalJson(restored.actor.getPersistedSnapshot()), canonicalJson(straight.actor.getPersistedSnapshot()));
});
