import test from 'ava';
import { createActor } from 'xstate';
import { PartitionAbandonedError } from '../../protocols/errors.ts';
import { decodeDeadLetter } from '../../protocols/dead-letter/index.ts';
import { SnapshotHeaders, SnapshotLogReader, decodeHostedState, decodePublishMarker } from '../../protocols/snapshot/index.ts';
import type { InstrumentationEvents } from '../../runtime/instrumentation.ts';
import { Instrumentation } from '../../runtime/instrumentation.ts';
import { defineStage, type StageDefinition } from '../../runtime/stage.ts';
import { parseRelease, releaseMetadata } from '../../protocols/release.ts';
import {
  PARTITION, TOPICS, batch, counterMachine, counterMarker, counterSnapshot, counterStage, hostEnvironment, settle, values,
} from './partition/host-harness.ts';

interface CounterView {
  readonly value: string;
  readonly context: { readonly seen: number; readonly publishing: Record<string, string>; readonly received: string[]; readonly restoredFrom: string | null; readonly restoredPublished: string[] };
}
const view = (host: { actor: { getSnapshot(): unknown } | null }): CounterView => host.actor!.getSnapshot() as CounterView;

/** The counter machine's persisted snapshot after it restored fresh and handled `records` from offset 0. */
function machineAfter(records: string[]): unknown {
  const actor = createActor(counterMachine, { input: { stage: 'counter', partition: PARTITION, inputPartitions: 1, now: 0 } });
  actor.start();
  actor.send({ type: 'eventide.restored', from: 'earliest', published: [], now: 0 });
  if (records.length > 0) actor.send({ type: 'eventide.batch', partition: PARTITION, records: records.map((value, offset) => ({ offset, key: null, value, headers: {}, timestamp: 0 })), nextOffset: records.length, now: 0 });
  return actor.getPersistedSnapshot();
}

const markersOf = async (env: Awaited<ReturnType<typeof hostEnvironment>>) =>
  (await env.read(TOPICS.snapshots)).filter((r) => r.headers[SnapshotHeaders.kind] === 'marker').map((r) => decodePublishMarker(r.value!));

// ---------------------------------------------------------------- restore and eventide.restored

test('a fresh partition is told once that it is restored, from the earliest offset, after its tables and before any batch', async (t) => {
  const env = await hostEnvironment();
  const stage = defineStage({ name: 'counter', input: { topic: TOPICS.input, decode: (record): string => String(record.value) }, machine: counterMachine, tables: ['limits'] }) as StageDefinition<unknown>;
  const host = env.host(stage);
  const report = await host.start();
  t.like(report, { from: 'earliest', seq: null, offset: 0, markers: 0 });
  host.deliver(batch(0, ['out:a']));
  await settle(host);
  t.deepEqual(view(host).context.received, ['eventide.table', 'eventide.restored', 'eventide.batch']);
  t.is(view(host).context.restoredFrom, 'earliest');
  t.is(view(host).value, 'running');
  t.deepEqual(env.consumer.calls, ['seek 0@0', 'resume 0']);
  t.deepEqual(values(await env.read(TOPICS.outputs)), ['a@0'], 'a stateless stage commits its outputs with the batch');
  await host.revoke();
});

test('restored from a snapshot: the machine resumes its state, input resumes at the snapshot’s offset, from: snapshot', async (t) => {
  const env = await hostEnvironment();
  await env.writeSnapshots(counterSnapshot(machineAfter(['out:a', 'out:b']), 4, 2));
  const host = env.host();
  t.like(await host.start(), { from: 'snapshot', seq: 4, offset: 2 });
  await settle(host);
  t.like(view(host).context, { seen: 2, restoredFrom: 'snapshot' });
  t.deepEqual(env.consumer.calls, ['seek 0@2', 'resume 0']);
  t.deepEqual(host.stats().restore?.from, 'snapshot');
  await host.revoke();
});

