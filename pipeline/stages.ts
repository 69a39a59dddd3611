/**
 * The query pipeline as stages on the public runtime API: parse, match (or
 * both fused as `ingest`), and aggregate. Nothing here reaches into the
 * runtime's internals; a user's own stage is built the same way. Every topic
 * name comes from `PipelineOptions.topics` (pipeline/topics.ts), and each
 * stage declares the topics it writes.
 */
import type { ConsumedRecord } from '../protocols/transport.ts';
import { DecodeError } from '../protocols/errors.ts';
import { decodeEventBatch } from '../protocols/event-batch/index.ts';
import { decodeParsedEvent } from '../protocols/parsed-event/index.ts';
import { decodeMatchedEventBatch } from '../protocols/matched-events/index.ts';
import { compileQueryRecord } from '../actors/query-index.ts';
import { decodeQueryRecord, type QueryRecord } from '../protocols/query-record/index.ts';
import { defineStage, defineTable, type StageDefinition, type TableDefinition } from '../index.ts';
import { parseMachine } from '../actors/parse.ts';
import { matchMachine, type MatchValue } from '../actors/match.ts';
import type { EventTimeBounds } from '../actors/event-time.ts';
import { partitionSupervisorMachine, DEFAULT_IDLE_TIMEOUT_MS } from '../actors/partition-supervisor.ts';
import { ConfigError } from '../protocols/errors.ts';
import { TOPICS, type PipelineTopicNames } from './topics.ts';

export type Role = 'parse' | 'match' | 'aggregate';
export const ROLES: readonly Role[] = ['parse', 'match', 'aggregate'];

export interface PipelineOptions {
  /** Snapshot the aggregate partitions at least this often. @default 5000 */
  readonly snapshotEveryMs?: number;
  /** Snapshot after this many matched records. @default 20000 */
  readonly snapshotEveryRecords?: number;
  /** Quiet time after which a source or partition stops holding windows open; keep it above the group session timeout. @default 60000 */
  readonly idleTimeoutMs?: number;
  /** Clock ticks of the aggregate stage, for query expiry and idle closing. @default 1000 */
  readonly tickMs?: number;
  /** The topics' names, e.g. `pipelineTopicNames({ prefix: 'tenant-a.' })`. @default TOPICS (unprefixed) */
  readonly topics?: PipelineTopicNames;
  /**
   * How far from the clock a raw event's timestamp may be: further ahead, or
   * older, it is dead-lettered (`future-timestamp`, `too-old`) before it
   * reaches a watermark. @default 5 minutes ahead, 7 days old
   */
  readonly eventTime?: Partial<EventTimeBounds>;
}

const valueOf = (record: ConsumedRecord): Buffer => {
  if (record.value === null) throw new DecodeError('empty-record', `record at offset ${record.offset} has no value`);
  return record.value;
};

/** The queries changelog as a table, on the queries topic of these names. */
export function queriesTableOf(topics: PipelineTopicNames = TOPICS): TableDefinition<QueryRecord> {
  // Compiled as it is decoded, in the table's slices: the match stage's index then finds each query compiled.
  const decode = (bytes: Buffer): QueryRecord => {
    const record = decodeQueryRecord(bytes);
    compileQueryRecord(record.id, record);
    return record;
  };
  return defineTable({ name: 'queries', topic: topics.queries, decode, deadLetterTopic: topics.deadletter });
}

/** The queries table on the default (unprefixed) topics. */
export const queriesTable: TableDefinition<QueryRecord> = queriesTableOf(TOPICS);

/** The tables a node of the pipeline defines: give them to `createNode` with `pipelineStages` of the same options. */
export const pipelineTables = (options: PipelineOptions = {}): TableDefinition<QueryRecord>[] => [queriesTableOf(options.topics)];

export function parseStage(options: PipelineOptions = {}): StageDefinition<unknown> {
  const topics = options.topics ?? TOPICS;
  return defineStage({
    name: 'parse',
    input: { topic: topics.raw, decode: (record) => decodeEventBatch(valueOf(record)) },
    machine: parseMachine,
    machineInput: { parsedTopic: topics.parsed, ...(options.eventTime === undefined ? {} : { eventTime: options.eventTime }) },
    outputs: [topics.parsed],
    deadLetterTopic: topics.deadletter,
    maxRecordsPerMessage: 50,
  });
}

/**
 * match needs no ticks: a query's expiry is checked against the `now` of the
 * batch being matched, and nothing happens between batches.
 */
function matchingStage(name: string, topic: string, decode: (record: ConsumedRecord) => MatchValue, options: PipelineOptions, maxRecordsPerMessage: number): StageDefinition<unknown> {
  const topics = options.topics ?? TOPICS;
  return defineStage({
    name,
    input: { topic, decode },
    machine: matchMachine,
    machineInput: { inputTopic: topic, matchedTopic: topics.matched, ...(options.eventTime === undefined ? {} : { eventTime: options.eventTime }) },
    outputs: [topics.matched],
    deadLetterTopic: topics.deadletter,
    tables: [queriesTableOf(topics)],
    maxRecordsPerMessage,
  });
}

export const matchStage = (options: PipelineOptions = {}): StageDefinition<unknown> => {
  const topics = options.topics ?? TOPICS;
  return matchingStage('match', topics.parsed, (record) => decodeParsedEvent(valueOf(record)), options, 2000);
};

/** parse and match fused: raw batches in, matched events out, no `events.parsed` hop. */
export const ingestStage = (options: PipelineOptions = {}): StageDefinition<unknown> => {
  const topics = options.topics ?? TOPICS;
  return matchingStage('ingest', topics.raw, (record) => decodeEventBatch(valueOf(record)), options, 50);
};

export function aggregateStage(options: PipelineOptions = {}): StageDefinition<unknown> {
  const topics = options.topics ?? TOPICS;
  return defineStage({
    name: 'aggregate',
    input: { topic: topics.matched, decode: (record) => decodeMatchedEventBatch(valueOf(record)) },
    machine: partitionSupervisorMachine,
    machineInput: { resultsTopic: topics.results, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS },
    outputs: [topics.results],
    deadLetterTopic: topics.deadletter,
    tables: [queriesTableOf(topics)],
    tick: { everyMs: options.tickMs ?? 1000 },
    snapshots: { topic: topics.snapshots, everyMs: options.snapshotEveryMs ?? 5000, everyRecords: options.snapshotEveryRecords ?? 20_000 },
    maxRecordsPerMessage: 200,
  });
}

/** The stages a node with these roles runs: parse and match together run fused as `ingest`. */
export function pipelineStages(roles: readonly Role[], options: PipelineOptions = {}): StageDefinition<unknown>[] {
  for (const role of roles) if (!ROLES.includes(role)) throw new ConfigError(`unknown role '${role}': use ${ROLES.join(', ')}`);
  const stages: StageDefinition<unknown>[] = [];
  const parse = roles.includes('parse');
  const match = roles.includes('match');
  if (parse && match) stages.push(ingestStage(options));
  else if (parse) stages.push(parseStage(options));
  else if (match) stages.push(matchStage(options));
  if (roles.includes('aggregate')) stages.push(aggregateStage(options));
  return stages;
}
