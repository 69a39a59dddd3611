/**
 * Throughput of the whole query pipeline on the memory transport: N events
 * written up front as raw batches, then one node (fused parse+match, and
 * aggregate) drains them; prints events/s for the drain and per stage.
 *
 *   npx tsx bench/pipeline.ts [events=500000] [partitions=4]
 */
import { MemoryLog, memoryTransport } from '../runtime/memory/index.ts';
import { createNode } from '../runtime/node.ts';
import { systemClock } from '../runtime/clock.ts';
import { encodeQueryRecord } from '../protocols/query-record/index.ts';
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { pipelineTopics, TOPICS } from '../pipeline/topics.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';

const events = Number(process.argv[2] ?? 500_000);
const partitions = Number(process.argv[3] ?? 4);
const log = new MemoryLog();
const transport = memoryTransport(log, { clientId: 'bench' });
await transport.admin().createTopics(pipelineTopics({ partitions }));
const now = Date.now();
await transport.producer().send(
  DEMO_QUERIES.map((nrql, i) => ({ topic: TOPICS.queries, partition: 0, key: `q${i}`, value: encodeQueryRecord({ v: 1, id: `q${i}`, nrql, createdAt: now, expiresAt: now + 3_600_000 }) })),
);
const generator = new LoadGenerator({ batchSize: 100, jitterMs: 500 });
const records = [];
for (let i = 0; i < events / 100; i++) records.push({ topic: TOPICS.raw, partition: i % partitions, value: generator.batch(now - 60_000 + Math.floor((i * 100 * 60_000) / events)).value });
await transport.producer().send(records);

const reader = transport.reader();
const caughtUp = async (stage: string, topic: string): Promise<boolean> => {
  const end = await reader.endOffsets(topic, 'read_committed');
  const hosts = node.partitions().filter((p) => p.stage === stage);
  // The last offset of a transactional partition is a commit marker, which is never delivered.
  return hosts.length === partitions && hosts.every((p) => p.nextOffset >= (end.get(p.partition) ?? 0) - 1);
};
const node = createNode({ transport, group: 'bench', stages: pipelineStages(['parse', 'match', 'aggregate'], { snapshotEveryMs: 5000 }), tables: pipelineTables(), clock: systemClock });
const started = performance.now();
await node.start();
let ingestMs = 0;
for (;;) {
  if (ingestMs === 0 && (await caughtUp('ingest', TOPICS.raw))) ingestMs = performance.now() - started;
  if (ingestMs > 0 && (await caughtUp('aggregate', TOPICS.matched))) break;
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const totalMs = performance.now() - started;
const matched = [...(await reader.endOffsets(TOPICS.matched, 'read_committed')).values()].reduce((a, b) => a + b, 0);
console.log(`events: ${events}, partitions: ${partitions}, queries: ${DEMO_QUERIES.length}`);
console.log(`ingest (parse+match) drained in ${(ingestMs / 1000).toFixed(2)} s: ${Math.round(events / (ingestMs / 1000))} events/s`);
console.log(`whole pipeline drained in ${(totalMs / 1000).toFixed(2)} s: ${Math.round(events / (totalMs / 1000))} events/s (${matched} matched-events records incl. transaction markers)`);
console.log(`transactions: ${node.partitions().reduce((sum, p) => sum + p.transactions, 0)}, snapshots: ${node.partitions().reduce((sum, p) => sum + p.snapshots, 0)}`);
await node.stop();
await transport.close();
