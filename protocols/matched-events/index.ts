/**
 * Matched events on `events.matched`. The match stage writes version 2
 * (binary); the decoder reads both, telling them apart by the first byte (a
 * v2 record starts with a NUL byte, which no JSON text does), so topics
 * written by an older eventide keep draining.
 *
 * @example
 * ```ts
 * const bytes = encodeMatchedEventBatch({ v: 2, queryId: 'q1', source: { topic: 'events.raw', partition: 3, partitions: 6 },
 *   events: [{ offset: 42, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop' } }] });
 * decodeMatchedEventBatch(bytes); // the same batch
 * ```
 */
import type { MatchedEventBatch, MatchedEventsVersion } from './batch.ts';
import { decodeMatchedEventBatchV1, encodeMatchedEventBatchV1 } from './v1.ts';
import { BINARY_MARKER, decodeMatchedEventBatchV2, encodeMatchedEventBatchV2 } from './v2.ts';

export type { MatchedEvent, MatchedEventBatch, MatchedEventsVersion } from './batch.ts';
export { decodeMatchedEventBatchV1, encodeMatchedEventBatchV1 } from './v1.ts';
export { decodeMatchedEventBatchV2, encodeMatchedEventBatchV2 } from './v2.ts';

/** The version the match stage writes. */
export const MATCHED_EVENTS_VERSION: MatchedEventsVersion = 2;

/** Encodes a batch in the version its `v` names. */
export function encodeMatchedEventBatch(batch: MatchedEventBatch): Buffer {
  return batch.v === 1 ? encodeMatchedEventBatchV1(batch) : encodeMatchedEventBatchV2(batch);
}

/**
 * Decodes a batch of either version; `v` of the result says which it was.
 * Throws `DecodeError` as the version's decoder does.
 */
export function decodeMatchedEventBatch(bytes: Buffer): MatchedEventBatch {
  return bytes.length > 0 && bytes[0] === BINARY_MARKER ? decodeMatchedEventBatchV2(bytes) : decodeMatchedEventBatchV1(bytes);
}
