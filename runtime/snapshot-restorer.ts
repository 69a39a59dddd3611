/**
 * Reads a partition's snapshots topic partition from its earliest offset to
 * its end (read_committed, a static read outside any group) and finds what a
 * new owner needs: the newest complete snapshot and the publish markers that
 * tell which publications are durable.
 */
import type { PartitionReader } from '../protocols/transport.ts';
import { SnapshotLogReader, type PublishMarker, type RestoredSnapshot } from '../protocols/snapshot/index.ts';

export interface RestorePoint {
  readonly snapshot: RestoredSnapshot | null;
  /** Markers written after the snapshot. */
  readonly markersAfter: readonly PublishMarker[];
  /** Every marker in the partition by key (a pending publication's marker may precede the snapshot). */
  readonly markersByKey: ReadonlyMap<string, PublishMarker>;
  readonly recordsRead: number;
  readonly bytesRead: number;
  readonly ignored: { readonly incomplete: number; readonly corrupt: number };
}

export async function readRestorePoint(reader: PartitionReader, topic: string, stage: string, partition: number): Promise<RestorePoint> {
  const [start, end] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  const log = new SnapshotLogReader({ stage });
  const markersByKey = new Map<string, PublishMarker>();
  let recordsRead = 0;
  let bytesRead = 0;
  const from = start.get(partition) ?? 0;
  const until = end.get(partition) ?? 0;
  if (until > from) {
    for await (const chunk of reader.read({ topic, partition, offset: from }, until, { isolation: 'read_committed' })) {
      for (const record of chunk) {
        recordsRead++;
        bytesRead += record.value?.length ?? 0;
        log.add(record);
      }
    }
  }
  const snapshot = log.latest();
  for (const marker of log.allMarkers()) markersByKey.set(marker.key, marker);
  return { snapshot, markersAfter: log.markersAfterLatest(), markersByKey, recordsRead, bytesRead, ignored: log.ignored() };
}
