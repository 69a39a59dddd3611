/**
 * The four Kafka codecs on eventide's own record shapes:
 * `node --import=tsx bench/codecs.ts` (add `--quick` for one round).
 *
 * Each shape is a record batch as kafkajs compresses it (its own record
 * encoder, keys and values, then the codec as registered in
 * runtime/kafka/codecs.ts):
 *
 * - raw: 16 uncompressed raw batches of 100 events (pipeline/load-generator.ts);
 * - matched: the matched-events records of those batches for three queries;
 * - parsed: 500 single-event records of events.parsed.
 *
 * For every shape and codec it prints the ratio (records' bytes over
 * compressed bytes), compress and decompress throughput in MB/s of
 * uncompressed bytes, and the milliseconds that writing and reading a
 * million events take, each the median of three rounds; then which codec
 * takes least time for the write and the read together, and which is smallest.
 * Times are wall-clock per call, awaited one at a time, as kafkajs awaits
 * them: zlib and lz4-napi's asynchronous calls run on libuv's pool, snappy
 * and zstd on the calling thread, so for gzip and lz4 part of the time is
 * off the main thread. Medians of three on a shared machine still vary by
 * about 2x between runs; compare codecs within one run. It
 * reports figures and fails only when a codec does not round-trip.
 */
import { createRequire } from 'node:module';
import { compressionCodecs, type CompressionCodecName } from '../runtime/kafka/codecs.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';
import { encodeMatchedEventBatch, MATCHED_EVENTS_VERSION, type MatchedEvent } from '../protocols/matched-events/index.ts';
import { encodeParsedEvent } from '../protocols/parsed-event/index.ts';
import type { Event } from '../protocols/event.ts';
import { encodeEventBatch } from '../protocols/event-batch/index.ts';

const require = createRequire(import.meta.url);
// kafkajs's own record encoding, so the bytes compressed are the bytes kafkajs compresses.
const Encoder = require('kafkajs/src/protocol/encoder') as new () => { buffer: Buffer; writeEncoderArray(records: unknown[]): unknown };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: { offsetDelta: number; key: Buffer | null; value: Buffer }) => unknown;

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const ROUND_MS = quick ? 150 : 400;
const CODECS: readonly CompressionCodecName[] = ['gzip', 'snappy', 'lz4', 'zstd'];

interface Shape {
  readonly name: string;
  readonly records: Buffer;
  readonly events: number;
}

function recordBatch(records: readonly { key: Buffer | null; value: Buffer }[]): Buffer {
  const encoder = new Encoder();
  encoder.writeEncoderArray(records.map((record, offsetDelta) => Record({ offsetDelta, ...record })));
  return encoder.buffer;
}

function shapes(): Shape[] {
  const generator = new LoadGenerator({ gzip: false, batchSize: 100 }, 11);
  const now = 1_767_225_600_000;
  const raw = Array.from({ length: 16 }, (_, i) => Array.from({ length: 100 }, () => generator.event(now + i * 100)));
  const queries: readonly [string, (event: Event) => boolean][] = [
    ['q-pageviews', (event) => event.eventType === 'PageView'],
    ['q-shop', (event) => event.attributes.appName === 'shop'],
    ['q-transactions', (event) => event.eventType === 'Transaction'],
  ];
  const matched = raw.flatMap((events, offset) =>
    queries.map(([queryId, matches]) => {
      const hits: MatchedEvent[] = events.flatMap((event, index) => (matches(event) ? [{ offset, index, timestamp: event.timestamp, attributes: event.attributes }] : []));
      return { key: Buffer.from(queryId), value: encodeMatchedEventBatch({ v: MATCHED_EVENTS_VERSION, queryId, source: { topic: 'events.parsed', partition: 0, partitions: 6 }, events: hits }), events: hits.length };
    }),
  );
  const singles = raw.flat().slice(0, 500);
  return [
    { name: 'raw (16 x 100 events)', records: recordBatch(raw.map((events) => ({ key: null, value: encodeEventBatch(events) }))), events: 1600 },
    { name: 'matched (48 records, 3 queries)', records: recordBatch(matched), events: matched.reduce((sum, record) => sum + record.events, 0) },
    { name: 'parsed (500 records)', records: recordBatch(singles.map((event) => ({ key: null, value: encodeParsedEvent(event) }))), events: 500 },
  ];
}

/** Runs `operation` for about ROUND_MS; returns the milliseconds one call takes. */
async function timePerCall(operation: () => Promise<unknown>): Promise<number> {
  await operation();
  let calls = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ROUND_MS || calls < 5) {
    await operation();
    calls += 1;
    elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return elapsed / calls;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Figure {
  readonly shape: string;
  readonly codec: CompressionCodecName;
  readonly ratio: number;
  readonly compressMBps: number;
  readonly decompressMBps: number;
  readonly writeMsPerMillionEvents: number;
  readonly readMsPerMillionEvents: number;
}

async function measure(shape: Shape, codec: CompressionCodecName): Promise<Figure> {
  const { compress, decompress } = compressionCodecs[codec];
  const compressed = await compress({ buffer: shape.records });
  const back = await decompress(compressed);
  if (!back.equals(shape.records)) throw new Error(`${codec} does not round-trip ${shape.name}`);
  const compressMs: number[] = [];
  const decompressMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    compressMs.push(await timePerCall(() => compress({ buffer: shape.records })));
    decompressMs.push(await timePerCall(() => decompress(compressed)));
  }
  const c = median(compressMs);
  const d = median(decompressMs);
  const megabytes = shape.records.length / 1e6;
  const perMillion = 1e6 / shape.events;
  return {
    shape: shape.name,
    codec,
    ratio: shape.records.length / compressed.length,
    compressMBps: megabytes / (c / 1000),
    decompressMBps: megabytes / (d / 1000),
    writeMsPerMillionEvents: c * perMillion,
    readMsPerMillionEvents: d * perMillion,
  };
}

const figures: Figure[] = [];
for (const shape of shapes()) {
  console.log(`${shape.name}: ${shape.records.length} bytes, ${shape.events} events`);
  for (const codec of CODECS) figures.push(await measure(shape, codec));
}

console.log('\n| records | codec | ratio | compress MB/s | decompress MB/s | write ms per 1M events | read ms per 1M events |');
console.log('|---|---|---|---|---|---|---|');
for (const f of figures) {
  console.log(`| ${f.shape} | ${f.codec} | ${f.ratio.toFixed(2)} | ${f.compressMBps.toFixed(0)} | ${f.decompressMBps.toFixed(0)} | ${f.writeMsPerMillionEvents.toFixed(0)} | ${f.readMsPerMillionEvents.toFixed(0)} |`);
}

console.log('');
for (const shape of new Set(figures.map((f) => f.shape))) {
  const of = figures.filter((f) => f.shape === shape);
  const cpu = (f: Figure) => f.writeMsPerMillionEvents + f.readMsPerMillionEvents;
  const cheapest = of.reduce((best, f) => (cpu(f) < cpu(best) ? f : best));
  const smallest = of.reduce((best, f) => (f.ratio > best.ratio ? f : best));
  const gzip = of.find((f) => f.codec === 'gzip')!;
  console.log(
    `${shape}: least time ${cheapest.codec} (${cpu(cheapest).toFixed(0)} ms per 1M events written and read, gzip ${cpu(gzip).toFixed(0)}, ratio ${cheapest.ratio.toFixed(2)}); ` +
      `smallest ${smallest.codec} (ratio ${smallest.ratio.toFixed(2)}, ${cpu(smallest).toFixed(0)} ms)`,
  );
}