test('a corrupt newer snapshot is skipped for the one before it, and the restore report counts it', async (t) => {
  const env = await hostEnvironment();
  await env.writeSnapshots(counterSnapshot(machineAfter(['out:a', 'out:b']), 4, 2));
  // Snapshot 5's chunk altered after its checksum was taken: it must not restore, and it must not go unnoticed.
  const corrupt = counterSnapshot(machineAfter(['out:a', 'out:b', 'out:c']), 5, 3).map((record, index) => (index === 0 ? { ...record, value: Buffer.from(record.value.map((byte, at) => (at === 10 ? byte ^ 1 : byte))) } : record));
  await env.writeSnapshots(corrupt);
  const host = env.host();
  const report = await host.start();
  t.like(report, { from: 'snapshot', seq: 4, offset: 2 });
  t.deepEqual(report.ignored, { incomplete: 0, corrupt: 1, markers: 0 });
  t.deepEqual(host.stats().restore?.ignored, { incomplete: 0, corrupt: 1, markers: 0 }, '/status shows it');
  await host.revoke();
});

// ---------------------------------------------------------------- the publication ledger, end to end

test('publications pending in the snapshot are asked for again: one whose marker precedes the snapshot is acknowledged, the other written once', async (t) => {
  const env = await hostEnvironment();
  // A was committed just before the snapshot was taken but acknowledged after it; B never committed.
  const machine = machineAfter(['pub:A', 'pub:B']);
  // An older owner also listed them as pending beside the machine: that list is read past.
  await env.writeSnapshots([counterMarker('A', 2), ...counterSnapshot(machine, 1, 2, ['A', 'B'])]);
  const host = env.host();
  const report = await host.start();
  t.is(report.markers, 0, 'no marker after the snapshot');
  await settle(host);
  t.deepEqual(values(await env.read(TOPICS.results)), ['B@1'], 'A is not written again; B once');
  t.deepEqual((await markersOf(env)).map((m) => `${m.key}@${m.nextOffset}`), ['A@2', 'B@2']);
  t.deepEqual(view(host).context.publishing, {}, 'both acknowledged');
  t.is(view(host).context.received.filter((type) => type === 'eventide.published').length, 2);
  await host.revoke();
});

test('a publication whose marker follows the snapshot is announced in eventide.restored and never written again; replayed input writes no plain outputs', async (t) => {
  const env = await hostEnvironment();
  await env.writeSnapshots([...counterSnapshot(machineAfter([]), 1, 0), counterMarker('C', 3)]);
  const host = env.host();
  t.like(await host.start(), { from: 'snapshot', markers: 1 });
  // Offsets 0..2 were handled before the crash and their outputs committed with C's marker.
  host.deliver(batch(0, ['out:a', 'pub:C', 'out:b', 'out:c', 'late:x']));
  await settle(host);
  t.is(view(host).context.received[0], 'eventide.restored');
  t.deepEqual(view(host).context.restoredPublished, ['C']);
  t.deepEqual(values(await env.read(TOPICS.results)), [], 'C is durable: acknowledged, not written');
  t.deepEqual(view(host).context.publishing, {});
  await host.revoke();
  t.deepEqual(values(await env.read(TOPICS.outputs)), ['c@3'], 'only the output of new input, with the final snapshot');
  t.deepEqual((await env.read(TOPICS.deadLetters)).map((r) => decodeDeadLetter(r.value!).source.offset), [4]);
});

test('without a snapshot the machine starts fresh and is told nothing, but markers still answer its requests during replay', async (t) => {
  const env = await hostEnvironment();
  // The previous owner published G (with the output before it) and crashed before its first snapshot.
  await env.writeSnapshots([counterMarker('G', 2)]);
  const host = env.host();
  t.like(await host.start(), { from: 'earliest', offset: 0, markers: 1 });
  host.deliver(batch(0, ['out:a', 'pub:G', 'out:b']));
  await settle(host);
  t.like(view(host).context, { restoredFrom: 'earliest', publishing: {} });
  t.deepEqual(view(host).context.restoredPublished, []);
  t.deepEqual(values(await env.read(TOPICS.results)), [], 'G is not published twice');
  await host.revoke();
  t.deepEqual(values(await env.read(TOPICS.outputs)), ['b@2'], 'the output replayed below the marker is not written twice');
});

