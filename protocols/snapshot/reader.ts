/**
 * Reads one partition of the `snapshots` topic back, in offset order, and
 * keeps what a new owner needs: the newest complete snapshot and the publish
 * markers written after it.
 *
 * Memory stays bounded by about three snapshots: chunks are held only until
 * their commit (or the next commit of another snapshot, which means they
 * were abandoned), and a newer snapshot replaces the older ones.
 *
 * With `verify: 'latest'` (restores) a snapshot's checksum is verified only
 * when it is asked for (`latest()`), newest first: a restore behind a long
 * history hashes one snapshot, not every one it read (100,000 windows, 28 MB
 * each: hashing and joining ten took 210 of the 750 ms of a restore). The
 * newest two whose chunks are all there are kept, so a corrupt newest one
 * still restores the one before; should both be corrupt, `latest()` is null
 * and `passedOverUnverified()` true, and the caller reads the partition
 * again verifying every snapshot (the default, `verify: 'every'`, which
 * listings use to tell each snapshot's verdict as it is read).
 *
 * A marker that does not decode is held, not thrown at once: a skip record
 * written later on the same partition (`eventide snapshots skip`) may name
 * it, and only the end of the partition tells. The caller asks
 * `undecodableMarkers()` once it has read everything, and must not restore
 * while any is left.
 */
import { DecodeError } from '../errors.ts';
import type { RecordHeaders } from '../transport.ts';
import { decodeSnapshotSkip, type SnapshotSkip } from './skip-record.ts';
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

/** A publish marker that does not decode, and that no skip names (yet). */
export interface UndecodableMarker {
  readonly offset: number;
  /** Why it does not decode. */
  readonly detail: string;
}

/**
 * What a skip record did: `applied` (it names a marker of this stage, by
 * offset and checksum, and that marker is passed over); `no-record` (no
 * marker of this stage at that offset: retention removed it, or it is
 * another kind of record, which skips do not apply to); `checksum-differs`
 * (the record there has other bytes); `corrupt` (the skip itself does not
 * decode, or names an offset not before its own). Only `applied` changes
 * what a restore does.
 */
export interface SkipVerdict {
  /** Offset of the skip record. */
  readonly offset: number;
  /** What it says, when it decoded. */
  readonly skip: SnapshotSkip | null;
  readonly effect: 'applied' | 'no-record' | 'checksum-differs' | 'corrupt';
  /** Why it changed nothing. */
  readonly reason?: string;
}

/** What a `SnapshotLogReader` tells as it reads (the inspector's history, `eventide snapshots list`). */
export interface SnapshotLogObserver {
  /** Each commit record, with its verdict. */
  onCommit?(verdict: CommitVerdict): void;
  /** Each publish marker that decoded. */
  onMarker?(offset: number, marker: PublishMarker): void;
  /** Each publish marker that does not decode (a later skip may still name it). */
  onUndecodableMarker?(marker: UndecodableMarker): void;
  /** Each skip record, with what it did. */
  onSkip?(verdict: SkipVerdict): void;
}

/** A record of the snapshots partition, as a transport delivers it. */
export interface SnapshotLogEntry {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
}

interface MarkerEntry {
  readonly offset: number;
  readonly marker: PublishMarker;
  readonly sha256: string;
}

interface UndecodableEntry extends UndecodableMarker {
  readonly sha256: string;
}

interface VerifiedSnapshot {
  readonly meta: SnapshotMeta;
  readonly payload: Buffer;
  readonly offset: number;
  state?: unknown;
}

/** A snapshot whose chunks are all there, its checksum not verified yet. */
interface UnverifiedSnapshot {
  readonly commit: SnapshotCommit;
  readonly parts: readonly Buffer[];
  readonly offset: number;
}

/**
 * Feed it the records of one snapshots partition in offset order, then check
 * `undecodableMarkers()` and ask for `latest()` and `markersAfterLatest()`.
 *
 * @example
 * ```ts
 * const log = new SnapshotLogReader({ stage: 'aggregate' });
 * for (const record of records) log.add(record);
 * if (log.undecodableMarkers().length > 0) throw ...; // which windows they published is unknown
 * const snapshot = log.latest(); // null: start from the committed offset
 * ```
 */
export class SnapshotLogReader {
  readonly #stage: string;
  /** Chunks of snapshots whose commit has not been read yet, by snapshot id then chunk index. */
  readonly #pending = new Map<string, Map<number, Buffer>>();
  #latest: VerifiedSnapshot | null = null;
  /** Newer than `#latest`, oldest first (at most two): verified when asked for, newest first. */
  #unverified: UnverifiedSnapshot[] = [];
  /** Markers that decoded, by offset (in offset order: a Map keeps insertion order). */
  readonly #markers = new Map<number, MarkerEntry>();
  /** Markers that do not decode and that no skip named, by offset. */
  readonly #undecodable = new Map<number, UndecodableEntry>();
  #incomplete = 0;
  #corrupt = 0;
  readonly #verifyEvery: boolean;
  /** Complete-looking snapshots dropped without their checksum checked (a newer one came). */
  #droppedUnverified = 0;
  #skippedMarkers = 0;

  readonly #observer: SnapshotLogObserver;

