import test from 'ava';
import { createActor, type InspectionEvent } from 'xstate';
import { partitionSupervisorMachine, type SupervisorMessage } from '../../actors/partition-supervisor.ts';
import { encodePublicationKey } from '../../protocols/publication-key.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import type { MatchedEventBatch } from '../../protocols/matched-events/index.ts';
import type { QueryRecord } from '../../protocols/query-record/index.ts';
import type { StageEmission, StageRecord } from '../../protocols/stage.ts';

const W = 10_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % W);
const NOW = T0 + 100_000;
const query = (id: string, nrql = 'SELECT count(*) FROM PageView TIMESERIES 10 seconds', expiresAt = NOW + 3_600_000): QueryRecord => ({ v: 1, id, nrql, createdAt: NOW, expiresAt });

/** A supervisor as the runtime hosts it: emissions collected, unhandled messages seen through inspection. */
function supervisor(snapshot?: unknown) {
  const emitted: StageEmission[] = [];
  const unhandled: { actor: string; state: unknown; type: string }[] = [];
  const inspect = (event: InspectionEvent): void => {
    if (event.type === '@xstate.microstep' && event._transitions.length === 0) unhandled.push({ actor: (event.actorRef as unknown as { id: string }).id, state: (event.snapshot as { value?: unknown }).value, type: event.event.type });
  };
  const actor = createActor(partitionSupervisorMachine, {
    input: { stage: 'aggregate', partition: 0, inputPartitions: 1, now: NOW, resultsTopic: 'results' },
    inspect,
    ...(snapshot === undefined ? {} : { snapshot: snapshot as never }),
  });
  for (const type of ['eventide.output', 'eventide.publish', 'eventide.deadletter'] as const) actor.on(type, (emission) => emitted.push(emission as StageEmission));
  actor.start();
  const send = (message: SupervisorMessage): void => actor.send(message);
  return { actor, emitted, unhandled, send };
}

const record = (offset: number, queryId: string, timestamps: number[]): StageRecord<MatchedEventBatch> => ({
  offset,
  key: queryId,
  headers: {},
  timestamp: NOW,
  value: { v: 1, queryId, source: { topic: 'events.raw', partition: 0, partitions: 1 }, events: timestamps.map((timestamp, index) => ({ offset: 0, index, timestamp, attributes: {} })) },
});
const batch = (records: StageRecord<MatchedEventBatch>[], now = NOW): SupervisorMessage => ({ type: 'eventide.batch', partition: 0, records, nextOffset: records.at(-1)!.offset + 1, now });
const table = (queries: QueryRecord[]): SupervisorMessage => ({ type: 'eventide.table', table: 'queries', reset: true, changes: queries.map((value) => ({ key: value.id, value })), now: NOW });
const restored = (published: { key: string; nextOffset: number }[] = [], now = NOW): SupervisorMessage => ({ type: 'eventide.restored', from: 'snapshot', published, now });
const publications = (emitted: StageEmission[]) => emitted.flatMap((e) => (e.type === 'eventide.publish' ? [{ key: e.key, counts: e.records.map((r) => decodeWindowResult(r.value as Buffer).values['count(*)']) }] : []));
const reasons = (emitted: StageEmission[]) => emitted.flatMap((e) => (e.type === 'eventide.deadletter' ? e.letters.map((l) => l.reason) : []));

test('it starts restoring, takes the tables, and runs once the runtime says it is restored', (t) => {
  const { actor, send, unhandled } = supervisor();
  t.is(actor.getSnapshot().value, 'restoring');
  send(table([query('a')]));
  send(restored());
  t.is(actor.getSnapshot().value, 'running');
  t.deepEqual(Object.keys(actor.getSnapshot().context.queries), ['a']);
  t.deepEqual(unhandled, []);
});

