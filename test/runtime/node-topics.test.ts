/**
 * A node checks at start the topics its stages declare: the input, the
 * snapshots, every declared output and the dead-letter topic (implied), so
 * a missing or misspelt topic stops the start with an error that names the
 * stage and the topic, not a partition's first write.
 */
import test from 'ava';
import { setup } from 'xstate';
import { ConfigError, createNode, decodeDeadLetter, defineStage, defineTable, ManualClock, MemoryLog, memoryTransport, type PartitionInput, type RuntimeMessage, type StageEmission, type TopicSpec } from '../../index.ts';
import { readTopic, waitFor } from '../helpers/pipeline-fixture.ts';

const quietMachine = setup({ types: { input: {} as PartitionInput, events: {} as RuntimeMessage<string>, emitted: {} as StageEmission } }).createMachine({});

const stage = (options: { outputs?: string[]; deadLetterTopic?: string } = {}) =>
  defineStage({ name: 'copier', input: { topic: 'in', decode: (record) => String(record.value) }, machine: quietMachine, ...options });

async function startWith(topics: readonly TopicSpec[], stages: ReturnType<typeof stage>[]) {
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'node' });
  await transport.admin().createTopics(topics);
  const node = createNode({ transport, group: 'g', stages, clock: new ManualClock() });
  return { log, transport, node, start: () => node.start() };
}

test('a declared output topic that does not exist stops the start, naming the stage and the topic', async (t) => {
  const { start, transport } = await startWith([{ name: 'in', partitions: 2 }, { name: 'deadletter', partitions: 1 }], [stage({ outputs: ['out'] })]);
  t.teardown(() => transport.close());
  const error = await t.throwsAsync(start(), { instanceOf: ConfigError });
  t.is(error?.message, "stage 'copier' writes topic 'out', which does not exist: create it (eventide topics create)");
});

test('the dead-letter topic is implied: the default one, or the one the stage names, must exist', async (t) => {
  const withoutDeadLetters = await startWith([{ name: 'in', partitions: 2 }, { name: 'out', partitions: 2 }], [stage({ outputs: ['out'] })]);
  t.teardown(() => withoutDeadLetters.transport.close());
  await t.throwsAsync(withoutDeadLetters.start(), { instanceOf: ConfigError, message: "stage 'copier' writes topic 'deadletter', which does not exist: create it (eventide topics create)" });
  const named = await startWith([{ name: 'in', partitions: 2 }, { name: 'deadletter', partitions: 1 }], [stage({ deadLetterTopic: 'copier.dlq' })]);
  t.teardown(() => named.transport.close());
  await t.throwsAsync(named.start(), { instanceOf: ConfigError, message: /writes topic 'copier\.dlq'/ });
});

test('a node whose declared topics all exist starts', async (t) => {
  const { start, node, transport } = await startWith([{ name: 'in', partitions: 2 }, { name: 'out', partitions: 2 }, { name: 'copier.dlq', partitions: 1 }], [stage({ outputs: ['out'], deadLetterTopic: 'copier.dlq' })]);
  t.teardown(async () => {
    await node.stop();
    await transport.close();
  });
  await start();
  t.is(node.state, 'running');
});

test('defineStage refuses an output that is no Kafka topic name', (t) => {
  t.throws(() => stage({ outputs: ['no spaces'] }), { instanceOf: ConfigError, message: "stage 'copier': output topic 'no spaces' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)" });
});

test('a table record its decode rejects goes to the dead-letter topic the table names', async (t) => {
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'node' });
  t.teardown(() => transport.close());
  await transport.admin().createTopics([{ name: 'limits', partitions: 1 }, { name: 'limits.dlq', partitions: 1 }, { name: 'deadletter', partitions: 1 }]);
  const limits = defineTable({ name: 'limits', topic: 'limits', deadLetterTopic: 'limits.dlq', decode: (value): number => {
    if (!/^\d+$/.test(value.toString())) throw new ConfigError(`'${value.toString()}' is not a limit`);
    return Number(value.toString());
  } });
  const node = createNode({ transport, group: 'g', stages: [], tables: [limits], clock: new ManualClock() });
  t.teardown(() => node.stop());
  await transport.producer().send([{ topic: 'limits', partition: 0, key: 'shop', value: Buffer.from('ten') }]);
  await node.start();
  await waitFor(async () => (await readTopic(transport, 'limits.dlq')).length === 1, () => 'the rejected table record on limits.dlq');
  const [letter] = (await readTopic(transport, 'limits.dlq')).map((record) => decodeDeadLetter(record.value!));
  t.is(letter?.stage, 'table.limits');
  t.deepEqual(await readTopic(transport, 'deadletter'), []);
  t.is(node.table('limits')?.size, 0);
});
