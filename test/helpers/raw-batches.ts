/**
 * Known events as raw batches on `events.raw`: event i goes to partition
 * `i % partitions`, so each partition stays in event-time order, and every
 * other batch of a partition is gzip-compressed, as mixed producers send them.
 */
import type { Event } from '../../protocols/event.ts';
import type { ProducedRecord } from '../../protocols/transport.ts';
import { encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { TOPICS } from '../../pipeline/topics.ts';

export function rawBatchRecords(events: readonly Event[], partitions: number, batchSize: number): ProducedRecord[] {
  const perPartition: Event[][] = Array.from({ length: partitions }, () => []);
  events.forEach((event, i) => perPartition[i % partitions]!.push(event));
  const records: ProducedRecord[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const list = perPartition[partition]!;
    for (let from = 0; from < list.length; from += batchSize) {
      records.push({ topic: TOPICS.raw, partition, value: encodeEventBatch(list.slice(from, from + batchSize), { gzip: (from / batchSize) % 2 === 0 }) });
    }
  }
  return records;
}