test('a batch spawns a query actor per query and its windows; a window the watermark passes is published under its publication key', (t) => {
  const { actor, send, emitted } = supervisor();
  send(table([query('a'), query('b')]));
  send(restored());
  send(batch([record(0, 'a', [T0 + 1, T0 + 2]), record(1, 'b', [T0 + 3]), record(2, 'a', [T0 + W + 1])]));
  t.deepEqual(Object.keys(actor.getSnapshot().children).sort(), ['q:a', 'q:b']);
  t.deepEqual(publications(emitted), [{ key: encodePublicationKey({ queryId: 'a', windowStart: T0 }), counts: [2] }]);
  send({ type: 'eventide.published', key: encodePublicationKey({ queryId: 'a', windowStart: T0 }), nextOffset: 3 });
  const windows = Object.keys((actor.getSnapshot().children['q:a'] as { getSnapshot(): { children: object } }).getSnapshot().children);
  t.deepEqual(windows, [`w:${T0 + W}`], 'the published window finished and left');
});

test('events of unknown, invalid and cancelled queries are dead-lettered with the reason', (t) => {
  const { actor, send, emitted } = supervisor();
  send(table([query('bad', 'SELECT nonsense('), query('gone')]));
  send(restored());
  send(batch([record(0, 'nobody', [T0]), record(1, 'bad', [T0]), record(2, 'gone', [T0])]));
  send(table([query('bad', 'SELECT nonsense(')]));
  t.deepEqual(Object.keys(actor.getSnapshot().context.active), ['gone'], 'cancelled, it waits for its window to be published');
  send({ type: 'eventide.published', key: encodePublicationKey({ queryId: 'gone', windowStart: T0 }), nextOffset: 3 });
  t.deepEqual(Object.keys(actor.getSnapshot().context.active), []);
  send(batch([record(3, 'gone', [T0 + 1]), record(4, 'bad', [T0 + 1])]));
  t.deepEqual(reasons(emitted), ['unknown-query', 'invalid-query', 'query-cancelled', 'query-invalid']);
});

test('an expired query ends on the tick: its open window is published incomplete, then the query actor leaves', (t) => {
  const { actor, send, emitted } = supervisor();
  send(table([query('a', undefined, NOW + 1000)]));
  send(restored());
  send(batch([record(0, 'a', [T0 + 1])]));
  send({ type: 'eventide.tick', now: NOW + 1000 });
  const publish = emitted.find((e) => e.type === 'eventide.publish')!;
  if (publish?.type !== 'eventide.publish') return t.fail('no publication');
  t.false(decodeWindowResult(publish.records[0]!.value as Buffer).complete);
  send({ type: 'eventide.published', key: publish.key, nextOffset: 1 });
  t.deepEqual(Object.keys(actor.getSnapshot().children), []);
  t.deepEqual(actor.getSnapshot().context.ended, { a: 'expired' });
});

test('revoked, it takes the final snapshot and acknowledgements but no more batches (reported as unhandled)', (t) => {
  const { actor, send, unhandled } = supervisor();
  send(table([query('a')]));
  send(restored());
  send(batch([record(0, 'a', [T0 + 1])]));
  send({ type: 'eventide.revoke', now: NOW });
  t.is(actor.getSnapshot().value, 'revoking');
  send({ type: 'eventide.snapshot', now: NOW + 5 });
  send(batch([record(1, 'a', [T0 + 2])]));
  t.is(actor.getSnapshot().context.nextOffset, 1);
  t.deepEqual(unhandled, [{ actor: actor.id, state: 'revoking', type: 'eventide.batch' }]);
});

