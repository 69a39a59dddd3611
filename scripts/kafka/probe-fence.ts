import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { startKafka } from '../../test/kafka/harness/index.ts';
const { Kafka, logLevel } = kafkajs;
const cluster = await startKafka({ version: process.argv[2] });
const kafka = new Kafka({ clientId: 'p', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin(); await admin.connect();
const topic = 't' + randomUUID();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
const id = 'fence-' + randomUUID();
const first = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
await first.connect();
const open = await first.transaction();
await open.send({ topic, messages: [{ partition: 0, value: 'zombie' }] });
const second = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
await second.connect();
  await (await second.transaction()).abort(); // kafkajs registers the transactional id lazily: this fences
const show = (e: any) => { const out = []; let c = e; while (c && out.length < 5) { out.push(`${c.name}[${c.type ?? ''}] retriable=${c.retriable} ${c.message}`); c = c.cause ?? c.originalError; } return out.join(' <- '); };
try { await open.send({ topic, messages: [{ partition: 0, value: 'zombie-2' }] }); console.log('send after fence: ok'); } catch (e) { console.log('send after fence:', show(e)); }
try { await open.commit(); console.log('commit after fence: ok'); } catch (e) { console.log('commit after fence:', show(e)); }
const t2 = await second.transaction(); await t2.send({ topic, messages: [{ partition: 0, value: 'second' }] }); await t2.commit();
console.log(JSON.stringify(await admin.fetchTopicOffsets(topic)));
const consumer = kafka.consumer({ groupId: 'g' + randomUUID() });
await consumer.connect(); await consumer.subscribe({ topics: [topic], fromBeginning: true });
const values: string[] = [];
await new Promise<void>((resolve) => { consumer.run({ eachMessage: async ({ message }) => { values.push(String(message.value)); if (values.includes('second')) resolve(); } }); });
console.log('read_committed sees', values);
await consumer.disconnect(); await first.disconnect().catch(() => {}); await second.disconnect(); await admin.disconnect(); await cluster.stop();
process.exit(0);
