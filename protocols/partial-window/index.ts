/**
 * Partial windows (docs/two-level-aggregation.md): what one aggregate
 * partition counted of one query's window, sent to the query's home
 * partition on `events.matched`, where the partials of every partition the
 * query spreads over merge into the one published result. Version 1 is
 *
 * ```
 * 00 50            marker: no JSON text starts with a NUL byte, and a
 *                  matched-events record goes on with its version (01, 02)
 * canonical JSON   { v: 1, queryId, windowStart, windowEnd, from, complete, groups }
 * ```
 *
 * `groups` is the window's facet groups as the aggregate keeps them (their
 * JSON; the merge checks them against the query, actors/aggregates/). The
 * encoding is deterministic, so a replayed partial is byte-identical.
 *
 * @example
 * ```ts
 * const bytes = encodePartialWindow({ v: 1, queryId: 'q1', windowStart: 0, windowEnd: 60_000, from: 2, complete: true,
 *   groups: { groups: {}, other: null, otherGroupsSeen: 0 } });
 * isPartialWindowRecord(bytes); // true
 * decodePartialWindow(bytes);   // the same partial
 * ```
 */
import { DecodeError } from '../errors.ts';
import { canonicalJsonBytes } from '../json/canonical-json.ts';
import { Fields, parseJsonObject } from '../json/json-fields.ts';

const CONTRACT = 'partial window';
const MARKER = [0x00, 0x50] as const;

/** One aggregate partition's share of one window of one query. */
export interface PartialWindow {
  readonly v: 1;
  readonly queryId: string;
  /** Inclusive, milliseconds since the epoch. */
  readonly windowStart: number;
  /** Exclusive. */
  readonly windowEnd: number;
  /** The aggregate partition that counted it. */
  readonly from: number;
  /** `false` when the partition closed the window early (the query ended, or it was idle). */
  readonly complete: boolean;
  /** The window's facet groups, as JSON. */
  readonly groups: unknown;
}

/** Whether a record of `events.matched` is a partial window rather than matched events. */
export function isPartialWindowRecord(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === MARKER[0] && bytes[1] === MARKER[1];
}

export function encodePartialWindow(partial: PartialWindow): Buffer {
  const { queryId, windowStart, windowEnd, from, complete, groups } = partial;
  return Buffer.concat([Buffer.from(MARKER), canonicalJsonBytes({ v: 1, queryId, windowStart, windowEnd, from, complete, groups })!]);
}

/**
 * Decodes a partial. Throws `DecodeError` with reason `not-a-partial-window`
 * (no marker), `malformed-json`, `not-an-object`, `missing-field`,
 * `invalid-field` (including a window that ends before it starts, or groups
 * that are not an object) or `unsupported-version`.
 */
export function decodePartialWindow(bytes: Buffer): PartialWindow {
  if (!isPartialWindowRecord(bytes)) throw new DecodeError('not-a-partial-window', `${CONTRACT}: the record does not start with the partial-window marker 00 50`);
  const fields = new Fields(CONTRACT, parseJsonObject(bytes.subarray(MARKER.length), CONTRACT));
  fields.version(1);
  const queryId = fields.string('queryId', { nonEmpty: true });
  const windowStart = fields.number('windowStart');
  const windowEnd = fields.number('windowEnd');
  if (windowEnd <= windowStart) fields.fail('invalid-field', 'windowEnd', `(${windowEnd}) must be after "windowStart" (${windowStart})`);
  return { v: 1, queryId, windowStart, windowEnd, from: fields.integer('from'), complete: fields.boolean('complete'), groups: fields.object('groups').raw };
}
