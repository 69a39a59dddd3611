/**
 * One drain of the whole query pipeline on the memory transport: `events`
 * events written up front as raw batches (bench/pipeline-load.ts), then one
 * node (fused parse+match, and aggregate) consumes them; timed from the
 * node's start until the aggregate stage has caught up.
 */
import { MemoryLog, memoryTransport } from '../../runtime/memory/index.ts';
import { createNode } from '../../runtime/node.ts';
import { systemClock } from '../../runtime/clock.ts';
import { pipelineStages, pipelineTables } from '../../pipeline/stages.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { stageCaughtUp, writePipelineLoad } from '../pipeline-load.ts';

export interface EmbeddedPipelineRun {
  readonly events: number;
  readonly partitions: number;
  /** From the node's start until ingest (parse+match) had consumed the raw topic. */
  readonly ingestMs: number;
  /** From the node's start until aggregate had consumed the matched topic. */
  readonly totalMs: number;
  /** CPU time of the process over `totalMs` (user + system, every thread). */
  readonly cpuMs: number;
  /** Records on the matched topic, transaction markers included. */
  readonly matchedRecords: number;
  readonly transactions: number;
  readonly snapshots: number;
}

/** Drains `events` events through one node; the figures of that one run. */
export async function runEmbeddedPipeline(options: { events: number; partitions: number }): Promise<EmbeddedPipelineRun> {
  const { events, partitions } = options;
  const transport = memoryTransport(new MemoryLog(), { clientId: 'bench' });
  await writePipelineLoad(transport, events, partitions);
  const node = createNode({ transport, group: 'bench', stages: pipelineStages(['parse', 'match', 'aggregate'], { snapshotEveryMs: 5000 }), tables: pipelineTables(), clock: systemClock });
  const caughtUp = (stage: string, topic: string): Promise<boolean> => stageCaughtUp(transport, node, stage, topic, partitions);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await node.start();
  let ingestMs = 0;
  for (;;) {
    if (ingestMs === 0 && (await caughtUp('ingest', TOPICS.raw))) ingestMs = performance.now() - started;
    if (ingestMs > 0 && (await caughtUp('aggregate', TOPICS.matched))) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const matchedRecords = [...(await transport.reader().endOffsets(TOPICS.matched, 'read_committed')).values()].reduce((a, b) => a + b, 0);
  const hosts = node.partitions();
  const run = {
    events,
    partitions,
    ingestMs,
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    matchedRecords,
    transactions: hosts.reduce((sum, p) => sum + p.transactions, 0),
    snapshots: hosts.reduce((sum, p) => sum + p.snapshots, 0),
  };
  await node.stop();
  await transport.close();
  return run;
}
