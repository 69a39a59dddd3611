/**
 * One line per record of a snapshots partition, for an operator
 * (`eventide snapshots list`): its kind, the snapshot it belongs to, its
 * size, who wrote it, and what a restore makes of it. The verdicts are the
 * restore's own: every record is fed to a `SnapshotLogReader` of its stage,
 * and its observer says which snapshots complete, which markers decode and
 * what each skip did.
 *
 * A verdict can depend on records after it (a chunk on its commit, a marker
 * on a later skip), so feed the partition to its end; only the rows from
 * `from` on, at most `limit` of them, are kept.
 *
 * @example
 * ```ts
 * const listing = new SnapshotLogListing({ from: 1200, limit: 50 });
 * for (const record of records) listing.add(record);
 * for (const row of listing.rows()) console.log(row.offset, row.kind, row.verdict);
 * ```
 */
import { SnapshotLogReader, type CommitVerdict, type SkipVerdict, type SnapshotLogEntry, type UndecodableMarker } from './reader.ts';
import { SnapshotHeaders, type PublishMarker } from './v1.ts';

/** The kind of a listed record: its `eventide-kind` header, or `unknown` (no stage or kind header eventide reads). */
export type ListedKind = 'chunk' | 'commit' | 'marker' | 'skip' | 'unknown';

/**
 * What a restore makes of a record:
 * - chunks and commits: `complete` (the snapshot restores), `incomplete`
 *   (never committed, or chunks missing) or `corrupt` (bad commit, headers or checksum);
 * - markers: `ok`, `undecodable` (a restore of its stage stops there) or
 *   `skipped` (a skip record names it);
 * - skips: `applied`, `no-effect` (nothing there to skip, or other bytes) or `corrupt`;
 * - `unknown`: no restore reads it.
 */
export type ListedVerdict = 'complete' | 'incomplete' | 'corrupt' | 'ok' | 'undecodable' | 'skipped' | 'applied' | 'no-effect' | 'unknown';

/** One listed record. */
export interface ListedRecord {
  readonly offset: number;
  readonly kind: ListedKind;
  /** The stage header; null when absent. */
  readonly stage: string | null;
  /** The snapshot's sequence number (chunks, commits), when known. */
  seq: number | null;
  /** Value size in bytes. */
  readonly bytes: number;
  /** The record's timestamp (milliseconds since the epoch), when the transport gave one. */
  readonly timestamp: number | null;
  /** Node id and group generation of a snapshot's writer, or who wrote a skip; null when the record does not say. */
  writer: string | null;
  verdict: ListedVerdict;
  /** What the verdict rests on (a marker's key, why a record does not decode, what a skip did). */
  detail: string;
  /** For a `skipped` record, the offset of the skip record that names it. */
  skippedBy: number | null;
}

/** A record as a transport delivers it, with its timestamp when there is one. */
export interface ListingEntry extends SnapshotLogEntry {
  readonly timestamp?: number;
}

interface StageLog {
  readonly reader: SnapshotLogReader;
  /** Kept chunk rows whose snapshot has no verdict yet, by snapshot id. */
  readonly pending: Map<string, ListedRecord[]>;
}

/** Lists a snapshots partition; see the module comment. */
export class SnapshotLogListing {
  readonly #from: number;
  readonly #limit: number;
  readonly #rows: ListedRecord[] = [];
  readonly #byOffset = new Map<number, ListedRecord>();
  readonly #stages = new Map<string, StageLog>();
  /** The row of the record being added, while its reader's observer runs (null when it is not kept). */
  #current: ListedRecord | null = null;
  #currentHeaders: Readonly<Record<string, string>> = {};

  /** Keeps rows of offsets from `from` (default 0), at most `limit` (default unbounded). */
  constructor(options: { from?: number; limit?: number } = {}) {
    this.#from = options.from ?? 0;
    this.#limit = options.limit ?? Number.POSITIVE_INFINITY;
  }

  /** Adds the next record of the partition, in offset order. */
  add(record: ListingEntry): void {
    const stage = record.headers[SnapshotHeaders.stage] ?? null;
    const kindHeader = record.headers[SnapshotHeaders.kind];
    const kind: ListedKind = kindHeader === 'chunk' || kindHeader === 'commit' || kindHeader === 'marker' || kindHeader === 'skip' ? kindHeader : 'unknown';
    const keep = record.offset >= this.#from && this.#rows.length < this.#limit;
    const row: ListedRecord | null = keep
      ? { offset: record.offset, kind: stage === null ? 'unknown' : kind, stage, seq: null, bytes: record.value?.length ?? 0, timestamp: record.timestamp ?? null, writer: null, verdict: 'unknown', detail: '', skippedBy: null }
      : null;
    if (row !== null) {
      this.#rows.push(row);
      this.#byOffset.set(row.offset, row);
    }
    if (stage === null || kind === 'unknown' || record.value === null) {
      if (row !== null) row.detail = record.value === null ? 'no value (a tombstone): no restore reads it' : 'no eventide-stage or eventide-kind header eventide reads: no restore reads it';
      return;
    }
    const log = this.#stageLog(stage);
    this.#current = row;
    this.#currentHeaders = record.headers;
    try {
      if (kind === 'chunk') this.#addChunk(log, row, record.headers);
      log.reader.add(record);
    } finally {
      this.#current = null;
    }
  }

