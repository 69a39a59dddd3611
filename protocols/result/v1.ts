/**
 * Window results on `results`, version 1, keyed by query id (so a query's
 * results stay in order on one partition). One record per query × window ×
 * facet. The encoding is deterministic (keys sorted), so replaying the same
 * input yields byte-identical results.
 *
 * @example
 * ```ts
 * encodeWindowResult({ v: 1, queryId: 'q1', windowStart: 1700000000000, windowEnd: 1700000060000,
 *   facet: ['US'], other: false, values: { 'count(*)': 12 }, events: 12, complete: true });
 * ```
 */
import stringify from 'fast-json-stable-stringify';
import type { AttributeValue } from '../event.ts';
import { Fields, describeJson, isAttributeValue, parseJsonObject } from '../json/json-fields.ts';

const CONTRACT = 'result';

/** The result of one query for one window and one facet. */
export interface WindowResult {
  readonly v: 1;
  /** Also the record key. */
  readonly queryId: string;
  /** Inclusive, milliseconds since the epoch. */
  readonly windowStart: number;
  /** Exclusive, milliseconds since the epoch. */
  readonly windowEnd: number;
  /** The FACET values of this group, in FACET order; `null` when the query has no FACET. */
  readonly facet: readonly AttributeValue[] | null;
  /** Whether this is the group of facets beyond the LIMIT. */
  readonly other: boolean;
  /** Each selected aggregate by its name, e.g. `count(*)`; `null` when undefined (average of nothing). */
  readonly values: Readonly<Record<string, number | null>>;
  /** How many events the window counted. */
  readonly events: number;
  /** `false` when the query was cancelled or expired before the window ended. */
  readonly complete: boolean;
}

/** The record key of a result: its query id. */
export function windowResultKey(result: WindowResult): string {
  return result.queryId;
}

/** Encodes a result deterministically (sorted keys). Non-finite values encode as `null`. */
export function encodeWindowResult(result: WindowResult): Buffer {
  const { queryId, windowStart, windowEnd, facet, other, values, events, complete } = result;
  return Buffer.from(stringify({ v: 1, queryId, windowStart, windowEnd, facet, other, values, events, complete }), 'utf8');
}

/**
 * Decodes a result. Throws `DecodeError` with reason `malformed-json`,
 * `not-an-object`, `missing-field`, `invalid-field` (including a window
 * that ends before it starts) or `unsupported-version`.
 */
export function decodeWindowResult(bytes: Buffer): WindowResult {
  const fields = new Fields(CONTRACT, parseJsonObject(bytes, CONTRACT));
  fields.version(1);
  const queryId = fields.string('queryId', { nonEmpty: true });
  const windowStart = fields.number('windowStart');
  const windowEnd = fields.number('windowEnd');
  if (windowEnd <= windowStart) {
    fields.fail('invalid-field', 'windowEnd', `(${windowEnd}) must be after "windowStart" (${windowStart})`);
  }
  return {
    v: 1,
    queryId,
    windowStart,
    windowEnd,
    facet: readFacet(fields),
    other: fields.boolean('other'),
    values: readValues(fields),
    events: fields.integer('events'),
    complete: fields.boolean('complete'),
  };
}

function readFacet(fields: Fields): AttributeValue[] | null {
  if (fields.raw.facet === null) return null;
  const facet = fields.array('facet');
  facet.forEach((value, i) => {
    if (!isAttributeValue(value)) {
      fields.fail('invalid-field', `facet[${i}]`, `must be a string, number, boolean or null, got ${describeJson(value)}`);
    }
  });
  return facet as AttributeValue[];
}

function readValues(fields: Fields): Record<string, number | null> {
  const values = fields.object('values');
  const entries = Object.entries(values.raw);
  for (const [name, value] of entries) {
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      values.fail('invalid-field', name, `must be a number or null, got ${describeJson(value)}`);
    }
  }
  return Object.fromEntries(entries) as Record<string, number | null>;
}
