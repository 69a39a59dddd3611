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
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { TOPICS } from '../pipeline/topics.ts';
import { stageCaughtUp, writePipelineLoad } from './pipeline-load.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';

const events = Number(process.argv[2] ?? 500_000);
const partitions = Number(process.argv[3] ?? 4);
const log = new MemoryLog();
const transport = memoryTransport(log, { clientId: 'bench' });
await writePipelineLoad(transport, events, partitions);
const caughtUp = (stage: string, topic: string): Promise<boolean> => stageCaughtUp(transport, node, stage, topic, partitions);
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
const matched = [...(await transport.reader().endOffsets(TOPICS.matched, 'read_committed')).values()].reduce((a, b) => a + b, 0);
console.log(`events: ${events}, partitions: ${partitions}, queries: ${DEMO_QUERIES.length}`);
console.log(`ingest (parse+match) drained in ${(ingestMs / 1000).toFixed(2)} s: ${Math.round(events / (ingestMs / 1000))} events/s`);
console.log(`whole pipeline drained in ${(totalMs / 1000).toFixed(2)} s: ${Math.round(events / (totalMs / 1000))} events/s (${matched} matched-events records incl. transaction markers)`);
console.log(`transactions: ${node.partitions().reduce((sum, p) => sum + p.transactions, 0)}, snapshots: ${node.partitions().reduce((sum, p) => sum + p.snapshots, 0)}`);
await node.stop();
await transport.close();
