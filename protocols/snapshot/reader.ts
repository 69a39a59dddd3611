/**
 * Reads one partition of the `snapshots` topic back, in offset order, and
 * keeps what a new owner needs: the newest complete snapshot and the publish
 * markers written after it.
 *
 * Memory stays bounded by about two snapshots: chunks are held only until
 * their commit (or the next commit of another snapshot, which means they
 * were abandoned), and a verified snapshot replaces the previous one.
 */
import { DecodeError } from '../errors.ts';
import type { RecordHeaders } from '../transport.ts';
import {
  SnapshotHeaders,
  decodePublishMarker,
  decodeSnapshotCommit,
  payloadChecksum,
  type PublishMarker,
  type SnapshotCommit,
  type SnapshotMeta,
} from './v1.ts';

/** A snapshot read back and verified. */
export interface RestoredSnapshot {
  readonly meta: SnapshotMeta;
  /** The state as it was passed to `encodeSnapshot`, after a JSON round trip. */
  readonly state: unknown;
  /** Payload size in bytes. */
  readonly bytes: number;
  /** Offset of its commit record. */
  readonly offset: number;
}

/** What the reader made of a commit record: the snapshot it completes, and whether it restores. */
export interface CommitVerdict {
  /** Offset of the commit record. */
  readonly offset: number;
  /** The snapshot's meta and size, when the commit decoded. */
  readonly commit: SnapshotCommit | null;
  /** `complete`: its chunks and checksum are right (it restores); `incomplete` or `corrupt` otherwise. */
  readonly verdict: 'complete' | 'incomplete' | 'corrupt';
  /** Why it does not restore. */
  readonly reason?: string;
}

/** What a `SnapshotLogReader` tells as it reads (the inspector's history). */
export interface SnapshotLogObserver {
  /** Each commit record, with its verdict. */
  onCommit?(verdict: CommitVerdict): void;
  /** Each publish marker that decoded. */
  onMarker?(offset: number, marker: PublishMarker): void;
}

/** A record of the snapshots partition, as a transport delivers it. */
export interface SnapshotLogEntry {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
}

interface VerifiedSnapshot {
  readonly meta: SnapshotMeta;
  readonly payload: Buffer;
  readonly offset: number;
  state?: unknown;
}

/**
 * Feed it the records of one snapshots partition in offset order, then ask
 * for `latest()` and `markersAfterLatest()`.
 *
 * @example
 * ```ts
 * const log = new SnapshotLogReader({ stage: 'aggregate' });
 * for (const record of records) log.add(record);
 * const snapshot = log.latest(); // null: start from the committed offset
 * ```
 */
export class SnapshotLogReader {
  readonly #stage: string;
  /** Chunks of snapshots whose commit has not been read yet, by snapshot id then chunk index. */
  readonly #pending = new Map<string, Map<number, Buffer>>();
  #latest: VerifiedSnapshot | null = null;
  readonly #markers: { readonly offset: number; readonly marker: PublishMarker }[] = [];
  #incomplete = 0;
  #corrupt = 0;

  readonly #observer: SnapshotLogObserver;

  /** Reads only the records of `stage`; other stages' records are skipped. `observer` is told of every commit and marker. */
  constructor(options: { stage: string; observer?: SnapshotLogObserver }) {
    this.#stage = options.stage;
    this.#observer = options.observer ?? {};
  }