test('a publication committed since the host started is acknowledged again, never written again', async (t) => {
  const env = await hostEnvironment();
  const host = env.host();
  await host.start();
  host.deliver(batch(0, ['pub:E']));
  await settle(host);
  host.deliver(batch(1, ['pub:E']));
  await settle(host);
  t.deepEqual(values(await env.read(TOPICS.results)), ['E@0']);
  t.is(view(host).context.received.filter((type) => type === 'eventide.published').length, 2);
  await host.revoke();
});

test('a key asked for again while its first request is written is reported as a duplicate and written once', async (t) => {
  const env = await hostEnvironment();
  const duplicates: InstrumentationEvents['publication.duplicate'][] = [];
  env.instrumentation.on('publication.duplicate', (event) => duplicates.push(event));
  const host = env.host();
  await host.start();
  host.deliver(batch(0, ['pub:D', 'pub:D']));
  await settle(host);
  t.deepEqual(values(await env.read(TOPICS.results)), ['D@0']);
  t.deepEqual(duplicates, [{ stage: 'counter', partition: PARTITION, key: 'D' }]);
  t.true(env.logger.lines.some((line) => line.level === 'warn' && line.fields.key === 'D' && /requested twice/.test(line.message)));
  await host.revoke();
});

// ---------------------------------------------------------------- nothing vanishes

test('a message the machine’s state does not handle is reported: an instrumentation event and a debug line', async (t) => {
  const env = await hostEnvironment();
  const unhandled: InstrumentationEvents['message.unhandled'][] = [];
  env.instrumentation.on('message.unhandled', (event) => unhandled.push(event));
  const host = env.host();
  await host.start();
  host.post({ type: 'eventide.tick', now: env.clock.now() });
  await settle(host);
  t.is(unhandled.length, 1);
  const [event] = unhandled;
  t.like(event, { stage: 'counter', partition: PARTITION, machine: 'counter', state: '"running"', type: 'eventide.tick' });
  t.is(event!.actor, host.actor!.id);
  const line = env.logger.lines.find((l) => l.level === 'debug' && l.fields.type === 'eventide.tick');
  t.like(line?.fields, { stage: 'counter', partition: PARTITION, machine: 'counter', state: '"running"', actor: host.actor!.id });
  await host.revoke();
});

test('a listener that throws on records.in is logged and counted, and the partition goes on', async (t) => {
  const errors: string[] = [];
  const instrumentation = new Instrumentation({ onListenerError: (error, event) => errors.push(`${event}: ${(error as Error).message}`) });
  instrumentation.on('records.in', () => {
    throw new Error('metrics bug');
  });
  const env = await hostEnvironment({ instrumentation });
  const host = env.host(counterStage(false));
  await host.start();
  host.deliver(batch(0, ['out:a']));
  await settle(host);
  host.deliver(batch(1, ['out:b']));
  await settle(host);
  t.is(host.lifecycle.state, 'running');
  t.deepEqual(env.failures, []);
  t.deepEqual(values(await env.read(TOPICS.outputs)), ['a@0', 'b@1']);
  t.deepEqual(errors, ['records.in: metrics bug', 'records.in: metrics bug']);
  t.is(instrumentation.listenerErrors, 2);
  await host.revoke();
});

// ---------------------------------------------------------------- revoke and abandon

test('revoked, the host writes a final snapshot holding what the machine did, with its outputs', async (t) => {
  const env = await hostEnvironment();
  const host = env.host();
  await host.start();
  host.deliver(batch(0, ['out:a', 'out:b']));
  await settle(host);
  await host.revoke();
  t.is(host.lifecycle.state, 'stopped');
  t.is(host.actor, null);
  t.deepEqual(values(await env.read(TOPICS.outputs)), ['a@0', 'b@1']);
  const log = new SnapshotLogReader({ stage: 'counter' });
  for (const record of await env.read(TOPICS.snapshots)) log.add(record);
  const latest = log.latest()!;
  t.like(latest.meta, { seq: 1, nextOffset: 2, nodeId: 'node-test' });
  t.like((decodeHostedState(latest.state).machine as CounterView).context, { seen: 2 });
  t.deepEqual(env.producerCalls, ['connect', 'disconnect']);
  t.is(host.stats().snapshots, 1);
});

