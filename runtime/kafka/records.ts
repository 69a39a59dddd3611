import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { ConsumedRecord, ProducedRecord, RecordHeaders } from '../../protocols/transport.ts';

/**
 * The records as kafkajs `sendBatch` calls, one per topic-partition, each
 * partition's records in their order; the caller makes the calls one after
 * another.
 *
 * One partition per call, because kafkajs 2.2.4's `sendMessages` mishandles
 * a call that spans partitions led by several brokers when a leader moves
 * during it (seen by the chaos suite with a broker killed, and read back
 * with a Java read_committed consumer): its retry skips every broker that
 * answered the first attempt, so a partition whose leader moved to one of
 * them is never sent while the call succeeds (records lost from a committed
 * transaction), and a request failing for one of its partitions rolls back
 * the sequence numbers of the others that were written (records written
 * twice). A call for one partition goes to one broker and succeeds or fails
 * whole.
 */
export function toPartitionSends(records: readonly ProducedRecord[]): TopicMessages[][] {
  const byPartition = new Map<string, { topic: string; messages: Message[] }>();
  for (const record of records) {
    const key = `${record.topic}\u0000${record.partition}`;
    let send = byPartition.get(key);
    if (send === undefined) byPartition.set(key, (send = { topic: record.topic, messages: [] }));
    send.messages.push({
      partition: record.partition,
      key: record.key ?? null,
      value: record.value,
      headers: record.headers === undefined ? undefined : { ...record.headers },
      timestamp: record.timestamp === undefined ? undefined : String(record.timestamp),
    });
  }
  return [...byPartition.values()].map((send) => [send]);
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
