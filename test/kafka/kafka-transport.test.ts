/**
 * What the kafka transport adds to the contract, against a real broker:
 * assignment diffing across kafkajs's eager rebalances, pauses and seeks
 * before the first batch, the coordinator's generation, and the sticky
 * assigner's protocol.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { isFenced } from '../../protocols/errors.ts';
import type { ConsumedRecord, GroupConsumerHandlers, Transport } from '../../protocols/transport.ts';
import { kafkaTransport, stickyAssigner } from '../../runtime/kafka/index.ts';
import { decodeMemberAssignment, decodeMemberMetadata, encodeMemberMetadata } from '../../runtime/kafka/group-protocol.ts';
import { GroupProbe } from '../helpers/transport-contract/group-probe.ts';
import { Changes } from '../helpers/transport-contract/waiting.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

let kafka: KafkaTestCluster | undefined;
const transports: Transport[] = [];

test.before(async () => {
  kafka = await startKafka();
});

test.after.always(async () => {
  await Promise.allSettled(transports.map((t) => t.close()));
  await kafka?.stop();
});

function node(): Transport {
  const transport = kafkaTransport({ brokers: kafka!.brokers, group: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200 } });
  transports.push(transport);
  return transport;
}

const values = (records: readonly ConsumedRecord[]) => records.map((r) => r.value?.toString('utf8'));

async function topicWith(transport: Transport, partitions: number, records: Record<number, string[]> = {}): Promise<string> {
  const name = `kt-${randomUUID()}`;
  await transport.admin().createTopics([{ name, partitions }]);
  const all = Object.entries(records).flatMap(([partition, list]) =>
    list.map((value) => ({ topic: name, partition: Number(partition), value: Buffer.from(value) })),
  );
  await transport.producer().send(all);
  return name;
}

test('a partition kept across a rebalance is neither revoked nor assigned again, nor redelivered', async (t) => {
  const [a, b] = [node(), node()];
  const name = await topicWith(a, 4, { 0: ['a0'], 1: ['a1'], 2: ['a2'], 3: ['a3'] });
  const changes = new Changes();
  const first = new GroupProbe(a, { groupId: `${name}-g` }, changes);
  await first.start([name]);
  await changes.until(() => first.records.length === 4, 'the first member to read every partition');

  const joiner = new GroupProbe(b, { groupId: `${name}-g` }, changes);
  await joiner.start([name]);
  await changes.until(() => joiner.owned.size === 2 && first.owned.size === 2, 'two partitions each');
  const kept = [...first.owned];
  t.deepEqual(first.revokedPartitions().sort(), [...joiner.owned].sort(), 'only what moved was revoked');
  t.is(first.events.filter((e) => e.kind === 'assigned').length, 1, 'nothing was assigned to the first member again');

  await a.producer().send(kept.map((k) => ({ topic: name, partition: Number(k.split('/').at(-1)), value: Buffer.from(`after-${k}`) })));
  await changes.until(() => first.records.length === 6, 'the records produced after the rebalance');
  for (const k of kept) {
    const partition = Number(k.split('/').at(-1));
    t.deepEqual(first.offsets(partition), [0, 1], `${k} continued where it was`);
  }
  await joiner.consumer.disconnect();
  await first.consumer.disconnect();
});

test('partitions paused before the first assignment stay paused until resumed', async (t) => {
  const transport = node();
  const name = await topicWith(transport, 2, { 0: ['held'], 1: ['free'] });
  const changes = new Changes();
  const member = new GroupProbe(transport, { groupId: `${name}-g` }, changes);
  await member.consumer.connect();
  member.consumer.pause([{ topic: name, partition: 0 }]);
  await member.consumer.run([name], member.handlers());
  await changes.until(() => member.records.length === 1, 'the unpaused partition');
  t.deepEqual(values(member.records), ['free']);
  member.consumer.resume([{ topic: name, partition: 0 }]);
  await changes.until(() => member.records.length === 2, 'the resumed partition');
  t.deepEqual(values(member.records), ['free', 'held']);
  await member.consumer.disconnect();
});

test('a seek made in onPartitionsAssigned decides the first delivered offset', async (t) => {
  const transport = node();
  const name = await topicWith(transport, 1, { 0: Array.from({ length: 8 }, (_, i) => `v${i}`) });
  const delivered: number[] = [];
  const changes = new Changes();
  const consumer = transport.consumer({ groupId: `${name}-g` });
  const handlers: GroupConsumerHandlers = {
    onPartitionsAssigned: async (partitions) => {
      await new Promise((resolve) => setTimeout(resolve, 200)); // a restore takes a while
      for (const tp of partitions) consumer.seek({ ...tp, offset: 5 });
    },
    onPartitionsRevoked: async () => undefined,
    onPartitionsLost: async () => undefined,
    onBatch: async (batch) => {
      delivered.push(...batch.records.map((r) => r.offset));
      changes.notify();
    },
  };
  await consumer.connect();
  await consumer.run([name], handlers);
  await changes.until(() => delivered.length >= 3, 'the records from offset 5');
  t.deepEqual(delivered, [5, 6, 7]);
  await consumer.disconnect();
});

test('members report the coordinator generation, growing with every rebalance', async (t) => {
  const [a, b] = [node(), node()];
  const name = await topicWith(a, 2);
  const changes = new Changes();
  const first = new GroupProbe(a, { groupId: `${name}-g`, metadata: { node: 'first' } }, changes);
  await first.start([name]);
  await changes.until(() => first.owned.size === 2, 'the first assignment');
  const second = new GroupProbe(b, { groupId: `${name}-g`, metadata: { node: 'second' } }, changes);
  await second.start([name]);
  await changes.until(() => second.owned.size === 1 && first.owned.size === 1, 'one partition each');
  const [g1] = first.generations();
  const [g2] = second.generations();
  t.true(g2 > g1);
  const description = await a.admin().describeGroup(`${name}-g`);
  t.true(description.generation >= g2);
  t.deepEqual(description.members.map((m) => m.metadata.node).sort(), ['first', 'second']);
  await second.consumer.disconnect();
  await first.consumer.disconnect();
});

test('a fenced producer fails every later call with ProducerFencedError', async (t) => {
  const [a, b] = [node(), node()];
  const name = await topicWith(a, 1);
  const zombie = a.transactionalProducer(`${name}-tx`);
  await zombie.connect();
  const open = await zombie.transaction();
  await b.transactionalProducer(`${name}-tx`).connect();
  const error = await t.throwsAsync(() => open.send([{ topic: name, partition: 0, value: Buffer.from('late') }]));
  t.true(isFenced(error), String(error));
  t.true(isFenced(await t.throwsAsync(() => zombie.transaction())));
});

test('the sticky assigner moves as few partitions as balance needs and publishes member metadata', async (t) => {
  const partitions = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId }));
  const cluster = { findTopicPartitionMetadata: () => partitions } as unknown as Parameters<kafkajs.PartitionAssigner>[0]['cluster'];
  const assigner = stickyAssigner(() => ({ metadata: {}, owned: [], generation: 0 }))({ cluster, groupId: 'g', logger: undefined as never });
  const owned = (list: number[]) => list.map((partition) => ({ topic: 't', partition }));
  const members = [
    { memberId: 'a', memberMetadata: encodeMemberMetadata(['t'], { metadata: { node: 'a' }, owned: owned([0, 1, 2]), generation: 4 }) },
    { memberId: 'b', memberMetadata: encodeMemberMetadata(['t'], { metadata: { node: 'b' }, owned: owned([3, 4, 5]), generation: 4 }) },
    { memberId: 'c', memberMetadata: encodeMemberMetadata(['t'], { metadata: { node: 'c' }, owned: [], generation: 0 }) },
  ];
  const result = await assigner.assign({ members, topics: ['t'] });
  const byMember = new Map(result.map((r) => [r.memberId, decodeMemberAssignment(r.memberAssignment)]));
  const of = (id: string) => byMember.get(id)!.partitions.map((tp) => tp.partition);
  t.is(of('a').length, 2);
  t.is(of('b').length, 2);
  t.is(of('c').length, 2);
  t.true(of('a').every((p) => [0, 1, 2].includes(p)), 'a keeps its own');
  t.true(of('b').every((p) => [3, 4, 5].includes(p)), 'b keeps its own');
  t.is(byMember.get('c')!.estimatedGeneration, 5);
  t.deepEqual(decodeMemberMetadata(members[0].memberMetadata).metadata, { node: 'a' });
  t.deepEqual(assigner.protocol({ topics: ['t'] }).name, 'EventideSticky');
});
