/**
 * `eventide query add|list|cancel`: the queries changelog, written and read
 * as every node reads it.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '../protocols/transport.ts';
import { parseQuery } from '../protocols/nrql/index.ts';
import { decodeQueryRecord, encodeQueryRecord, MAX_QUERY_TTL_MS, type QueryRecord } from '../protocols/query-record/index.ts';
import { partitionForKey } from '../protocols/partitioner.ts';
import { ConfigError, TopicConfigError } from '../protocols/errors.ts';
import { TOPICS, type PipelineTopicNames } from '../pipeline/topics.ts';

/** `30s`, `10m`, `1h`, or milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) throw new ConfigError(`'${text}' is not a duration such as 30s, 10m, 1h or 7d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * unit);
}

async function queriesPartitions(transport: Transport, topic: string): Promise<number> {
  const [description] = await transport.admin().describeTopics([topic]);
  if (description === undefined) throw new TopicConfigError(`topic '${topic}' does not exist: run eventide topics create`);
  return description.partitions;
}

/** What `query add` and `query renew` take; `topics` are the pipeline's names (default: unprefixed). */
export interface QueryWriteOptions {
  readonly ttlMs: number;
  readonly now: number;
  readonly id?: string;
  /** Replace a query registered with the same id (without it, an existing id is refused). */
  readonly replace?: boolean;
  readonly topics?: PipelineTopicNames;
}

export async function addQuery(transport: Transport, nrql: string, options: QueryWriteOptions): Promise<QueryRecord> {
  const topic = (options.topics ?? TOPICS).queries;
  parseQuery(nrql);
  if (options.ttlMs > MAX_QUERY_TTL_MS) throw new ConfigError(`a query lives at most 1h (renew it to keep it); --ttl ${options.ttlMs} ms is longer`);
  if (options.id !== undefined && options.id.trim() === '') throw new ConfigError('--id must not be empty (leave it out for a random id)');
  const id = options.id ?? `q-${randomBytes(5).toString('hex')}`;
  if (options.id !== undefined && options.replace !== true) {
    const existing = (await listQueries(transport, options.topics)).find((query) => query.id === id);
    if (existing !== undefined) throw new ConfigError(`a query '${id}' is registered already (${existing.nrql}): pass --replace to replace it, or use query renew to extend its life`);
  }
  const record: QueryRecord = { v: 1, id, nrql, createdAt: options.now, expiresAt: options.now + options.ttlMs };
  const partitions = await queriesPartitions(transport, topic);
  const producer = transport.producer();
  await producer.connect();
  await producer.send([{ topic, partition: partitionForKey(id, partitions), key: id, value: encodeQueryRecord(record) }]);
  await producer.disconnect();
  return record;
}

/** Extends a query's life: the same query written again, its `createdAt` now and its expiry `ttlMs` later. */
export async function renewQuery(transport: Transport, id: string, options: Omit<QueryWriteOptions, 'id'>): Promise<QueryRecord | null> {
  const current = (await listQueries(transport, options.topics)).find((query) => query.id === id);
  if (current === undefined) return null;
  return addQuery(transport, current.nrql, { ...options, id, replace: true });
}

export async function cancelQuery(transport: Transport, id: string, topics: PipelineTopicNames = TOPICS): Promise<boolean> {
  const current = await listQueries(transport, topics);
  if (!current.some((query) => query.id === id)) return false;
  const partitions = await queriesPartitions(transport, topics.queries);
  const producer = transport.producer();
  await producer.connect();
  await producer.send([{ topic: topics.queries, partition: partitionForKey(id, partitions), key: id, value: null }]);
  await producer.disconnect();
  return true;
}

/** The queries table as a node would build it (latest record per id; tombstones remove). */
export async function listQueries(transport: Transport, topics: PipelineTopicNames = TOPICS): Promise<QueryRecord[]> {
  const reader = transport.reader();
  const topic = topics.queries;
  const [start, end] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  const table = new Map<string, QueryRecord>();
  for (const [partition, until] of end) {
    const from = start.get(partition) ?? 0;
    if (until <= from) continue;
    for await (const chunk of reader.read({ topic, partition, offset: from }, until)) {
      for (const record of chunk) {
        if (record.key === null) continue;
        if (record.value === null) table.delete(record.key);
        else {
          try {
            table.set(record.key, decodeQueryRecord(record.value));
          } catch {
            // A record nodes reject is not a query; `status` shows dead letters.
          }
        }
      }
    }
  }
  return [...table.values()].sort((a, b) => a.createdAt - b.createdAt);
}
