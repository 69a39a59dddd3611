import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { ConsumedRecord, ProducedRecord, RecordHeaders } from '../../protocols/transport.ts';

/**
 * Groups records by topic, in their order, as kafkajs `sendBatch` wants
 * them: one produce request carries them all.
 */
export function toTopicMessages(records: readonly ProducedRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (messages === undefined) byTopic.set(record.topic, (messages = []));
    messages.push({
      partition: record.partition,
      key: record.key ?? null,
      value: record.value,
      headers: record.headers === undefined ? undefined : { ...record.headers },
      timestamp: record.timestamp === undefined ? undefined : String(record.timestamp),
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** A kafkajs message as eventide's record: numbers for offsets and timestamps, string headers. */
export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key === null || message.key === undefined ? null : message.key.toString('utf8'),
    value: message.value ?? null,
    headers: toHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function toHeaders(headers: IHeaders | undefined): RecordHeaders {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    result[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return result;
}
