/**
 * The embedded target of issue 10: the whole pipeline on the memory
 * transport against the single-core decode ceiling, which is gunzip +
 * JSON.parse of exactly the raw batches the pipeline is fed (same generator,
 * seed and shape), one after the other on the main thread. Both are medians
 * of `runs` (default 3); the suite divides one by the other for
 * `embedded_vs_decode_ratio`.
 *
 *   npx tsx bench/scale/decode-ceiling.ts [events=500000] [partitions=4] [runs=3]
 */
import { gunzipSync } from 'node:zlib';
import { isGzip } from '../../protocols/event-batch/index.ts';
import { pipelineLoadBatches } from '../pipeline-load.ts';
import { repeated } from '../suite/stats.ts';
import { runEmbeddedPipeline } from './embedded-pipeline.ts';

/** Events/s of gunzip + JSON.parse of the pipeline's raw batches on one core, median of `runs`. */
export function measureDecodeCeiling(options: { events: number; runs?: number }): number {
  const batches = pipelineLoadBatches(options.events, 1, Date.now()).map(({ value }) => value);
  const rates: number[] = [];
  for (let run = 0; run < (options.runs ?? 3); run++) {
    let events = 0;
    const started = performance.now();
    for (const value of batches) {
      const json = isGzip(value) ? gunzipSync(value) : value;
      events += (JSON.parse(json.toString('utf8')) as unknown[]).length;
    }
    const seconds = (performance.now() - started) / 1000;
    if (events !== options.events) throw new Error(`decode ceiling: parsed ${events} events, expected ${options.events}`);
    rates.push(events / seconds);
  }
  return repeated(rates).median;
}

/** Events/s of the whole memory pipeline, node start to the aggregate stage caught up, median of `runs`. */
export async function measureEmbeddedPipeline(options: { events: number; partitions: number; runs?: number }): Promise<number> {
  const rates: number[] = [];
  for (let run = 0; run < (options.runs ?? 3); run++) {
    const { totalMs } = await runEmbeddedPipeline(options);
    rates.push(options.events / (totalMs / 1000));
  }
  return repeated(rates).median;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const events = Number(process.argv[2] ?? 500_000);
  const partitions = Number(process.argv[3] ?? 4);
  const runs = Number(process.argv[4] ?? 3);
  const ceiling = measureDecodeCeiling({ events, runs });
  const pipeline = await measureEmbeddedPipeline({ events, partitions, runs });
  const format = (value: number): string => Math.round(value).toLocaleString('en-US');
  console.log(`decode ceiling (gunzip + JSON.parse, one core): ${format(ceiling)} events/s`);
  console.log(`whole pipeline (memory transport, ${partitions} partitions): ${format(pipeline)} events/s`);
  console.log(`embedded_vs_decode_ratio: ${(pipeline / ceiling).toFixed(3)}`);
}
