/**
 * Matched events, version 1: one JSON object per record. eventide writes v2
 * now; v1 is still read, so topics and transactions written before keep
 * draining, and still written where asked (`v: 1`).
 *
 * @example
 * ```ts
 * encodeMatchedEventBatchV1({ v: 1, queryId: 'q1', source: { topic: 'events.parsed', partition: 3, partitions: 6 },
 *   events: [{ offset: 42, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop' } }] });
 * ```
 */
import { Fields, parseJsonObject } from '../json/json-fields.ts';
import type { MatchedEvent, MatchedEventBatch } from './batch.ts';

const CONTRACT = 'matched-events';

/** Encodes a batch of matched events as v1 JSON (whatever its `v` says). */
export function encodeMatchedEventBatchV1(batch: MatchedEventBatch): Buffer {
  const { queryId, source, events } = batch;
  return Buffer.from(
    JSON.stringify({
      v: 1,
      queryId,
      source: { topic: source.topic, partition: source.partition, partitions: source.partitions },
      events: events.map(({ offset, index, timestamp, attributes }) => ({ offset, index, timestamp, attributes })),
    }),
    'utf8',
  );
}

/**
 * Decodes a v1 batch of matched events. Throws `DecodeError` with reason
 * `malformed-json`, `not-an-object`, `missing-field`, `invalid-field` or
 * `unsupported-version`; the message names the field, e.g. `events[2].offset`.
 */
export function decodeMatchedEventBatchV1(bytes: Buffer): MatchedEventBatch {
  const fields = new Fields(CONTRACT, parseJsonObject(bytes, CONTRACT));
  fields.version(1);
  const queryId = fields.string('queryId', { nonEmpty: true });
  const source = fields.object('source');
  const list = fields.array('events');
  const events = list.map((_, i): MatchedEvent => {
    const event = fields.element('events', list, i);
    return {
      offset: event.integer('offset'),
      index: event.integer('index'),
      timestamp: event.number('timestamp'),
      attributes: event.attributes('attributes'),
    };
  });
  return {
    v: 1,
    queryId,
    source: { topic: source.string('topic', { nonEmpty: true }), partition: source.integer('partition'), partitions: source.integer('partitions', 1) },
    events,
  };
}