test('abandoned while running, the host writes nothing more: no final snapshot, queued work dropped, producer closed', async (t) => {
  const env = await hostEnvironment();
  const host = env.host();
  await host.start();
  host.deliver(batch(0, ['out:a']));
  await settle(host);
  const before = await env.highWatermarks();
  host.deliver(batch(1, ['pub:F', 'out:b']));
  host.abandon();
  await env.clock.advance(120_000); // past the snapshot interval
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(await env.highWatermarks(), before, 'nothing was written after abandon');
  t.is(host.lifecycle.state, 'failed');
  t.is(host.actor, null);
  t.deepEqual(env.producerCalls, ['connect', 'disconnect']);
  t.deepEqual(env.failures, [], 'abandoning is not a failure the runner must handle');
  await host.revoke();
  t.is(host.lifecycle.state, 'stopped', 'a revoke after abandon only settles the lifecycle');
  t.deepEqual(await env.highWatermarks(), before);
});

test('abandoned while restoring, the restore stops before the actor exists and nothing is written', async (t) => {
  const env = await hostEnvironment();
  const release = env.holdNextConnect();
  const host = env.host();
  const started = host.start();
  await new Promise((resolve) => setImmediate(resolve));
  t.is(host.lifecycle.state, 'restoring');
  host.abandon();
  release();
  await t.throwsAsync(started, { instanceOf: PartitionAbandonedError });
  t.is(host.actor, null);
  t.is(host.lifecycle.state, 'failed');
  t.deepEqual(env.consumer.calls, [], 'never seeks or resumes');
  t.true(env.producerCalls.includes('disconnect'));
  t.deepEqual(Object.values(await env.highWatermarks()), [0, 0, 0, 0, 0]);
});

test('abandoned while revoking, the final writes are cut short and the revoke still ends', async (t) => {
  const env = await hostEnvironment();
  const host = env.host();
  await host.start();
  host.deliver(batch(0, ['out:a']));
  await settle(host);
  const before = await env.highWatermarks();
  const revoked = host.revoke();
  t.is(host.lifecycle.state, 'revoking');
  host.abandon();
  await revoked;
  t.is(host.lifecycle.state, 'stopped');
  t.deepEqual(await env.highWatermarks(), before, 'no final snapshot');
  t.false(env.logger.lines.some((line) => line.level === 'warn' && /final writes failed/.test(line.message)), 'abandoning is not reported as a failed write');
});

// ---------------------------------------------------------------- releases

/** The previous owner (same transactional id, another node) committing `offset`, released or not. */
async function commitAsPreviousOwner(env: Awaited<ReturnType<typeof hostEnvironment>>, offset: number, release: { node: string; generation: number } | null): Promise<void> {
  const producer = env.transport.transactionalProducer('test.counter.0');
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.sendOffsets('test.counter', [{ topic: TOPICS.input, partition: PARTITION, offset, ...(release === null ? {} : { metadata: releaseMetadata(release) }) }]);
  await transaction.commit();
  await producer.disconnect();
  env.producerCalls.splice(env.producerCalls.length - 2, 2); // its own connect and disconnect: the host's are asserted
}

const committedNow = async (env: Awaited<ReturnType<typeof hostEnvironment>>) => (await env.transport.admin().fetchOffsetCommits('test.counter', TOPICS.input)).get(PARTITION);

/**
 * A host told to wait for node-before's release (offset 2 committed, not released), then revoked while
 * it waits, with a next owner that waits for it in turn; `pauseMs` lets each step begin.
 */
