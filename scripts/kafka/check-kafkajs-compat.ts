/**
 * Checks which kafkajs 2.2.4 features work against a broker, for
 * docs/kafka-versions.md. Not a test: it prints one line per feature.
 *
 *   npx tsx scripts/kafka/check-kafkajs-compat.ts              # starts the default local broker
 *   npx tsx scripts/kafka/check-kafkajs-compat.ts 3.9.1        # a given version
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx scripts/kafka/check-kafkajs-compat.ts
 */
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } = kafkajs;
import { startKafka } from '../../test/kafka/harness/index.ts';

const version = process.argv[2];
const cluster = await startKafka(version === undefined ? {} : { version });
const kafka = new Kafka({ clientId: 'compat', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
const topic = `compat-${randomUUID()}`;
const results: Array<[string, string]> = [];

async function check(name: string, body: () => Promise<unknown>): Promise<void> {
  try {
    const detail = await withTimeout(body(), 30_000);
    results.push([name, `ok${detail === undefined ? '' : ` (${String(detail)})`}`]);
  } catch (error) {
    results.push([name, `FAILED: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  let current = error as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined;
  while (current !== undefined && current !== null && parts.length < 4) {
    parts.push(`${current.name}${current.type ? `[${current.type}]` : ''}: ${current.message}`);
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return parts.join(' <- ');
}

const admin = kafka.admin();
await admin.connect();
await check('admin.describeCluster', async () => (await admin.describeCluster()).brokers.length + ' brokers');
await check('admin.createTopics', () => admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true }));
await check('admin.fetchTopicMetadata', async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length + ' partitions');
await check('admin.describeConfigs', async () => {
  const answer = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
  return 'retention.ms=' + answer.resources[0].configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
});
await check('admin.listTopics', async () => (await admin.listTopics()).includes(topic));

const producer = kafka.producer();
await producer.connect();
await check('producer.sendBatch gzip', () => producer.sendBatch({ compression: CompressionTypes.GZIP, topicMessages: [{ topic, messages: [{ partition: 0, key: 'k', value: 'v1' }, { partition: 1, value: 'v2' }] }] }));
await check('idempotent producer', async () => {
  const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await idempotent.connect();
  await idempotent.send({ topic, messages: [{ partition: 0, value: 'idem' }] });
  await idempotent.disconnect();
});

const groupId = `compat-group-${randomUUID()}`;
await check('consumer group eachBatch', async () => {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachBatch: async ({ batch }) => { seen += batch.messages.length; if (seen >= 3) resolve(); } }).catch(reject);
  });
  await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
  await consumer.disconnect();
  return `${seen} records`;
});
await check('admin.fetchOffsets', async () => JSON.stringify((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => p.offset)));
await check('admin.describeGroups', async () => (await admin.describeGroups([groupId])).groups[0].state);
await check('transaction + sendOffsets + commit', async () => {
  const tx = kafka.producer({ transactionalId: `compat-tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  const transaction = await tx.transaction();
  await transaction.send({ topic, messages: [{ partition: 0, value: 'in-tx' }] });
  await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 1, offset: '1' }] }] });
  await transaction.commit();
  await tx.disconnect();
});
await check('transaction abort', async () => {
  const tx = kafka.producer({ transactionalId: `compat-tx-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  const transaction = await tx.transaction();
  await transaction.send({ topic, messages: [{ partition: 0, value: 'aborted' }] });
  await transaction.abort();
  await tx.disconnect();
});
await check('fencing', async () => {
  const id = `compat-fence-${randomUUID()}`;
  const first = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await first.connect();
  const open = await first.transaction();
  await open.send({ topic, messages: [{ partition: 0, value: 'zombie' }] });
  const second = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await second.connect();
  await (await second.transaction()).abort(); // kafkajs registers the transactional id lazily: this fences
  try {
    await open.send({ topic, messages: [{ partition: 0, value: 'zombie-2' }] });
    await open.commit();
    throw new Error('the fenced producer could still commit');
  } catch (error) {
    return describeError(error);
  } finally {
    await second.disconnect();
    await first.disconnect().catch(() => undefined);
  }
});
await check('read_committed consume skips aborted', async () => {
  const consumer = kafka.consumer({ groupId: `compat-rc-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachMessage: async ({ partition, message }) => { if (partition === 0) values.push(String(message.value)); if (values.includes('in-tx')) resolve(); } }).catch(reject);
  });
  await consumer.disconnect();
  if (values.includes('aborted') || values.includes('zombie')) throw new Error(`saw ${values.join(',')}`);
  return values.join(',');
});
await check('admin.fetchTopicOffsets (high = LSO under read_committed)', async () => JSON.stringify(await admin.fetchTopicOffsets(topic)));
await check('admin.deleteTopics', () => admin.deleteTopics({ topics: [topic] }));
await producer.disconnect();
await admin.disconnect();
await cluster.stop();

console.log(`kafkajs 2.2.4 against ${cluster.kind}`);
for (const [name, outcome] of results) console.log(`  ${name}: ${outcome}`);
process.exit(results.some(([, outcome]) => outcome.startsWith('FAILED')) ? 1 : 0);
