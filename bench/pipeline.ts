/**
 * Throughput of the whole query pipeline on the memory transport: N events
 * written up front as raw batches, then one node (fused parse+match, and
 * aggregate) drains them; prints events/s for the drain and per stage, and
 * events per CPU second (steadier than wall time on a shared machine).
 *
 *   npx tsx bench/pipeline.ts [events=500000] [partitions=4]
 */
import { DEMO_QUERIES } from '../cli/demo.ts';
import { runEmbeddedPipeline } from './scale/embedded-pipeline.ts';

const events = Number(process.argv[2] ?? 500_000);
const partitions = Number(process.argv[3] ?? 4);
const run = await runEmbeddedPipeline({ events, partitions });
const rate = (ms: number): number => Math.round(events / (ms / 1000));
console.log(`events: ${events}, partitions: ${partitions}, queries: ${DEMO_QUERIES.length}`);
console.log(`ingest (parse+match) drained in ${(run.ingestMs / 1000).toFixed(2)} s: ${rate(run.ingestMs)} events/s`);
console.log(`whole pipeline drained in ${(run.totalMs / 1000).toFixed(2)} s: ${rate(run.totalMs)} events/s (${run.matchedRecords} matched-events records incl. transaction markers)`);
console.log(`CPU ${(run.cpuMs / 1000).toFixed(2)} s: ${rate(run.cpuMs)} events per CPU second`);
console.log(`transactions: ${run.transactions}, snapshots: ${run.snapshots}`);
