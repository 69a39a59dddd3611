/**
 * Records on the `snapshots` topic, version 1. Partition p of the topic holds
 * only the state of partition p of the stage's input. Four kinds of record,
 * told apart by the `eventide-kind` header:
 *
 * - `chunk`: raw bytes of a snapshot's payload (the state serialised with
 *   fast-json-stable-stringify), at most `maxChunkBytes` each, in order;
 * - `commit`: JSON with the snapshot's meta, chunk count, byte count and
 *   sha256 of the payload. Written after the chunks: a snapshot without its
 *   commit is incomplete and ignored;
 * - `marker`: JSON saying a publication is durable (see `PublishMarker`);
 * - `skip`: JSON written by an operator (`eventide snapshots skip`) naming
 *   one earlier record of the partition that every restore passes over (see
 *   ./skip-record.ts).
 *
 * Every record carries the `eventide-stage` header, so one topic can serve
 * several stages. `SnapshotLogReader` (./reader.ts) reads them back.
 *
 * @example
 * ```ts
 * const records = encodeSnapshot(meta, machine.getPersistedSnapshot(), 512 * 1024);
 * // → [chunk 0, chunk 1, ..., commit], all with key `${stage}/${partition}/${seq}`
 * ```
 */
import { createHash } from 'node:crypto';
import stringify from 'fast-json-stable-stringify';
import { CANONICAL_JSON_STEP_VALUES, CanonicalJsonWriter, canonicalJsonBytes } from '../json/canonical-json.ts';
import { Fields, parseJsonObject } from '../json/json-fields.ts';

/** Header names of snapshot log records. */
export const SnapshotHeaders = {
  /** `chunk`, `commit`, `marker` or `skip`. */
  kind: 'eventide-kind',
  /** The stage that wrote the record. */
  stage: 'eventide-stage',
  /** On chunks and commits: `${stage}/${partition}/${seq}`. */
  snapshotId: 'eventide-snapshot',
  /** On chunks: the zero-based chunk index. */
  chunk: 'eventide-chunk',
} as const;

/** The kinds of record on the snapshots topic. */
export type SnapshotRecordKind = 'chunk' | 'commit' | 'marker' | 'skip';

/** A record to write to the stage's snapshots partition. */
export interface SnapshotLogRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** What a snapshot says about itself. */
export interface SnapshotMeta {
  readonly stage: string;
  /** The input partition (and snapshots partition). */
  readonly partition: number;
  /** Increases with every snapshot of the partition. */
  readonly seq: number;
  /** The next input offset to consume after restoring it. */
  readonly nextOffset: number;
  /** The node that wrote it. */
  readonly nodeId: string;
  /** The writer's consumer group generation. */
  readonly generation: number;
  /** Milliseconds since the epoch. */
  readonly takenAt: number;
}

/** The commit record's content: the meta plus what the chunks must add up to. */
export interface SnapshotCommit extends SnapshotMeta {
  readonly v: 1;
  readonly chunks: number;
  readonly bytes: number;
  /** sha256 of the concatenated chunks, hex. */
  readonly sha256: string;
}

/** A publication is durable: its records and this marker were written in one transaction. */
export interface PublishMarker {
  readonly stage: string;
  readonly partition: number;
  /** The publication's key (e.g. query × window). */
  readonly key: string;
  /** The input offset the partition had reached when the publication was requested. */
  readonly nextOffset: number;
  /** Milliseconds since the epoch. */
  readonly publishedAt: number;
}

/** The id shared by a snapshot's chunks and commit. */
export function snapshotId(meta: Pick<SnapshotMeta, 'stage' | 'partition' | 'seq'>): string {
  return `${meta.stage}/${meta.partition}/${meta.seq}`;
}

/** The serialised payload of a state: same state, same bytes, whatever the key order. */
export function serialiseState(state: unknown): Buffer {
  const json = canonicalJsonBytes(state);
  if (json === undefined) throw notSerialisable();
  return json;
}

const notSerialisable = (): TypeError => new TypeError('snapshot: the state is not JSON-serialisable (undefined or a function)');

/** sha256 of a payload, hex. */
export function payloadChecksum(payload: Buffer | readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of Buffer.isBuffer(payload) ? [payload] : payload) hash.update(part);
  return hash.digest('hex');
}

/**
 * Encodes a snapshot as chunks of at most `maxChunkBytes` followed by one
 * commit record. Write them in this order, in one transaction.
 */
export function encodeSnapshot(meta: SnapshotMeta, state: unknown, maxChunkBytes: number): SnapshotLogRecord[] {
  const encoder = new SnapshotEncoder(meta, state, maxChunkBytes);
  while (encoder.records === null) encoder.write(Number.POSITIVE_INFINITY);
  return encoder.records;
}

/**
 * `encodeSnapshot` a step at a time, for states large enough that encoding
 * them at once would hold the event loop (5,000 queries with live windows:
 * 28 MB of JSON, over a second): each `write(values)` serialises about that
 * many more values of the state and hashes them; once all are, `records`
 * holds what `encodeSnapshot` returns, byte for byte. The state must not
 * change until then.
 */
export class SnapshotEncoder {
  readonly #meta: SnapshotMeta;
  readonly #maxChunkBytes: number;
  readonly #writer: CanonicalJsonWriter;
  readonly #hash = createHash('sha256');
  /** Full chunks, and the one being filled (`#filled` bytes of it): copied a piece at a time, not all at the end. */
  readonly #chunks: Buffer[] = [];
  #chunk: Buffer | null = null;
  #filled = 0;
  #bytes = 0;
  #records: SnapshotLogRecord[] | null = null;