  /** The rows kept, in offset order; chunks still waiting for a commit are `incomplete`. */
  rows(): ListedRecord[] {
    for (const log of this.#stages.values()) this.#settlePending(log, 'no commit record follows it');
    return this.#rows;
  }

  /** Per stage, the undecodable markers no skip names (any offset, kept or not): a restore of that stage stops at the first. */
  undecodableMarkers(): Map<string, UndecodableMarker[]> {
    const result = new Map<string, UndecodableMarker[]>();
    for (const [stage, log] of this.#stages) {
      const left = log.reader.undecodableMarkers();
      if (left.length > 0) result.set(stage, left);
    }
    return result;
  }

  #stageLog(stage: string): StageLog {
    let log = this.#stages.get(stage);
    if (log !== undefined) return log;
    const pending = new Map<string, ListedRecord[]>();
    const reader = new SnapshotLogReader({
      stage,
      observer: {
        onCommit: (verdict) => this.#onCommit(this.#stages.get(stage)!, verdict),
        onMarker: (_offset, marker) => this.#onMarker(marker),
        onUndecodableMarker: (marker) => this.#onUndecodableMarker(marker),
        onSkip: (verdict) => this.#onSkip(verdict),
      },
    });
    log = { reader, pending };
    this.#stages.set(stage, log);
    return log;
  }

  #addChunk(log: StageLog, row: ListedRecord | null, headers: Readonly<Record<string, string>>): void {
    if (row === null) return;
    const id = headers[SnapshotHeaders.snapshotId];
    const index = Number(headers[SnapshotHeaders.chunk]);
    // The reader counts such a chunk corrupt and keeps nothing of it.
    if (id === undefined || !Number.isSafeInteger(index) || index < 0) {
      row.verdict = 'corrupt';
      row.detail = 'a chunk without a valid eventide-snapshot or eventide-chunk header';
      return;
    }
    row.seq = seqOf(id);
    row.detail = `chunk ${index} of snapshot ${id}`;
    const rows = log.pending.get(id);
    if (rows === undefined) log.pending.set(id, [row]);
    else rows.push(row);
  }

  #onCommit(log: StageLog, { commit, verdict, reason }: CommitVerdict): void {
    const row = this.#current;
    const id = commit === null ? this.#currentHeaders[SnapshotHeaders.snapshotId] : `${commit.stage}/${commit.partition}/${commit.seq}`;
    const writer = commit === null ? null : `${commit.nodeId}/g${commit.generation}`;
    if (row !== null) {
      row.verdict = verdict;
      row.seq = commit?.seq ?? (id === undefined ? null : seqOf(id));
      row.writer = writer;
      row.detail = verdict === 'complete' ? `snapshot ${id}: ${commit!.chunks} chunk${commit!.chunks === 1 ? '' : 's'}, ${commit!.bytes} bytes, input from offset ${commit!.nextOffset}` : (reason ?? '');
    }
    // A commit that does not decode leaves the reader's pending chunks as they are; one that does settles them all.
    if (commit === null) return;
    const own = id === undefined ? undefined : log.pending.get(id);
    if (own !== undefined) {
      log.pending.delete(id!);
      for (const chunk of own) {
        chunk.verdict = verdict;
        chunk.writer = writer;
        if (verdict !== 'complete') chunk.detail = `${chunk.detail}: ${reason ?? verdict}`;
      }
    }
    this.#settlePending(log, 'abandoned: another snapshot was committed before its own commit');
  }

  /** Chunks still pending are incomplete: their snapshot's commit never came (the reader drops them the same way). */
  #settlePending(log: StageLog, why: string): void {
    for (const rows of log.pending.values()) {
      for (const row of rows) {
        row.verdict = 'incomplete';
        row.detail = `${row.detail}: ${why}`;
      }
    }
    log.pending.clear();
  }

  #onMarker(marker: PublishMarker): void {
    const row = this.#current;
    if (row === null) return;
    row.verdict = 'ok';
    row.detail = `publication ${marker.key}, input offset ${marker.nextOffset}, published ${new Date(marker.publishedAt).toISOString()}`;
  }

  #onUndecodableMarker(marker: UndecodableMarker): void {
    const row = this.#current;
    if (row === null) return;
    row.verdict = 'undecodable';
    row.detail = `${marker.detail} (a restore stops here until it is skipped)`;
  }

  #onSkip({ offset, skip, effect, reason }: SkipVerdict): void {
    const row = this.#current;
    if (row !== null) {
      row.verdict = effect === 'applied' ? 'applied' : effect === 'corrupt' ? 'corrupt' : 'no-effect';
      row.writer = skip?.by ?? null;
      row.detail = effect === 'applied' ? `skips the ${skip!.skippedKind} at offset ${skip!.offset}, at ${new Date(skip!.at).toISOString()}: ${skip!.reason}` : (reason ?? effect);
    }
    if (effect !== 'applied') return;
    const skipped = this.#byOffset.get(skip!.offset);
    if (skipped === undefined) return;
    skipped.verdict = 'skipped';
    skipped.skippedBy = offset;
    skipped.detail = `skipped by the skip record at offset ${offset} (${skip!.by}: ${skip!.reason}); was: ${skipped.detail}`;
  }
}

/** The sequence number in a snapshot id `${stage}/${partition}/${seq}`, or null. */
function seqOf(id: string): number | null {
  const seq = Number(id.slice(id.lastIndexOf('/') + 1));
  return Number.isSafeInteger(seq) ? seq : null;
}
