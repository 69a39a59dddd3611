/**
 * The size limit of the topic a machine writes to, as the runtime tells it
 * (`PartitionInput.maxRecordBytes`), and the dead letter of what cannot be
 * made to fit: reason `too-large`, the cause's own offset, the record it
 * would have been as the original (the runtime keeps its start).
 */
import type { DeadLetterRequest, PartitionInput } from '../protocols/stage.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../protocols/record-size.ts';

/** The largest record `topic` takes, Kafka's default when the runtime did not say. */
export function recordLimitOf(input: Pick<PartitionInput, 'maxRecordBytes'>, topic: string): number {
  return input.maxRecordBytes?.[topic] ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
}

/** The `too-large` dead letter of `what` (e.g. "event 3 of the batch"), whose record for `topic` would be `bytes` long. */
export function tooLargeLetter(what: string, record: { readonly topic: string; readonly value: Buffer; readonly bytes: number; readonly limit: number }, offset: number): DeadLetterRequest {
  return {
    reason: 'too-large',
    message: `${what}: its record for '${record.topic}' is ${record.bytes} bytes, more than the topic takes (max.message.bytes ${record.limit})`,
    offset,
    original: record.value,
  };
}
