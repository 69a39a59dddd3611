/**
 * The restorer: where a partition's state and input resume. It turns the
 * stage's snapshots partition (read by `readRestorePoint`) into a seed, the
 * one thing the host needs to rebuild the partition:
 *
 * - with a snapshot: its machine snapshot, input offset and sequence number,
 *   and the publish markers (those after it, and every one by key);
 * - without one (or for a stage without snapshots): a fresh machine, input
 *   from the group's committed offset, else from the partition's earliest
 *   offset.
 *
 * It reads and decides; it does not fence (the caller connects the
 * partition's transactional producer first, so the log it reads is settled).
 */
import type { HandOverKind } from './release.ts';
import type { PartitionReader } from '../../protocols/transport.ts';
import type { RestoreSource } from '../../protocols/stage.ts';
import { decodeHostedState, type PublishMarker } from '../../protocols/snapshot/index.ts';
import { readRestorePoint, type WarmLog } from '../snapshot-restorer.ts';

/** What a restore found, for logs and status. */
export interface RestoreReport {
  readonly from: RestoreSource;
  readonly seq: number | null;
  readonly offset: number;
  readonly ageMs: number | null;
  readonly bytes: number;
  readonly durationMs: number;
  readonly markers: number;
  /** Records of the snapshots partition this restore read: from its start, or only the tail a standby had not read. */
  readonly snapshotRecordsRead: number;
  /** Whether it went on from a standby replica's warm copy. */
  readonly warm: boolean;
  /**
   * Records of the snapshots partition the restore passed over: snapshots
   * never completed (`incomplete`) or failing their checksum (`corrupt`), and
   * publish markers an operator skipped (`markers`, `eventide snapshots skip`).
   */
  readonly ignored: RestoreIgnored;
  /** How the partition came here (./release.ts); set by the host. */
  readonly handOver?: HandOverKind;
  /** How long the host waited for the last owner's release before it fenced. */
  readonly releaseWaitMs?: number;
  /** Input records handled before by the last owner and handled again here: 0 after a release, unknown (null) otherwise. */
  readonly replayed?: number | null;
}

/** What a restore passed over, by kind. */
export interface RestoreIgnored {
  readonly incomplete: number;
  readonly corrupt: number;
  readonly markers: number;
}

/** Everything a host needs to rebuild a partition. */
export interface RestoreSeed {
  readonly from: RestoreSource;
  /** The machine's persisted snapshot; `null`: start a fresh actor. */
  readonly machine: unknown;
  /** The first input offset to consume. */
  readonly nextOffset: number;
  /** Sequence number of the restored snapshot (0 without one); the next snapshot is `seq + 1`. */
  readonly seq: number;
  /** When the restored snapshot was taken (`null` without one). */
  readonly takenAt: number | null;
  /** Payload bytes of the restored snapshot. */
  readonly bytes: number;
  /**
   * Markers written after the restored snapshot, in log order. Without a
   * snapshot, every marker: the fresh actor replays input they covered.
   */
  readonly markersAfter: readonly PublishMarker[];
  /** Every marker of the partition by key, those before the snapshot included. */
  readonly markersByKey: ReadonlyMap<string, PublishMarker>;
  /** Records passed over: snapshots without their commit or chunks, or failing their checksum; skipped markers. */
  readonly ignored: RestoreIgnored;
  /** Records of the snapshots partition read for this restore. */
  readonly snapshotRecordsRead: number;
  /** Whether the restore went on from a standby replica's warm log. */
  readonly warm: boolean;
}

/** Where the restorer reads. */
export interface RestoreSources {
  /** The static reader of the snapshots topic and the input topic's earliest offsets. */
  readonly reader: Pick<PartitionReader, 'startOffsets' | 'endOffsets' | 'read'>;
  /** The stage group's committed offsets on the input topic, by partition. */
  readonly committedOffsets: () => Promise<ReadonlyMap<number, number>>;
}

/** The partition to restore. */
export interface RestoreTarget {
  readonly stage: string;
  readonly partition: number;
  readonly inputTopic: string;
  /** The stage's snapshots topic; absent for a stateless stage. */
  readonly snapshotsTopic?: string;
  /** A standby replica's log of the snapshots partition, read on from where it stopped. */
  readonly warm?: WarmLog;
}

const NO_MARKERS: ReadonlyMap<string, PublishMarker> = new Map();

/**
 * Finds where the partition resumes. Throws `UndecodableMarkerError` for a
 * marker that does not decode and that no skip names, and `DecodeError` for
 * a verified snapshot that does not decode (going on could publish twice).
 */
export async function restorePartition(sources: RestoreSources, target: RestoreTarget): Promise<RestoreSeed> {
  if (target.snapshotsTopic === undefined) return startFresh(sources, target, NO_MARKERS, [], { incomplete: 0, corrupt: 0, markers: 0 }, { snapshotRecordsRead: 0, warm: false });
  const point = await readRestorePoint(sources.reader as PartitionReader, target.snapshotsTopic, target.stage, target.partition, target.warm);
  const read = { snapshotRecordsRead: point.recordsRead, warm: point.warm };
  if (point.snapshot === null) return startFresh(sources, target, point.markersByKey, point.markersAfter, point.ignored, read);
  return {
    ...read,
    from: 'snapshot',
    machine: decodeHostedState(point.snapshot.state).machine,
    nextOffset: point.snapshot.meta.nextOffset,
    seq: point.snapshot.meta.seq,
    takenAt: point.snapshot.meta.takenAt,
    bytes: point.snapshot.bytes,
    markersAfter: point.markersAfter,
    markersByKey: point.markersByKey,
    ignored: point.ignored,
  };
}

async function startFresh(
  sources: RestoreSources,
  target: RestoreTarget,
  markersByKey: ReadonlyMap<string, PublishMarker>,
  markersAfter: readonly PublishMarker[],
  ignored: RestoreSeed['ignored'],
  read: Pick<RestoreSeed, 'snapshotRecordsRead' | 'warm'>,
): Promise<RestoreSeed> {
  const fresh = { machine: null, seq: 0, takenAt: null, bytes: 0, markersAfter, markersByKey, ignored, ...read };
  const committed = (await sources.committedOffsets()).get(target.partition);
  if (committed !== undefined) return { ...fresh, from: 'committed-offset', nextOffset: committed };
  const earliest = (await sources.reader.startOffsets(target.inputTopic)).get(target.partition) ?? 0;
  return { ...fresh, from: 'earliest', nextOffset: earliest };
}

/** The report of a restore, as logs and `stats()` show it. */
export function restoreReport(seed: RestoreSeed, now: number, durationMs: number): RestoreReport {
  return {
    from: seed.from,
    seq: seed.from === 'snapshot' ? seed.seq : null,
    offset: seed.nextOffset,
    ageMs: seed.takenAt === null ? null : now - seed.takenAt,
    bytes: seed.bytes,
    durationMs,
    markers: seed.markersAfter.length,
    snapshotRecordsRead: seed.snapshotRecordsRead,
    warm: seed.warm,
    ignored: seed.ignored,
  };
}
