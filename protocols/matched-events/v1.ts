/**
 * Matched events on `events.matched`, version 1, keyed by query id. One
 * record holds the events of one source partition that matched one query;
 * each event carries the offset and index it came from, so downstream can
 * recognise replayed input.
 *
 * @example
 * ```ts
 * encodeMatchedEventBatch({ v: 1, queryId: 'q1', source: { topic: 'events.parsed', partition: 3 },
 *   events: [{ offset: 42, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop' } }] });
 * ```
 */
import type { AttributeValue } from '../event.ts';
import { Fields, parseJsonObject } from '../json/json-fields.ts';

const CONTRACT = 'matched-events';

/** An event that matched a query. */
export interface MatchedEvent {
  /** Offset of the source record. */
  readonly offset: number;
  /** Index of the event within that source record (a raw batch holds many). */
  readonly index: number;
  /** Event time, milliseconds since the epoch. */
  readonly timestamp: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** The events of one source partition that matched one query. */
export interface MatchedEventBatch {
  readonly v: 1;
  readonly queryId: string;
  /** Where the events came from; `partitions` is the source topic's partition count, so the consumer knows every source it must wait for. */
  readonly source: { readonly topic: string; readonly partition: number; readonly partitions: number };
  readonly events: readonly MatchedEvent[];
}

/** Encodes a batch of matched events. */
export function encodeMatchedEventBatch(batch: MatchedEventBatch): Buffer {
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
 * Decodes a batch of matched events. Throws `DecodeError` with reason
 * `malformed-json`, `not-an-object`, `missing-field`, `invalid-field` or
 * `unsupported-version`; the message names the field, e.g. `events[2].offset`.
 */
export function decodeMatchedEventBatch(bytes: Buffer): MatchedEventBatch {
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
