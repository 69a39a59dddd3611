/**
 * No record can stop a partition (issue 9): a record that makes the
 * partition's machine throw is found (its batch handled again one record at a
 * time) and dead-lettered with reason `processing-failed`, and everything
 * else is written exactly once. A failure no record explains restores again
 * after 1 s, 2 s, 4 s, 8 s... and is reported while it lasts. Before, the
 * machine's error also escaped xstate from a timer and ended the process.
 */
import test from 'ava';
import { setup, enqueueActions } from 'xstate';
import { createNode, decodeDeadLetter, defineStage, ManualClock, MemoryLog, memoryTransport, type Logger, type PartitionInput, type RuntimeMessage, type StageEmission } from '../../index.ts';
import { readTopic, waitFor } from '../helpers/pipeline-fixture.ts';

/** Copies each record to `out`; throws on 'poison' and on 'bad-…'; writes to a topic that does not exist on 'nowhere'. */
const copier = setup({ types: { input: {} as PartitionInput, events: {} as RuntimeMessage<string>, emitted: {} as StageEmission } }).createMachine({
  on: {
    'eventide.batch': {
      actions: enqueueActions(({ event, enqueue }) => {
        for (const record of event.records) if (record.value === 'poison' || record.value.startsWith('bad-')) throw new Error(`cannot copy ${record.value}`);
        enqueue.emit({ type: 'eventide.output', records: event.records.map((record) => ({ topic: record.value === 'nowhere' ? 'nowhere' : 'out', value: record.value })) });
      }),
    },
  },
});

type Line = { level: string; message: string; fields: Record<string, unknown> };
const logger = (lines: Line[], fields: Record<string, unknown> = {}): Logger => {
  const record = (level: string) => (more: object, message: string) => void lines.push({ level, message, fields: { ...fields, ...more } });
  return { debug: () => {}, info: record('info'), warn: record('warn'), error: record('error'), child: (more) => logger(lines, { ...fields, ...more }) };
};

async function startCopier() {
  const log = new MemoryLog();
  const clock = new ManualClock(1_700_000_000_000);
  const transport = memoryTransport(log, { clientId: 'node' });
  await transport.admin().createTopics([{ name: 'in', partitions: 1 }, { name: 'out', partitions: 1 }, { name: 'deadletter', partitions: 1 }]);
  const stage = defineStage({ name: 'copier', input: { topic: 'in', decode: (record) => String(record.value) }, machine: copier, outputs: ['out'] });
  const lines: Line[] = [];
  const node = createNode({ transport, group: 'g', stages: [stage], clock, logger: logger(lines) });
  await node.start();
  const send = (values: string[]) => transport.producer().send(values.map((value) => ({ topic: 'in', partition: 0, value: Buffer.from(value) })));
  const stop = async () => {
    await node.stop();
    await transport.close();
  };
  return { transport, clock, node, send, stop, lines };
}

test('a record its machine fails on is dead-lettered processing-failed, and the rest of its batch and the later ones are written once', async (t) => {
  const { transport, clock, node, send, stop, lines } = await startCopier();
  t.teardown(stop);
  await send(['a', 'b', 'poison', 'c']);
  await send(['d']);
  const copied = async () => (await readTopic(transport, 'out')).map((record) => String(record.value));
  let seen: string[] = [];
  await waitFor(async () => {
    await clock.advance(500);
    seen = await copied();
    return seen.length >= 4;
  }, () => `copies: ${JSON.stringify(seen)}`);
  t.deepEqual(await copied(), ['a', 'b', 'c', 'd']);
  const letters = (await readTopic(transport, 'deadletter')).map((record) => decodeDeadLetter(record.value!));
  t.is(letters.length, 1);
  t.like(letters[0], { stage: 'copier', reason: 'processing-failed', source: { topic: 'in', partition: 0, offset: 2 } });
  t.is(String(letters[0]!.original), 'poison');
  t.regex(letters[0]!.message, /^the copier stage failed on this record, so it is left out: Error: cannot copy poison$/);
  const restarts = lines.filter((line) => line.message.startsWith('restarting copier[0]')).map((line) => line.message);
  t.deepEqual(restarts, [
    'restarting copier[0] from its last snapshot in 1 s (failure 1 in a row; offsets 0..3 will be handled one by one to find the record at fault)',
    'restarting copier[0] from its last snapshot in 1 s (failure 1 in a row; offset 2 is poison: it will be dead-lettered)',
  ], 'a and b were committed before the restart (progress): the failure that finds the poison is the first in a row again');
  t.deepEqual(node.failingPartitions(), [], 'the partition runs again');
  t.is(node.partitions()[0]!.state, 'running');
});

test('a failure no record explains backs off 1 s, 2 s, 4 s, 8 s and is reported until the partition makes progress', async (t) => {
  const { clock, node, send, stop } = await startCopier();
  t.teardown(stop);
  await send(['nowhere']);
  const delays: number[] = [];
  await waitFor(async () => {
    await clock.advance(250);
    for (const failing of node.failingPartitions()) if (delays.length < failing.failures) delays.push(failing.retryAt - failing.failedAt);
    return delays.length >= 4;
  }, () => `delays so far: ${JSON.stringify(delays)}`);
  t.deepEqual(delays, [1000, 2000, 4000, 8000]);
  const [failing] = node.failingPartitions();
  t.like(failing, { stage: 'copier', partition: 0, failures: 4 });
  t.regex(failing!.error, /^ConfigError: output topic 'nowhere' does not exist: create it \(eventide topics create\)$/);
});

test('blame has a limit: after three records in a row fail alone, the fourth is not dead-lettered and the partition backs off', async (t) => {
  const { transport, clock, node, send, stop, lines } = await startCopier();
  t.teardown(stop);
  await send(['bad-1', 'bad-2', 'bad-3', 'bad-4', 'good']);
  const delays: number[] = [];
  await waitFor(async () => {
    await clock.advance(250);
    for (const failing of node.failingPartitions()) if (delays.at(-1) !== failing.retryAt - failing.failedAt || delays.length < failing.failures) delays.push(failing.retryAt - failing.failedAt);
    return delays.includes(4000);
  }, () => `delays so far: ${JSON.stringify(delays)}`);
  const letters = (await readTopic(transport, 'deadletter')).map((record) => decodeDeadLetter(record.value!));
  t.deepEqual(letters.map((letter) => [letter.source.offset, letter.reason]), [[0, 'processing-failed'], [1, 'processing-failed'], [2, 'processing-failed']]);
  t.deepEqual((await readTopic(transport, 'out')).map((record) => String(record.value)), [], 'bad-4 holds the partition: good is not reached');
  const unblamed = lines.filter((line) => line.message.includes('3 records in a row failed alone')).map((line) => line.message);
  t.deepEqual(unblamed.slice(0, 3).map((message) => /in (\d+) s/.exec(message)![1]), ['1', '2', '4'], 'once records are not blamed, the restarts back off');
  t.regex(unblamed[0]!, /; 3 records in a row failed alone: the partition's state or code is at fault, not its records, so none is dead-lettered\)$/);
  t.like(node.failingPartitions()[0], { partition: 0, running: false });
});
