/**
 * A skip: an operator's durable decision that one earlier record of a
 * snapshots partition is to be passed over by every restore, on any node.
 * It is a record of the same partition (header `eventide-kind: skip`), so a
 * restore, which reads the partition to its end anyway, learns every skip
 * without another topic or store to keep in step.
 *
 * A skip names the record by offset and by the sha256 of its value: it takes
 * effect for that one record only, and a skip whose record is gone (retention
 * deleted it; a skip always sits after its record, so it never outlives it
 * by less) or has other bytes changes nothing.
 *
 * @example
 * ```ts
 * const record = encodeSnapshotSkip({ stage: 'aggregate', partition: 3, offset: 1207, sha256: payloadChecksum(value),
 *   skippedKind: 'marker', reason: 'garbage written by a test producer', by: 'ops@host', at: Date.now() });
 * ```
 */
import stringify from 'fast-json-stable-stringify';
import { Fields, parseJsonObject } from '../json/json-fields.ts';
import { snapshotRecordHeaders, type SnapshotLogRecord } from './v1.ts';

/** Longest reason a skip keeps, in characters (a skip record stays small). */
export const MAX_SKIP_REASON_LENGTH = 500;
/** Longest `by` a skip keeps, in characters. */
export const MAX_SKIP_BY_LENGTH = 200;

/** What a skip record says. */
export interface SnapshotSkip {
  /** The stage whose restores pass over the record. */
  readonly stage: string;
  /** The snapshots partition of both records. */
  readonly partition: number;
  /** The offset of the record to pass over; always below the skip's own offset. */
  readonly offset: number;
  /** sha256 (hex) of the skipped record's value, so the skip applies to those bytes only. */
  readonly sha256: string;
  /** The kind header of the skipped record when the skip was written (`marker`...). */
  readonly skippedKind: string;
  /** Why, in the operator's words (at most `MAX_SKIP_REASON_LENGTH` characters). */
  readonly reason: string;
  /** Who wrote it (user and host of the CLI). */
  readonly by: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** Encodes a skip, to be written to the same snapshots partition as the record it names. */
export function encodeSnapshotSkip(skip: SnapshotSkip): SnapshotLogRecord {
  const { stage, partition, offset, sha256, skippedKind, reason, by, at } = skip;
  if (reason.length > MAX_SKIP_REASON_LENGTH) throw new RangeError(`snapshot skip: the reason is ${reason.length} characters, at most ${MAX_SKIP_REASON_LENGTH} are kept`);
  if (by.length > MAX_SKIP_BY_LENGTH) throw new RangeError(`snapshot skip: "by" is ${by.length} characters, at most ${MAX_SKIP_BY_LENGTH} are kept`);
  return {
    key: `${stage}/${partition}/skip/${offset}`,
    value: Buffer.from(stringify({ v: 1, stage, partition, offset, sha256, skippedKind, reason, by, at }), 'utf8'),
    headers: snapshotRecordHeaders('skip', stage),
  };
}

/** Decodes a skip record's value. Throws `DecodeError` (`malformed-json`, `missing-field`, `invalid-field`...). */
export function decodeSnapshotSkip(bytes: Buffer): SnapshotSkip {
  const fields = new Fields('snapshot skip', parseJsonObject(bytes, 'snapshot skip'));
  fields.version(1);
  const sha256 = fields.string('sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fields.fail('invalid-field', 'sha256', 'must be 64 lowercase hex digits');
  const reason = fields.string('reason');
  if (reason.length > MAX_SKIP_REASON_LENGTH) fields.fail('invalid-field', 'reason', `must be at most ${MAX_SKIP_REASON_LENGTH} characters`);
  const by = fields.string('by');
  if (by.length > MAX_SKIP_BY_LENGTH) fields.fail('invalid-field', 'by', `must be at most ${MAX_SKIP_BY_LENGTH} characters`);
  return {
    stage: fields.string('stage', { nonEmpty: true }),
    partition: fields.integer('partition'),
    offset: fields.integer('offset'),
    sha256,
    skippedKind: fields.string('skippedKind'),
    reason,
    by,
    at: fields.number('at'),
  };
}
