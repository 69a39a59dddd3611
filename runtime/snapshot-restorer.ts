/**
 * Reads a partition's snapshots topic partition from its earliest offset to
 * its end (read_committed, a static read outside any group) and finds what a
 * new owner needs: the newest complete snapshot and the publish markers that
 * tell which publications are durable.
 *
 * With a warm log (a standby replica's, ./partition/standby-replica.ts) it
 * reads on from where that replica stopped instead of from the earliest
 * offset.
 *
 * A publish marker that does not decode, and that no skip record names,
 * stops the restore with `UndecodableMarkerError` (naming its offset and
 * the command that gets past it): which window it published is unknown.
 */
import { UndecodableMarkerError } from '../protocols/errors.ts';
import type { PartitionReader } from '../protocols/transport.ts';
import { SnapshotLogReader, type PublishMarker, type RestoredSnapshot } from '../protocols/snapshot/index.ts';

export interface RestorePoint {
  readonly snapshot: RestoredSnapshot | null;
  /** Markers written after the snapshot. */
  readonly markersAfter: readonly PublishMarker[];
  /** Every marker in the partition by key (a pending publication's marker may precede the snapshot). */
  readonly markersByKey: ReadonlyMap<string, PublishMarker>;
  /** Records of the snapshots partition this restore read (after the warm log's position, when it had one). */
  readonly recordsRead: number;
  readonly bytesRead: number;
  /** Whether it went on from a standby replica's warm log. */
  readonly warm: boolean;
  /** What the restore passed over: snapshots never completed or failing their checksum, and markers an operator skipped. */
  readonly ignored: { readonly incomplete: number; readonly corrupt: number; readonly markers: number };
}

/** A snapshots log read up to `position` by a standby replica (which verified every snapshot). */
export interface WarmLog {
  readonly log: SnapshotLogReader;
  readonly position: number;
  readonly recordsRead: number;
  readonly bytesRead: number;
}

export async function readRestorePoint(reader: PartitionReader, topic: string, stage: string, partition: number, warm?: WarmLog): Promise<RestorePoint> {
  const start = (await reader.startOffsets(topic)).get(partition) ?? 0;
  // A replica that fell behind retention misses what was deleted before it read it: read cold.
  const usable = warm !== undefined && warm.position >= start ? warm : undefined;
  // Only the newest snapshot's checksum is checked; should the newest two both fail it, the partition is read again checking every one.
  let read = usable === undefined
    ? await readSnapshotLog(reader, topic, partition, new SnapshotLogReader({ stage, verify: 'latest' }), start)
    : await readSnapshotLog(reader, topic, partition, usable.log, usable.position);
  if (read.log.passedOverUnverified()) read = await readSnapshotLog(reader, topic, partition, new SnapshotLogReader({ stage, verify: 'every' }), start);
  const { log, recordsRead, bytesRead } = read;
  const [undecodable, ...more] = log.undecodableMarkers();
  if (undecodable !== undefined) {
    const detail = more.length === 0 ? undecodable.detail : `${undecodable.detail}; ${more.length} more undecodable marker${more.length === 1 ? '' : 's'} after it, at ${more.slice(0, 5).map((m) => m.offset).join(', ')}${more.length > 5 ? '...' : ''}`;
    throw new UndecodableMarkerError({ stage, topic, partition, offset: undecodable.offset, detail });
  }
  const snapshot = log.latest();
  const markersByKey = new Map<string, PublishMarker>();
  for (const marker of log.allMarkers()) markersByKey.set(marker.key, marker);
  return { snapshot, markersAfter: log.markersAfterLatest(), markersByKey, recordsRead, bytesRead, warm: usable !== undefined, ignored: { ...log.ignored(), markers: log.skippedMarkers() } };
}

/** Feeds `log` the partition from `from` to its end. */
async function readSnapshotLog(reader: PartitionReader, topic: string, partition: number, log: SnapshotLogReader, from: number): Promise<{ log: SnapshotLogReader; recordsRead: number; bytesRead: number }> {
  let recordsRead = 0;
  let bytesRead = 0;
  // Read to the end, then ask for the end again and go on while it moved: during a leader change a
  // broker can answer with an end that is behind, and a short read restores an old snapshot and
  // misses publish markers, which would publish windows twice. The partition's only writer is
  // fenced by now, so the end only moves while the fenced owner's last transaction settles.
  for (let round = 0; round < 10; round++) {
    const until = (await reader.endOffsets(topic, 'read_committed')).get(partition) ?? 0;
    if (until <= from) break;
    for await (const chunk of reader.read({ topic, partition, offset: from }, until, { isolation: 'read_committed' })) {
      for (const record of chunk) {
        recordsRead++;
        bytesRead += record.value?.length ?? 0;
        log.add(record);
      }
    }
    from = until;
  }
  return { log, recordsRead, bytesRead };
}
