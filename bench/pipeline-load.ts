/**
 * The pipeline benchmarks' shared setup: the topics, the demo queries, and
 * N events written up front as raw batches of 100 spread over the last
 * minute; and the check that a stage of a node has drained its input.
 */
import type { EventideNode, MemoryTransport } from '../index.ts';
import { encodeQueryRecord } from '../protocols/query-record/index.ts';
import { pipelineTopics, TOPICS } from '../pipeline/topics.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';
import { DEMO_QUERIES } from '../cli/demo.ts';

/** The raw batches the pipeline benchmarks feed: `events` events in batches of 100 from the load generator (seed 42, every other one gzip), spread over the minute before `now`, round robin over `partitions`. */
export function pipelineLoadBatches(events: number, partitions: number, now: number): { partition: number; value: Buffer }[] {
  const generator = new LoadGenerator({ batchSize: 100, jitterMs: 500 });
  const batches = [];
  for (let i = 0; i < events / 100; i++) batches.push({ partition: i % partitions, value: generator.batch(now - 60_000 + Math.floor((i * 100 * 60_000) / events)).value });
  return batches;
}

/** Creates the pipeline's topics with `partitions`, registers the demo queries and writes `events` events. */
export async function writePipelineLoad(transport: MemoryTransport, events: number, partitions: number): Promise<void> {
  await transport.admin().createTopics(pipelineTopics({ partitions }));
  const now = Date.now();
  await transport.producer().send(
    DEMO_QUERIES.map((nrql, i) => ({ topic: TOPICS.queries, partition: 0, key: `q${i}`, value: encodeQueryRecord({ v: 1, id: `q${i}`, nrql, createdAt: now, expiresAt: now + 3_600_000 }) })),
  );
  await transport.producer().send(pipelineLoadBatches(events, partitions, now).map(({ partition, value }) => ({ topic: TOPICS.raw, partition, value })));
}

/** Whether every partition of `stage` on `node` has consumed `topic` to its end. */
export async function stageCaughtUp(transport: MemoryTransport, node: EventideNode, stage: string, topic: string, partitions: number): Promise<boolean> {
  const end = await transport.reader().endOffsets(topic, 'read_committed');
  const hosts = node.partitions().filter((p) => p.stage === stage);
  // The last offset of a transactional partition is a commit marker, which is never delivered.
  return hosts.length === partitions && hosts.every((p) => p.nextOffset >= (end.get(p.partition) ?? 0) - 1);
}