  /**
   * Adds the next record. Throws `DecodeError('corrupt-marker')` for a marker
   * that does not decode: skipping it could publish a window twice.
   */
  add(record: SnapshotLogEntry): void {
    if (record.headers[SnapshotHeaders.stage] !== this.#stage || record.value === null) return;
    switch (record.headers[SnapshotHeaders.kind]) {
      case 'chunk':
        this.#addChunk(record.headers, record.value);
        break;
      case 'commit':
        this.#addCommit(record.offset, record.value, record.headers[SnapshotHeaders.snapshotId]);
        break;
      case 'marker':
        this.#addMarker(record.offset, record.value);
        break;
      default:
        break;
    }
  }

  /** The newest snapshot whose commit, chunks and checksum are all there and right; `null` if none. */
  latest(): RestoredSnapshot | null {
    const latest = this.#latest;
    if (latest === null) return null;
    if (!('state' in latest)) {
      try {
        latest.state = JSON.parse(latest.payload.toString('utf8'));
      } catch (cause) {
        // The checksum matched, so the writer itself serialised something unreadable.
        throw new DecodeError('corrupt-snapshot', `snapshot ${latest.meta.stage}/${latest.meta.partition}/${latest.meta.seq} at offset ${latest.offset} has a valid checksum but is not JSON`, { cause });
      }
    }
    return { meta: latest.meta, state: latest.state, bytes: latest.payload.length, offset: latest.offset };
  }

  /** Markers written after the latest snapshot's commit (all of them without a snapshot), in offset order. */
  markersAfterLatest(): PublishMarker[] {
    const after = this.#latest?.offset ?? -1;
    return this.#markers.filter((entry) => entry.offset > after).map((entry) => entry.marker);
  }

  /** Every marker read, in offset order (a publication requested before a snapshot may be marked before it). */
  allMarkers(): PublishMarker[] {
    return this.#markers.map((entry) => entry.marker);
  }

  /** Snapshots skipped: `incomplete` (no commit, or chunks missing) and `corrupt` (bad commit or checksum). */
  ignored(): { incomplete: number; corrupt: number } {
    return { incomplete: this.#incomplete + this.#pending.size, corrupt: this.#corrupt };
  }

  #addChunk(headers: RecordHeaders, value: Buffer): void {
    const id = headers[SnapshotHeaders.snapshotId];
    const index = Number(headers[SnapshotHeaders.chunk]);
    if (id === undefined || !Number.isSafeInteger(index) || index < 0) {
      this.#corrupt++;
      return;
    }
    let chunks = this.#pending.get(id);
    if (chunks === undefined) this.#pending.set(id, (chunks = new Map()));
    chunks.set(index, value);
  }

  #addCommit(offset: number, value: Buffer, headerId: string | undefined): void {
    let commit: SnapshotCommit;
    try {
      commit = decodeSnapshotCommit(value);
    } catch (error) {
      this.#corrupt++;
      // Its chunks belong to this corrupt snapshot: counted here, not again as incomplete at the next commit.
      if (headerId !== undefined) this.#pending.delete(headerId);
      this.#observer.onCommit?.({ offset, commit: null, verdict: 'corrupt', reason: `the commit record does not decode: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const id = `${commit.stage}/${commit.partition}/${commit.seq}`;
    const chunks = this.#pending.get(id);
    this.#pending.delete(id);
    // One writer per partition writes chunks then commit, so chunks still
    // pending now belong to snapshots that were abandoned mid-write.
    this.#incomplete += this.#pending.size;
    this.#pending.clear();
    const parts: Buffer[] = [];
    for (let i = 0; i < commit.chunks; i++) {
      const part = chunks?.get(i);
      if (part === undefined) {
        this.#incomplete++;
        this.#observer.onCommit?.({ offset, commit, verdict: 'incomplete', reason: `chunk ${i} of ${commit.chunks} is missing` });
        return;
      }
      parts.push(part);
    }
    const payload = Buffer.concat(parts);
    if (payload.length !== commit.bytes || payloadChecksum(payload) !== commit.sha256) {
      this.#corrupt++;
      this.#observer.onCommit?.({ offset, commit, verdict: 'corrupt', reason: payload.length !== commit.bytes ? `its chunks hold ${payload.length} bytes, the commit says ${commit.bytes}` : 'its checksum does not match' });
      return;
    }
    this.#observer.onCommit?.({ offset, commit, verdict: 'complete' });
    const { stage, partition, seq, nextOffset, nodeId, generation, takenAt } = commit;
    this.#latest = { meta: { stage, partition, seq, nextOffset, nodeId, generation, takenAt }, payload, offset };
  }

  #addMarker(offset: number, value: Buffer): void {
    try {
      const marker = decodePublishMarker(value);
      this.#markers.push({ offset, marker });
      this.#observer.onMarker?.(offset, marker);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new DecodeError('corrupt-marker', `publish marker at offset ${offset} does not decode: ${detail}`, { cause });
    }
  }
}