async function revokedWhileWaiting(pauseMs: number) {
  const env = await hostEnvironment();
  await commitAsPreviousOwner(env, 2, null);
  const host = env.host(counterStage(), { handOverFrom: { node: 'node-before', generation: 1 }, releaseTimeoutMs: 60_000 });
  const started = host.start();
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  const revoked = host.revoke({ generation: 2, nextOwnerWaits: true });
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  return { env, host, started, revoked };
}

test('revoked while it waits for its own hand-over, a host whose next owner waits for it releases the partition once its last owner did, at that offset, writing nothing else', async (t) => {
  const { env, host, started, revoked } = await revokedWhileWaiting(100);
  t.deepEqual(env.producerCalls, [], 'no producer connects (fencing the last owner) before the last owner released');
  t.is(parseRelease((await committedNow(env))?.metadata), null);
  const before = await env.highWatermarks();
  await commitAsPreviousOwner(env, 3, { node: 'node-before', generation: 1 });
  await revoked;
  await t.throwsAsync(started, { instanceOf: PartitionAbandonedError });
  const commit = await committedNow(env);
  t.is(commit?.offset, 3, 'released where its last owner left it');
  t.deepEqual(parseRelease(commit?.metadata), { node: 'node-test', generation: 2 });
  t.deepEqual(env.producerCalls, ['connect', 'disconnect']);
  t.deepEqual(await env.highWatermarks(), before, 'no snapshot, output or result');
  t.is(host.lifecycle.state, 'stopped');
  t.deepEqual(env.failures, []);
});

test('revoked before it ran and then abandoned (the node died), a host stops waiting and never connects or releases', async (t) => {
  const { env, host, started, revoked } = await revokedWhileWaiting(50);
  host.abandon();
  await revoked;
  await t.throwsAsync(started, { instanceOf: PartitionAbandonedError });
  t.deepEqual(env.producerCalls.filter((call) => call === 'connect'), [], 'never connected: a new owner may run the partition already');
  t.is(parseRelease((await committedNow(env))?.metadata), null, 'no release written');
  t.is(host.lifecycle.state, 'stopped');
});

test('revoked while restoring, a host whose next owner may be processing already writes nothing: its producer would fence that owner', async (t) => {
  const env = await hostEnvironment();
  await commitAsPreviousOwner(env, 2, { node: 'node-before', generation: 0 });
  const release = env.holdNextConnect();
  const host = env.host();
  const started = host.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(host.lifecycle.state, 'restoring');
  await host.revoke({ generation: 2, nextOwnerWaits: false });
  release();
  await t.throwsAsync(started, { instanceOf: PartitionAbandonedError });
  t.deepEqual(parseRelease((await committedNow(env))?.metadata), { node: 'node-before', generation: 0 }, 'the committed offset is as the last owner left it');
  t.is(host.lifecycle.state, 'stopped');
});

test('revoked while it waits for its own hand-over, with a next owner that does not wait, a host gives up the wait at once and never connects', async (t) => {
  const env = await hostEnvironment();
  const host = env.host(counterStage(), { handOverFrom: { node: 'node-before', generation: 1 }, releaseTimeoutMs: 60_000 });
  const started = host.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await host.revoke({ generation: 2, nextOwnerWaits: false });
  await t.throwsAsync(started, { instanceOf: PartitionAbandonedError });
  t.deepEqual(env.producerCalls, []);
  t.is(await committedNow(env), undefined);
});

test('abandon is safe in every other state: before start, after stop, twice', async (t) => {
  const env = await hostEnvironment();
  const fresh = env.host();
  t.notThrows(() => fresh.abandon());
  t.is(fresh.lifecycle.state, 'failed');
  t.notThrows(() => fresh.abandon());
  await fresh.revoke();
  t.is(fresh.lifecycle.state, 'stopped');
  const stopped = env.host();
  await stopped.start();
  await stopped.revoke();
  t.notThrows(() => stopped.abandon());
  t.is(stopped.lifecycle.state, 'stopped');
  t.deepEqual(env.failures, []);
});