test('a final snapshot restores on the new owner: markers after it drop their windows, windows still publishing ask again, time without an owner is not quiet time', (t) => {
  const first = supervisor();
  first.send(table([query('a')]));
  first.send(restored());
  first.send(batch([record(0, 'a', [T0 + 1]), record(1, 'a', [T0 + W + 1]), record(2, 'a', [T0 + 2 * W + 1])]));
  t.deepEqual(publications(first.emitted).map((p) => p.key), [encodePublicationKey({ queryId: 'a', windowStart: T0 }), encodePublicationKey({ queryId: 'a', windowStart: T0 + W })]);
  first.send({ type: 'eventide.revoke', now: NOW });
  first.send({ type: 'eventide.snapshot', now: NOW });
  const persisted = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
  first.actor.stop();

  const second = supervisor(persisted);
  t.is(second.actor.getSnapshot().value, 'revoking', 'a snapshot restores in the state it was taken in');
  second.send(table([query('a')]));
  second.send(restored([{ key: encodePublicationKey({ queryId: 'a', windowStart: T0 }), nextOffset: 3 }], NOW + 30_000));
  t.is(second.actor.getSnapshot().value, 'running');
  t.deepEqual(publications(second.emitted).map((p) => p.key), [encodePublicationKey({ queryId: 'a', windowStart: T0 + W })], 'only the window without a marker asks again');
  const source = second.actor.getSnapshot().context.progress.a!.sources['events.raw/0']!;
  t.is(source.seenAt, NOW + 30_000, 'clock times moved by the 30 s without an owner');
  t.deepEqual(second.unhandled, []);
});

test('a publication notice naming no query of this partition, or in another key format, is reported, not applied', (t) => {
  const { send, unhandled } = supervisor();
  send(restored());
  send({ type: 'eventide.published', key: 'not a key', nextOffset: 1 });
  send({ type: 'eventide.published', key: encodePublicationKey({ queryId: 'x', windowStart: T0 }), nextOffset: 1 });
  t.deepEqual(unhandled.map((u) => u.type), ['eventide.published', 'eventide.published']);
});

test('its statechart shows the life of a partition: restoring, running, revoking', (t) => {
  const chart = JSON.parse(JSON.stringify(partitionSupervisorMachine.toJSON())) as { initial: unknown; states: Record<string, unknown> };
  t.deepEqual(Object.keys(chart.states), ['restoring', 'running', 'revoking']);
});

test('a snapshot of 0.1.0 (no supervisor states, query windows kept as open and publishing sets) restores and publishes', (t) => {
  const first = supervisor();
  first.send(table([query('a')]));
  first.send(restored());
  first.send(batch([record(0, 'a', [T0 + 1]), record(1, 'a', [T0 + W + 1]), record(2, 'a', [T0 + 2 * W + 1])]));
  const persisted = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
  first.actor.stop();
  // Rewrite it as 0.1.0 wrote it: T0 and T0 + W publishing, T0 + 2W open.
  persisted.value = {};
  const queryContext = persisted.children['q:a'].snapshot.context;
  queryContext.open = { [T0 + 2 * W]: true };
  queryContext.publishing = { [T0]: true, [T0 + W]: true };
  queryContext.closed = { [T0]: 1, [T0 + W]: 2 };
  delete queryContext.windows;
  delete queryContext.forgottenThrough;
  for (const window of Object.values(persisted.children['q:a'].snapshot.children) as { snapshot: { context: Record<string, unknown> } }[]) {
    delete window.snapshot.context.closedAt;
    delete window.snapshot.context.markerOffset;
  }

  const second = supervisor(persisted);
  second.send(table([query('a')]));
  second.send(restored([{ key: encodePublicationKey({ queryId: 'a', windowStart: T0 }), nextOffset: 3 }]));
  t.is(second.actor.getSnapshot().value, 'running');
  t.deepEqual(publications(second.emitted).map((p) => p.key), [encodePublicationKey({ queryId: 'a', windowStart: T0 + W })], 'the publishing window without a marker asks again');
  second.send({ type: 'eventide.published', key: encodePublicationKey({ queryId: 'a', windowStart: T0 + W }), nextOffset: 3 });
  second.send(batch([record(3, 'a', [T0 + 2 * W + 2, T0 + 3 * W + 1])]));
  t.deepEqual(publications(second.emitted).map((p) => p.key).slice(1), [encodePublicationKey({ queryId: 'a', windowStart: T0 + 2 * W })]);
  t.deepEqual(publications(second.emitted).at(-1)!.counts, [2], 'the open window kept its events');
  t.is(second.actor.getSnapshot().status, 'active');
  t.deepEqual(second.unhandled, []);
});