  constructor(meta: SnapshotMeta, state: unknown, maxChunkBytes: number) {
    if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < 1) {
      throw new RangeError(`snapshot: maxChunkBytes must be a positive integer, got ${maxChunkBytes}`);
    }
    this.#meta = meta;
    this.#maxChunkBytes = maxChunkBytes;
    this.#writer = new CanonicalJsonWriter(state);
    if (this.#writer.done) throw notSerialisable();
  }

  /** The chunks and the commit, once the whole state is written; `null` before. */
  get records(): SnapshotLogRecord[] | null {
    return this.#records;
  }

  /** Serialises about `values` more values of the state (the last step builds the records). */
  write(values: number): void {
    if (this.#records !== null) return;
    // A step's text is turned into bytes at once: one rope of a whole large state costs more in GC than writing it.
    for (let left = values; left > 0 && !this.#writer.done; left -= CANONICAL_JSON_STEP_VALUES) {
      const piece = Buffer.from(this.#writer.write(Math.min(left, CANONICAL_JSON_STEP_VALUES)), 'utf8');
      this.#hash.update(piece);
      this.#append(piece);
    }
    if (this.#writer.done) this.#records = this.#build();
  }

  #append(piece: Buffer): void {
    this.#bytes += piece.length;
    for (let copied = 0; copied < piece.length;) {
      // A piece as large as a chunk, met at a chunk's start, is one without a copy.
      if (this.#chunk === null && piece.length - copied >= this.#maxChunkBytes) {
        this.#chunks.push(piece.subarray(copied, copied + this.#maxChunkBytes));
        copied += this.#maxChunkBytes;
        continue;
      }
      this.#chunk ??= Buffer.allocUnsafe(this.#maxChunkBytes);
      const n = piece.copy(this.#chunk, this.#filled, copied, Math.min(piece.length, copied + this.#maxChunkBytes - this.#filled));
      copied += n;
      this.#filled += n;
      if (this.#filled === this.#maxChunkBytes) {
        this.#chunks.push(this.#chunk);
        this.#chunk = null;
        this.#filled = 0;
      }
    }
  }

  #build(): SnapshotLogRecord[] {
    if (this.#chunk !== null) this.#chunks.push(this.#chunk.subarray(0, this.#filled));
    const meta = this.#meta;
    const id = snapshotId(meta);
    const records: SnapshotLogRecord[] = this.#chunks.map((value, index) => ({
      key: id,
      value,
      headers: { ...snapshotRecordHeaders('chunk', meta.stage), [SnapshotHeaders.snapshotId]: id, [SnapshotHeaders.chunk]: String(index) },
    }));
    const { stage, partition, seq, nextOffset, nodeId, generation, takenAt } = meta;
    const commit: SnapshotCommit = {
      v: 1, stage, partition, seq, nextOffset, nodeId, generation, takenAt,
      chunks: records.length,
      bytes: this.#bytes,
      sha256: this.#hash.digest('hex'),
    };
    records.push({
      key: id,
      value: Buffer.from(stringify(commit), 'utf8'),
      headers: { ...snapshotRecordHeaders('commit', stage), [SnapshotHeaders.snapshotId]: id },
    });
    return records;
  }
}

/**
 * Decodes a commit record's value. Throws `DecodeError` (`malformed-json`,
 * `not-an-object`, `missing-field`, `invalid-field`, `unsupported-version`).
 */
export function decodeSnapshotCommit(bytes: Buffer): SnapshotCommit {
  const fields = new Fields('snapshot commit', parseJsonObject(bytes, 'snapshot commit'));
  fields.version(1);
  const sha256 = fields.string('sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fields.fail('invalid-field', 'sha256', 'must be 64 lowercase hex digits');
  return {
    v: 1,
    stage: fields.string('stage', { nonEmpty: true }),
    partition: fields.integer('partition'),
    seq: fields.integer('seq'),
    nextOffset: fields.integer('nextOffset'),
    nodeId: fields.string('nodeId'),
    generation: fields.integer('generation', -1),
    takenAt: fields.number('takenAt'),
    chunks: fields.integer('chunks', 1),
    bytes: fields.integer('bytes', 1),
    sha256,
  };
}

/** Encodes a publish marker, to be written in the publication's transaction. */
export function encodePublishMarker(marker: PublishMarker): SnapshotLogRecord {
  const { stage, partition, key, nextOffset, publishedAt } = marker;
  return {
    key: `${stage}/${partition}/marker/${key}`,
    value: Buffer.from(stringify({ v: 1, stage, partition, key, nextOffset, publishedAt }), 'utf8'),
    headers: snapshotRecordHeaders('marker', stage),
  };
}

/** Decodes a marker record's value. Throws `DecodeError` like `decodeSnapshotCommit`. */
export function decodePublishMarker(bytes: Buffer): PublishMarker {
  const fields = new Fields('publish marker', parseJsonObject(bytes, 'publish marker'));
  fields.version(1);
  return {
    stage: fields.string('stage', { nonEmpty: true }),
    partition: fields.integer('partition'),
    key: fields.string('key', { nonEmpty: true }),
    nextOffset: fields.integer('nextOffset'),
    publishedAt: fields.number('publishedAt'),
  };
}

/** The headers every record of the snapshots topic carries: its kind and the stage that reads it. */
export function snapshotRecordHeaders(kind: SnapshotRecordKind, stage: string): Record<string, string> {
  return { [SnapshotHeaders.kind]: kind, [SnapshotHeaders.stage]: stage };
}