  /**
   * Reads only the records of `stage`; other stages' records are skipped. `observer` is told of every commit and marker.
   * `verify`: `every` snapshot's checksum as it is read (the default), or only the `latest` one, when it is asked for.
   */
  constructor(options: { stage: string; observer?: SnapshotLogObserver; verify?: 'every' | 'latest' }) {
    this.#stage = options.stage;
    this.#observer = options.observer ?? {};
    this.#verifyEvery = options.verify !== 'latest';
  }

  /** True when `latest()` found no complete snapshot among those it kept, but passed over older ones unverified: read again with `verify: 'every'`. */
  passedOverUnverified(): boolean {
    this.#verifyNewest();
    return this.#latest === null && this.#droppedUnverified > 0;
  }

  /** Adds the next record (records of other stages, and tombstones, are passed over). */
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
      case 'skip':
        this.#addSkip(record.offset, record.value);
        break;
      default:
        break;
    }
  }

  /** The newest snapshot whose commit, chunks and checksum are all there and right; `null` if none. */
  latest(): RestoredSnapshot | null {
    this.#verifyNewest();
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
    this.#verifyNewest();
    const after = this.#latest?.offset ?? -1;
    return [...this.#markers.values()].filter((entry) => entry.offset > after).map((entry) => entry.marker);
  }

  /** Every marker read, in offset order (a publication requested before a snapshot may be marked before it). */
  allMarkers(): PublishMarker[] {
    return [...this.#markers.values()].map((entry) => entry.marker);
  }

  /**
   * Markers that do not decode and that no skip record names, in offset
   * order. A restore must not go on while any is left: which publication
   * each made durable is unknown.
   */
  undecodableMarkers(): UndecodableMarker[] {
    return [...this.#undecodable.values()].map(({ offset, detail }) => ({ offset, detail }));
  }

  /** Markers passed over because a skip record named them (undecodable ones, or decodable ones skipped by force). */
  skippedMarkers(): number {
    return this.#skippedMarkers;
  }

  /** Snapshots skipped: `incomplete` (no commit, or chunks missing) and `corrupt` (bad commit or checksum). */
  ignored(): { incomplete: number; corrupt: number } {
    this.#verifyNewest();
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
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    if (length !== commit.bytes) {
      this.#corrupt++;
      this.#observer.onCommit?.({ offset, commit, verdict: 'corrupt', reason: `its chunks hold ${length} bytes, the commit says ${commit.bytes}` });
      return;
    }
    const snapshot: UnverifiedSnapshot = { commit, parts, offset };
    if (this.#verifyEvery) {
      this.#verify(snapshot);
      return;
    }
    this.#unverified.push(snapshot);
    if (this.#unverified.length > 2) {
      this.#unverified.shift();
      this.#droppedUnverified++;
    }
  }

  /** Verifies the unverified snapshots newest first, until one is complete (it becomes the latest) or none is left. */
  #verifyNewest(): void {
    const unverified = this.#unverified;
    this.#unverified = [];
    for (let i = unverified.length - 1; i >= 0; i--) if (this.#verify(unverified[i]!)) return;
  }

  /** Checks a snapshot's checksum; a complete one becomes the latest. */
  #verify({ commit, parts, offset }: UnverifiedSnapshot): boolean {
    const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (payloadChecksum(payload) !== commit.sha256) {
      this.#corrupt++;
      this.#observer.onCommit?.({ offset, commit, verdict: 'corrupt', reason: 'its checksum does not match' });
      return false;
    }
    this.#observer.onCommit?.({ offset, commit, verdict: 'complete' });
    const { stage, partition, seq, nextOffset, nodeId, generation, takenAt } = commit;
    this.#latest = { meta: { stage, partition, seq, nextOffset, nodeId, generation, takenAt }, payload, offset };
    return true;
  }

  #addMarker(offset: number, value: Buffer): void {
    let marker: PublishMarker;
    try {
      marker = decodePublishMarker(value);
    } catch (cause) {
      const entry = { offset, detail: cause instanceof Error ? cause.message : String(cause), sha256: payloadChecksum(value) };
      this.#undecodable.set(offset, entry);
      this.#observer.onUndecodableMarker?.({ offset, detail: entry.detail });
      return;
    }
    this.#markers.set(offset, { offset, marker, sha256: payloadChecksum(value) });
    this.#observer.onMarker?.(offset, marker);
  }

  #addSkip(offset: number, value: Buffer): void {
    let skip: SnapshotSkip;
    try {
      skip = decodeSnapshotSkip(value);
    } catch (error) {
      this.#observer.onSkip?.({ offset, skip: null, effect: 'corrupt', reason: `the skip record does not decode: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    if (skip.offset >= offset) {
      this.#observer.onSkip?.({ offset, skip, effect: 'corrupt', reason: `it names offset ${skip.offset}, not one before its own` });
      return;
    }
    const target = this.#undecodable.get(skip.offset) ?? this.#markers.get(skip.offset);
    if (target === undefined) {
      this.#observer.onSkip?.({ offset, skip, effect: 'no-record', reason: `no publish marker of stage ${this.#stage} at offset ${skip.offset} (gone with retention, or not a marker)` });
      return;
    }
    if (target.sha256 !== skip.sha256) {
      this.#observer.onSkip?.({ offset, skip, effect: 'checksum-differs', reason: `the record at offset ${skip.offset} is not the one the skip was written for (its sha256 differs)` });
      return;
    }
    this.#undecodable.delete(skip.offset);
    this.#markers.delete(skip.offset);
    this.#skippedMarkers++;
    this.#observer.onSkip?.({ offset, skip, effect: 'applied' });
  }
}
