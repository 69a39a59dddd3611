/**
 * The load of a chaos run, from its seed: the main load (events with
 * explicit event times on several raw partitions, as raw batches in chunks),
 * the trailing events that close its last windows, the events of probe
 * queries, and poison records. Everything here is a pure function of its
 * arguments, so the oracle can compute the same load again.
 *
 * Raw batches are written here as the documented format says
 * (docs/formats/raw-batch.md: a JSON array of flat events, gzip or not),
 * without eventide's encoder.
 */
import { gzipSync } from 'node:zlib';
import { PROBE_EVENT_TYPE, type ChaosQuery } from './queries.ts';
import type { SeededRandom } from './seeded-random.ts';

/** An event as the load writes it: its own fields and flat attributes. */
export interface ChaosEvent {
  readonly eventType: string;
  readonly timestamp: number;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/** One record for events.raw: its partition, its bytes, and the events it holds (none for poison). */
export interface RawRecord {
  readonly partition: number;
  readonly value: Buffer;
  readonly events: readonly ChaosEvent[];
}

/** The bytes of a raw batch: `[{"eventType":…,"timestamp":…,…attributes}]`, gzip-compressed when asked. */
export function rawBatch(events: readonly ChaosEvent[], gzip: boolean): Buffer {
  const json = Buffer.from(JSON.stringify(events.map((event) => ({ eventType: event.eventType, timestamp: event.timestamp, ...event.attributes }))), 'utf8');
  return gzip ? gzipSync(json) : json;
}

const APPS = ['shop', 'blog', 'api'];
const COUNTRIES = ['DE', 'US', 'FR', 'JP', 'BR'];

/**
 * The main load: `count` events in event-time order from `base` over
 * `spanMs`, each on a seeded raw partition (so every partition stays in
 * event-time order), in raw batches of 20 to 80 events, every batch gzipped
 * or not by a coin, the batches in `chunks` consecutive groups.
 */
export function mainLoad(options: { readonly count: number; readonly spanMs: number; readonly base: number; readonly partitions: number; readonly chunks: number }, random: SeededRandom): RawRecord[][] {
  const perPartition: { first: number; events: ChaosEvent[] }[][] = Array.from({ length: options.partitions }, () => []);
  const open: ({ first: number; events: ChaosEvent[]; size: number } | null)[] = Array.from({ length: options.partitions }, () => null);
  for (let i = 0; i < options.count; i++) {
    const event: ChaosEvent = {
      eventType: random.next() < 0.6 ? 'PageView' : 'Transaction',
      timestamp: options.base + Math.floor((i * options.spanMs) / options.count),
      attributes: { appName: random.pick(APPS), country: random.pick(COUNTRIES), bytes: random.integer(0, 5000) },
    };
    const partition = random.integer(0, options.partitions - 1);
    let batch = open[partition];
    if (batch === null || batch === undefined) {
      batch = { first: i, events: [], size: random.integer(20, 80) };
      open[partition] = batch;
      perPartition[partition]!.push(batch);
    }
    batch.events.push(event);
    if (batch.events.length >= batch.size) open[partition] = null;
  }
  const batches = perPartition
    .flatMap((list, partition) => list.map((batch) => ({ ...batch, partition })))
    .sort((a, b) => a.first - b.first)
    .map((batch): RawRecord => ({ partition: batch.partition, value: rawBatch(batch.events, random.next() < 0.5), events: batch.events }));
  const chunks: RawRecord[][] = [];
  const perChunk = Math.ceil(batches.length / options.chunks);
  for (let from = 0; from < batches.length; from += perChunk) chunks.push(batches.slice(from, from + perChunk));
  return chunks;
}

/**
 * One batch per raw partition, far after the main load (at `at`), with an
 * event of every kind the main queries select: it lifts each main query's
 * watermark on its partition past the load's windows, so they all close by
 * event time, while the windows of these events stay open (the oracle
 * expects no result of them).
 */
export function trailingLoad(at: number, partitions: number): RawRecord[] {
  const events: ChaosEvent[] = [
    { eventType: 'PageView', timestamp: at, attributes: { appName: 'shop', country: 'DE', bytes: 1 } },
    { eventType: 'PageView', timestamp: at, attributes: { appName: 'blog', country: 'DE', bytes: 1 } },
    { eventType: 'Transaction', timestamp: at, attributes: { appName: 'api', country: 'DE', bytes: 1 } },
  ];
  return Array.from({ length: partitions }, (_, partition) => ({ partition, value: rawBatch(events, false), events }));
}

/** Complete windows of a probe query; after them, one window of trailing events that its cancellation publishes incomplete. */
export const PROBE_WINDOWS = 3;

/**
 * The events of a probe query: on every raw partition, 3 to 12 events in
 * each of its first `PROBE_WINDOWS` windows from `base` (facet `shard` a, b
 * or c), then one trailing event per partition in the next window (shard
 * `tail`). The trailing events close the complete windows by event time;
 * their own window stays open until the query is cancelled.
 */
export function probeLoad(query: ChaosQuery, base: number, partitions: number, random: SeededRandom): RawRecord[] {
  const records: RawRecord[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const events: ChaosEvent[] = [];
    for (let window = 0; window < PROBE_WINDOWS; window++) {
      const count = random.integer(3, 12);
      for (let i = 0; i < count; i++) {
        const timestamp = base + window * query.windowMs + Math.floor((i * query.windowMs) / count);
        events.push({ eventType: PROBE_EVENT_TYPE, timestamp, attributes: { probe: query.id, shard: random.pick(['a', 'b', 'c']) } });
      }
    }
    const tail: ChaosEvent = { eventType: PROBE_EVENT_TYPE, timestamp: base + PROBE_WINDOWS * query.windowMs + partition, attributes: { probe: query.id, shard: 'tail' } };
    records.push({ partition, value: rawBatch(events, random.next() < 0.5), events });
    records.push({ partition, value: rawBatch([tail], false), events: [tail] });
  }
  return records;
}
