import type { TopicPartition, Transport } from '../../../protocols/transport.ts';
import { bytes, text, type ContractTest } from './context.ts';
import { GroupProbe, key } from './group-probe.ts';
import { Changes, eventually } from './waiting.ts';

async function produce(transport: Transport, topic: string, partition: number, values: readonly string[]): Promise<void> {
  await transport.producer().send(values.map((value) => ({ topic, partition, value: bytes(value) })));
}

const partitionsOf = (topic: string, count: number): string[] =>
  Array.from({ length: count }, (_, partition) => key({ topic, partition }));

/** Consumer groups: assignment, rebalancing, delivery, pause, seek and committed offsets. */
export function registerGroupTests(contract: ContractTest): void {
  contract('a single member gets every partition and its records in order from the committed offset', async (t, { transport, topic }) => {
    const name = topic('group-one');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 3 }]);
    for (const partition of [0, 1, 2]) await produce(transport, name, partition, ['a', 'b', 'c', 'd', 'e'].map((v) => `${partition}${v}`));
    const presetter = transport.transactionalProducer(`${name}-preset`);
    await presetter.connect();
    const preset = await presetter.transaction();
    await preset.sendOffsets(groupId, [{ topic: name, partition: 0, offset: 2 }]);
    await preset.commit();
    await eventually(() => transport.admin().fetchCommittedOffsets(groupId, name), (o) => o.get(0) === 2, 'the preset offset');

    const changes = new Changes();
    const member = new GroupProbe(transport, { groupId, maxBatchRecords: 2 }, changes);
    await member.start([name]);
    await changes.until(() => member.records.length === 13, '13 records');

    t.deepEqual([...member.owned].sort(), partitionsOf(name, 3));
    t.true(member.generations()[0] >= 1);
    t.deepEqual(member.offsets(0), [2, 3, 4]);
    t.deepEqual(member.offsets(1), [0, 1, 2, 3, 4]);
    t.deepEqual(member.records.filter((r) => r.partition === 2).map(text), ['2a', '2b', '2c', '2d', '2e']);
    t.true(member.batches.every((batch) => batch.records.length <= 2 && batch.records.every((r) => r.partition === batch.partition)));
    await member.consumer.disconnect();
    await presetter.disconnect();
  });

  contract('a joining member takes partitions over and every record is delivered', async (t, { transport, second, topic }) => {
    const name = topic('group-join');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 4 }]);
    for (const partition of [0, 1, 2, 3]) await produce(transport, name, partition, [`${partition}-early`]);

    const changes = new Changes();
    const first = new GroupProbe(transport, { groupId, metadata: { node: 'first' } }, changes);
    await first.start([name]);
    await changes.until(() => first.owned.size === 4 && first.records.length === 4, 'the first member to own everything');
    const firstGeneration = first.generations()[0];

    const joiner = new GroupProbe(second(), { groupId, metadata: { node: 'joiner' } }, changes);
    await joiner.start([name]);
    await changes.until(
      () => joiner.owned.size > 0 && first.owned.size + joiner.owned.size === 4 && first.revokedPartitions().length > 0,
      'the partitions to be split between both members',
    );
    t.true(joiner.generations()[0] > firstGeneration, 'a rebalance starts a new generation');
    t.deepEqual([...first.owned].filter((p) => joiner.owned.has(p)), [], 'no partition is owned by both');
    t.deepEqual([...first.owned, ...joiner.owned].sort(), partitionsOf(name, 4));
    for (const partition of joiner.owned) t.true(first.revokedPartitions().includes(partition), `${partition} was revoked from the first member`);

    for (const partition of [0, 1, 2, 3]) await produce(transport, name, partition, [`${partition}-late`]);
    const delivered = () => new Set([...first.records, ...joiner.records].map((r) => `${r.partition}@${r.offset}`));
    await changes.until(() => delivered().size === 8, 'all 8 records');
    t.deepEqual(
      [...first.records, ...joiner.records].filter((r) => text(r)?.endsWith('late')).map((r) => r.partition).sort(),
      [0, 1, 2, 3],
    );
    await joiner.consumer.disconnect();
    await first.consumer.disconnect();
  });

  contract('a member that leaves has its partitions revoked and handed to the others', async (t, { transport, second, topic }) => {
    const name = topic('group-leave');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 4 }]);
    const changes = new Changes();
    const stayer = new GroupProbe(transport, { groupId }, changes);
    const leaver = new GroupProbe(second(), { groupId }, changes);
    await stayer.start([name]);
    await leaver.start([name]);
    await changes.until(() => stayer.owned.size === 2 && leaver.owned.size === 2, 'two partitions each');
    const leaverHad = [...leaver.owned].sort();

    await leaver.consumer.disconnect();
    await changes.until(() => stayer.owned.size === 4, 'the stayer to own everything');
    t.deepEqual(leaver.revokedPartitions().sort(), leaverHad);
    t.is(leaver.owned.size, 0);
    await produce(transport, name, Number(leaverHad[0].split('/').at(-1)), ['after the leave']);
    await changes.until(() => stayer.records.some((r) => text(r) === 'after the leave'), 'the stayer to consume the moved partition');
    await stayer.consumer.disconnect();
  });

  contract('pause stops the delivery of a partition and resume restarts it', async (t, { transport, topic }) => {
    const name = topic('group-pause');
    await transport.admin().createTopics([{ name, partitions: 2 }]);
    const changes = new Changes();
    const member = new GroupProbe(transport, { groupId: `${name}-group` }, changes);
    await member.start([name]);
    await changes.until(() => member.owned.size === 2, 'the assignment');
    await produce(transport, name, 0, ['p0-before']);
    await changes.until(() => member.records.length === 1, 'the first record');

    const paused: TopicPartition = { topic: name, partition: 0 };
    member.consumer.pause([paused]);
    await produce(transport, name, 0, ['p0-while-paused']);
    await produce(transport, name, 1, ['p1-sentinel']);
    await changes.until(() => member.records.some((r) => text(r) === 'p1-sentinel'), 'the unpaused partition to deliver');
    t.deepEqual(member.records.filter((r) => r.partition === 0).map(text), ['p0-before'], 'nothing from the paused partition');

    member.consumer.resume([paused]);
    await changes.until(() => member.records.some((r) => text(r) === 'p0-while-paused'), 'the resumed partition to deliver');
    t.deepEqual(member.offsets(0), [0, 1]);
    await member.consumer.disconnect();
  });

  contract('seek rewinds a partition', async (t, { transport, topic }) => {
    const name = topic('group-seek');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    await produce(transport, name, 0, Array.from({ length: 10 }, (_, i) => `v${i}`));
    const changes = new Changes();
    const member = new GroupProbe(transport, { groupId: `${name}-group` }, changes);
    await member.start([name]);
    await changes.until(() => member.records.length === 10, 'the first pass');

    member.consumer.seek({ topic: name, partition: 0, offset: 3 });
    await changes.until(() => member.records.length === 17, 'the replay from offset 3');
    t.deepEqual(member.offsets(0).slice(10), [3, 4, 5, 6, 7, 8, 9]);
    await member.consumer.disconnect();
  });

  contract('a member that seeks to the end of a transactional partition (a commit marker) gets the records written after it', async (t, { transport, topic }) => {
    const name = topic('group-seek-marker');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const writer = transport.transactionalProducer(`${name}-writer`);
    await writer.connect();
    const first = await writer.transaction();
    await first.send(['a', 'b'].map((value) => ({ topic: name, partition: 0, value: bytes(value) })));
    await first.commit();
    const changes = new Changes();
    const member = new GroupProbe(transport, { groupId: `${name}-group` }, changes);
    await member.start([name]);
    await changes.until(() => member.records.length === 2, 'the committed records');
    // The offset after the last record is the commit marker's: where a restored partition that was caught up seeks.
    const afterLast = member.offsets(0)[1]! + 1;
    member.consumer.seek({ topic: name, partition: 0, offset: afterLast });
    const second = await writer.transaction();
    await second.send(['c'].map((value) => ({ topic: name, partition: 0, value: bytes(value) })));
    await second.commit();
    await changes.until(() => member.records.length === 3, 'the record written after the marker');
    t.is(text(member.records[2]!), 'c');
    await member.consumer.disconnect();
    await writer.disconnect();
  });

  contract('a member rejoining starts from the committed offsets', async (t, { transport, second, topic }) => {
    const name = topic('group-commit');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    await produce(transport, name, 0, Array.from({ length: 10 }, (_, i) => `v${i}`));
    const changes = new Changes();
    const before = new GroupProbe(transport, { groupId }, changes);
    await before.start([name]);
    await changes.until(() => before.records.length === 10, 'the first member to read everything');
    await before.consumer.commitOffsets([{ topic: name, partition: 0, offset: 6 }]);
    t.is((await transport.admin().fetchCommittedOffsets(groupId, name)).get(0), 6);
    await before.consumer.disconnect();

    const after = new GroupProbe(second(), { groupId }, changes);
    await after.start([name]);
    await changes.until(() => after.records.length === 4, 'the rejoined member to read the rest');
    t.deepEqual(after.offsets(0), [6, 7, 8, 9]);
    await after.consumer.disconnect();
  });

  contract('describeGroup shows the generation, the members, their metadata and assignments', async (t, { transport, second, topic }) => {
    const name = topic('group-describe');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 3 }]);
    const changes = new Changes();
    const a = new GroupProbe(transport, { groupId, metadata: { node: 'a', inspector: '127.0.0.1:7070' } }, changes);
    const b = new GroupProbe(second(), { groupId, metadata: { node: 'b', inspector: '127.0.0.1:7071' } }, changes);
    await a.start([name]);
    await b.start([name]);
    await changes.until(() => a.owned.size + b.owned.size === 3 && a.owned.size > 0 && b.owned.size > 0, 'both members assigned');

    const description = await eventually(
      () => transport.admin().describeGroup(groupId),
      (d) => d.members.length === 2 && d.members.every((m) => m.assignment.length > 0),
      'two assigned members in the description',
    );
    t.is(description.groupId, groupId);
    t.true(description.generation >= 1);
    const byNode = new Map(description.members.map((m) => [m.metadata.node, m]));
    t.is(byNode.get('a')?.metadata.inspector, '127.0.0.1:7070');
    t.is(byNode.get('b')?.metadata.inspector, '127.0.0.1:7071');
    t.deepEqual(byNode.get('a')!.assignment.map(key).sort(), [...a.owned].sort());
    t.deepEqual(byNode.get('b')!.assignment.map(key).sort(), [...b.owned].sort());
    t.is((await eventually(() => transport.admin().describeGroup(groupId), (d) => d.state === 'stable', 'a stable group')).state, 'stable');
    await b.consumer.disconnect();
    await a.consumer.disconnect();
    t.is((await eventually(() => transport.admin().describeGroup(groupId), (d) => d.members.length === 0, 'no member left')).state, 'empty');
  });

  contract('members that host standbys are told to follow the partitions the other owns, never their own, and describeGroup lists them', async (t, { transport, second, topic }) => {
    const name = topic('group-standbys');
    const groupId = `${name}-group`;
    await transport.admin().createTopics([{ name, partitions: 4 }]);
    const changes = new Changes();
    const hosting = { replicas: 1, following: () => [] };
    const a = new GroupProbe(transport, { groupId, metadata: { node: 'a' }, standbys: hosting }, changes);
    const b = new GroupProbe(second(), { groupId, metadata: { node: 'b' }, standbys: hosting }, changes);
    await a.start([name]);
    await b.start([name]);
    await changes.until(
      () => a.owned.size === 2 && b.owned.size === 2 && a.standbys.join() === [...b.owned].sort().join() && b.standbys.join() === [...a.owned].sort().join(),
      'two partitions each, each member following what the other owns',
    );
    t.deepEqual(a.standbys.filter((p) => a.owned.has(p)), [], 'never a standby of its own partitions');
    const description = await eventually(
      () => transport.admin().describeGroup(groupId),
      (d) => d.members.length === 2 && d.members.every((m) => m.standbys.length === 2),
      'both members listed with their standbys',
    );
    const byNode = new Map(description.members.map((m) => [m.metadata.node, m]));
    t.deepEqual(byNode.get('a')!.standbys.map(key).sort(), a.standbys);
    t.deepEqual(byNode.get('b')!.standbys.map(key).sort(), b.standbys);
    await b.consumer.disconnect();
    await changes.until(() => a.owned.size === 4 && a.standbys.length === 0, 'the member left alone owns everything and follows nothing');
    await a.consumer.disconnect();
  });

  contract('a read_committed member never sees aborted or open transactions', async (t, { transport, topic }) => {
    const name = topic('group-isolation');
    await transport.admin().createTopics([{ name, partitions: 1 }]);
    const producer = transport.transactionalProducer(`${name}-tx`);
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send([{ topic: name, partition: 0, value: bytes('aborted') }]);
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send([{ topic: name, partition: 0, value: bytes('committed') }]);
    await committed.commit();
    const open = await producer.transaction();
    await open.send([{ topic: name, partition: 0, value: bytes('open') }]);

    const changes = new Changes();
    const member = new GroupProbe(transport, { groupId: `${name}-group` }, changes);
    await member.start([name]);
    await changes.until(() => member.records.length >= 1, 'the committed record');
    await open.commit();
    await changes.until(() => member.records.length >= 2, 'the record of the transaction once committed');
    t.deepEqual(member.records.map(text), ['committed', 'open']);
    await member.consumer.disconnect();
    await producer.disconnect();
  });
}
