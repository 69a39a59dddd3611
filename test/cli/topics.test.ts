/**
 * `eventide topics create|check`: what `create` makes is what the README's
 * topic table says, and `check` checks what its help says — the partition
 * counts it is given (`--partitions`, `--matched-partitions`, each on its
 * own), `snapshots` against `events.matched` always, and nothing else about
 * counts.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLog, memoryTransport, type TopicSpec, type TransportAdmin } from '../../index.ts';
import { PIPELINE_MAX_RECORD_BYTES, pipelineCompression, pipelineTopicNames, pipelineTopics, TOPICS, type TopicLayout } from '../../pipeline/topics.ts';
import { DEFAULT_MAX_BATCH_BYTES } from '../../protocols/event-batch/index.ts';
import { checkTopics, createTopics } from '../../cli/topics.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface ReadmeTopic {
  readonly name: string;
  readonly partitions: string;
  readonly configs: string;
}

/** The rows of the README's topic table (`| \`events.raw\` | partitions | configs |`). */
function readmeTopics(): ReadmeTopic[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([a-z.]+)` \| ([^|]+) \| ([^|]+) \|$/gm)].map((match) => ({ name: match[1]!, partitions: match[2]!.trim(), configs: match[3]!.trim() }));
}

/** The partitions a README cell promises for a layout. */
function promisedPartitions(cell: string, layout: Required<Pick<TopicLayout, 'partitions' | 'matchedPartitions'>>): number {
  if (cell === '`--partitions` (default 6)') return layout.partitions;
  if (cell === '`--matched-partitions` (default `--partitions`)' || cell === 'as `events.matched`') return layout.matchedPartitions;
  if (/^\d+$/.test(cell)) return Number(cell);
  throw new Error(`the README's topic table has a partitions cell this test cannot read: '${cell}'`);
}

const RETENTION: Readonly<Record<string, number>> = { '1 hour': 3_600_000, '1 day': 86_400_000, '7 days': 604_800_000 };

/** The configs a README cell promises, as topic configs. */
function promisedConfigs(cell: string): Record<string, string> {
  const configs: Record<string, string> = {};
  if (cell === 'compacted') configs['cleanup.policy'] = 'compact';
  const retention = /^retention (\d+ (?:hours?|days?))\b/.exec(cell);
  if (retention !== null) configs['retention.ms'] = String(RETENTION[retention[1]!]);
  if (cell.includes('segments of 10 minutes or 16 MiB')) Object.assign(configs, { 'segment.ms': String(600_000), 'segment.bytes': String(16 * 1024 * 1024) });
  return configs;
}

async function adminWith(topics: readonly TopicSpec[]): Promise<TransportAdmin> {
  const admin = memoryTransport(new MemoryLog(), { clientId: 'admin' }).admin();
  await admin.createTopics(topics);
  return admin;
}

const CREATE_FLAGS: readonly Pick<TopicLayout, 'partitions' | 'matchedPartitions'>[] = [{}, { partitions: 3 }, { partitions: 3, matchedPartitions: 8 }, { matchedPartitions: 2 }];

for (const flags of CREATE_FLAGS) {
  test(`topics create ${JSON.stringify(flags)} makes exactly the topics, partitions and configs the README lists`, async (t) => {
    const admin = memoryTransport(new MemoryLog(), { clientId: 'admin' }).admin();
    const { created, problems } = await createTopics(admin, flags);
    t.deepEqual(problems, []);
    const rows = readmeTopics();
    t.deepEqual(rows.map((row) => row.name).sort(), Object.values(TOPICS).sort(), 'the README lists every topic');
    t.deepEqual(created.sort(), rows.map((row) => row.name).sort());
    const partitions = flags.partitions ?? 6;
    const layout = { partitions, matchedPartitions: flags.matchedPartitions ?? partitions };
    const described = new Map((await admin.describeTopics(created)).map((topic) => [topic.name, topic]));
    for (const row of rows) {
      const topic = described.get(row.name)!;
      t.is(topic.partitions, promisedPartitions(row.partitions, layout), `partitions of ${row.name}`);
      for (const [name, value] of Object.entries(promisedConfigs(row.configs))) t.is(topic.configs[name], value, `${name} of ${row.name}`);
    }
  });
}

test('topics check --matched-partitions checks events.matched and snapshots on its own', async (t) => {
  const admin = await adminWith(pipelineTopics({ partitions: 3, matchedPartitions: 4 }));
  t.deepEqual(await checkTopics(admin, { matchedPartitions: 4 }), []);
  t.deepEqual(await checkTopics(admin, { matchedPartitions: 6 }), [
    "topic 'events.matched' has 4 partitions, expected 6",
    "topic 'snapshots' has 4 partitions, expected 6",
  ]);
});

