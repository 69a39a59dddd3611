/**
 * How big a record is as a topic's size limit counts it. Kafka's
 * `max.message.bytes` bounds a whole record batch after compression; eventide
 * measures records before compression, which is never smaller, so a record or
 * a batch measured within the limit is always accepted.
 */
import type { ProducedRecord } from './transport.ts';

/** Kafka's default `max.message.bytes` (and the broker's `message.max.bytes`): what a topic takes when it says nothing. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Room kept for what Kafka adds around the key, value and headers: the batch
 * header (61 bytes) and each record's lengths, offsets and attributes.
 */
export const RECORD_OVERHEAD_BYTES = 512;

/** Bytes of a record before compression: key, value, headers and Kafka's framing. */
export function producedRecordBytes(record: Pick<ProducedRecord, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + (record.value?.length ?? 0) + (record.key == null ? 0 : Buffer.byteLength(record.key));
  if (record.headers !== undefined) for (const name in record.headers) bytes += Buffer.byteLength(name) + Buffer.byteLength(record.headers[name]!);
  return bytes;
}

/** The `max.message.bytes` a topic's configs give, or Kafka's default when they give none (or nonsense). */
export function maxMessageBytes(configs: Readonly<Record<string, string>>): number {
  const configured = Number(configs['max.message.bytes']);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
}
