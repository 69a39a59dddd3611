/**
 * Registered queries on the `queries` changelog, version 1. The record key is
 * the query id; a record with a null value (a tombstone) cancels the query,
 * so callers check for null before decoding. The NRQL text is carried as is:
 * parsing it is the query engine's job, not the wire contract's.
 *
 * @example
 * ```ts
 * const record = encodeQueryRecord({ v: 1, id: 'q1', nrql: 'SELECT count(*) FROM PageView',
 *   createdAt: 1700000000000, expiresAt: 1700000600000 });
 * decodeQueryRecord(record).expiresAt; // 1700000600000
 * ```
 */
import { DecodeError, QueryValidationError } from '../errors.ts';
import { Fields, parseJsonObject } from '../json/json-fields.ts';
import { shortJson } from '../json/bounded-json.ts';

const CONTRACT = 'query-record';

/** The longest a query may live: one hour. */
export const MAX_QUERY_TTL_MS = 3_600_000;

/** What a query id may be: 1 to 64 of A-Z, a-z, 0-9, `_` and `-`. */
export const QUERY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A registered query. */
export interface QueryRecord {
  readonly v: 1;
  /** Also the record key. */
  readonly id: string;
  /** The query text, unparsed. */
  readonly nrql: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Milliseconds since the epoch; after `createdAt`, by at most `MAX_QUERY_TTL_MS`. */
  readonly expiresAt: number;
}

/** Why a query record's id or lifetime is invalid, with its machine reason; `undefined` when valid. */
function checkQueryRecord(q: Omit<QueryRecord, 'v'>): { reason: string; message: string } | undefined {
  if (!QUERY_ID_PATTERN.test(q.id)) {
    return {
      reason: 'invalid-query-id',
      message: `${CONTRACT}: field "id" must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -, got ${shortJson(q.id)}`,
    };
  }
  if (q.expiresAt <= q.createdAt) {
    return {
      reason: 'invalid-expiry',
      message: `${CONTRACT}: query "${q.id}": field "expiresAt" (${q.expiresAt}) must be after "createdAt" (${q.createdAt})`,
    };
  }
  if (q.expiresAt - q.createdAt > MAX_QUERY_TTL_MS) {
    return {
      reason: 'ttl-too-long',
      message: `${CONTRACT}: query "${q.id}" lives ${q.expiresAt - q.createdAt} ms, more than the maximum of ${MAX_QUERY_TTL_MS} ms (1 hour)`,
    };
  }
  return undefined;
}

/** Encodes a query record. Throws `QueryValidationError` for an id or lifetime the decoder would refuse. */
export function encodeQueryRecord(q: QueryRecord): Buffer {
  const problem = checkQueryRecord(q);
  if (problem !== undefined) throw new QueryValidationError(problem.message);
  const { id, nrql, createdAt, expiresAt } = q;
  return Buffer.from(JSON.stringify({ v: 1, id, nrql, createdAt, expiresAt }), 'utf8');
}

/**
 * Decodes a query record (not a tombstone). Throws `DecodeError` with reason
 * `malformed-json`, `not-an-object`, `missing-field`, `invalid-field`,
 * `unsupported-version`, `invalid-query-id`, `invalid-expiry` or `ttl-too-long`.
 */
export function decodeQueryRecord(bytes: Buffer): QueryRecord {
  const fields = new Fields(CONTRACT, parseJsonObject(bytes, CONTRACT));
  fields.version(1);
  const record: QueryRecord = {
    v: 1,
    id: fields.string('id'),
    nrql: fields.string('nrql', { nonEmpty: true }),
    createdAt: fields.number('createdAt'),
    expiresAt: fields.number('expiresAt'),
  };
  const problem = checkQueryRecord(record);
  if (problem !== undefined) throw new DecodeError(problem.reason, problem.message);
  return record;
}