test('topics check --partitions checks the event and results topics, and events.matched unless --matched-partitions is given', async (t) => {
  const admin = await adminWith(pipelineTopics({ partitions: 3, matchedPartitions: 4 }));
  t.deepEqual(await checkTopics(admin, { partitions: 3, matchedPartitions: 4 }), []);
  t.deepEqual(await checkTopics(admin, { partitions: 5, matchedPartitions: 4 }), [
    "topic 'events.raw' has 3 partitions, expected 5",
    "topic 'events.parsed' has 3 partitions, expected 5",
    "topic 'results' has 3 partitions, expected 5",
  ]);
  t.deepEqual(await checkTopics(admin, { partitions: 3 }), [
    "topic 'events.matched' has 4 partitions, expected 3",
    "topic 'snapshots' has 4 partitions, expected 3",
  ]);
});

test('topics check without counts accepts any partition count, but never a snapshots topic unlike events.matched', async (t) => {
  const specs = pipelineTopics({ partitions: 3, matchedPartitions: 4 }).map((spec) => (spec.name === TOPICS.queries || spec.name === TOPICS.deadletter ? { ...spec, partitions: 3 } : spec));
  t.deepEqual(await checkTopics(await adminWith(specs), {}), [], 'queries and deadletter work with any count');
  const uneven = specs.map((spec) => (spec.name === TOPICS.snapshots ? { ...spec, partitions: 2 } : spec));
  t.deepEqual(await checkTopics(await adminWith(uneven), {}), [
    "topic 'snapshots' has 2 partitions but 'events.matched' has 4: they must be equal, partition p of one holds the state of partition p of the other",
  ]);
});

test('topics check reports a missing topic and misconfigured retention under the prefix it is given', async (t) => {
  const names = pipelineTopicNames({ prefix: 'tenant-a.' });
  const specs = pipelineTopics({ prefix: 'tenant-a.', partitions: 2 })
    .filter((spec) => spec.name !== names.results)
    .map((spec) => (spec.name === names.snapshots ? { ...spec, configs: { ...spec.configs, 'retention.ms': '-1' } } : spec));
  const admin = await adminWith(specs);
  t.deepEqual(await checkTopics(admin, { prefix: 'tenant-a.' }), [
    "topic 'tenant-a.results' is missing: run eventide topics create",
    "topic 'tenant-a.snapshots' keeps records forever (retention.ms -1): restores slow down as it grows",
  ]);
  t.deepEqual(await checkTopics(admin, {}), Object.values(TOPICS).map((name) => `topic '${name}' is missing: run eventide topics create`), 'without the prefix, the unprefixed topics are checked');
});

test('every topic takes the records the pipeline may write, and topics check reports one that takes less', async (t) => {
  for (const spec of pipelineTopics()) t.is(spec.configs?.['max.message.bytes'], String(PIPELINE_MAX_RECORD_BYTES), spec.name);
  t.true(PIPELINE_MAX_RECORD_BYTES > DEFAULT_MAX_BATCH_BYTES, 'a raw batch as large as parse accepts fits, with its framing');
  const small = pipelineTopics().map((spec) => (spec.name === TOPICS.matched ? { ...spec, configs: { 'retention.ms': '86400000' } } : spec));
  t.deepEqual(await checkTopics(await adminWith(small), {}), [
    `topic 'events.matched' takes records of at most 1048588 bytes (max.message.bytes), the pipeline writes up to ${PIPELINE_MAX_RECORD_BYTES}: ` +
      `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name events.matched --add-config max.message.bytes=${PIPELINE_MAX_RECORD_BYTES}`,
  ]);
  const larger = pipelineTopics().map((spec) => ({ ...spec, configs: { ...spec.configs, 'max.message.bytes': String(16 * 1024 * 1024) } }));
  t.deepEqual(await checkTopics(await adminWith(larger), {}), [], 'a topic that takes more is fine');
});

test('eventide writes lz4 to the topics only it reads and gzip to those other programs read, prefix included', (t) => {
  const names = pipelineTopicNames({ prefix: 'tenant-a.' });
  const codecOf = pipelineCompression(names);
  t.deepEqual(Object.fromEntries(Object.entries(names).map(([role, topic]) => [role, codecOf(topic)])), {
    raw: 'gzip', parsed: 'lz4', matched: 'lz4', queries: 'gzip', results: 'gzip', snapshots: 'lz4', deadletter: 'gzip',
  });
});
