/**
 * The query pipeline as stages on the public runtime API: parse, match (or
 * both fused as `ingest`), and aggregate. Nothing here reaches into the
 * runtime's internals; a user's own stage is built the same way.
 */
import type { ConsumedRecord } from '../protocols/transport.ts';
import { DecodeError } from '../protocols/errors.ts';
import { decodeEventBatch } from '../protocols/event-batch/index.ts';
import { decodeParsedEvent } from '../protocols/parsed-event/index.ts';
import { decodeMatchedEventBatch } from '../protocols/matched-events/index.ts';
import { decodeQueryRecord, type QueryRecord } from '../protocols/query-record/index.ts';
import { defineStage, defineTable, type StageDefinition, type TableDefinition } from '../index.ts';
import { parseMachine } from '../actors/parse.ts';
import { matchMachine, type MatchValue } from '../actors/match.ts';
import { partitionSupervisorMachine, DEFAULT_IDLE_TIMEOUT_MS } from '../actors/partition-supervisor.ts';
import { ConfigError } from '../protocols/errors.ts';
import { TOPICS } from './topics.ts';

export type Role = 'parse' | 'match' | 'aggregate';
export const ROLES: readonly Role[] = ['parse', 'match', 'aggregate'];

export interface PipelineOptions {
  /** Snapshot the aggregate partitions at least this often. @default 5000 */
  readonly snapshotEveryMs?: number;
  /** Snapshot after this many matched records. @default 20000 */
  readonly snapshotEveryRecords?: number;
  /** Quiet time after which a source or partition stops holding windows open; keep it above the group session timeout. @default 60000 */
  readonly idleTimeoutMs?: number;
  /** Clock ticks for expiry and idle closing. @default 1000 */
  readonly tickMs?: number;
}

const valueOf = (record: ConsumedRecord): Buffer => {
  if (record.value === null) throw new DecodeError('empty-record', `record at offset ${record.offset} has no value`);
  return record.value;
};

export const queriesTable: TableDefinition<QueryRecord> = defineTable({ name: 'queries', topic: TOPICS.queries, decode: decodeQueryRecord });

export function parseStage(): StageDefinition<unknown> {
  return defineStage({
    name: 'parse',
    input: { topic: TOPICS.raw, decode: (record) => decodeEventBatch(valueOf(record)) },
    machine: parseMachine,
    maxRecordsPerMessage: 50,
  });
}

function matchingStage(name: string, topic: string, decode: (record: ConsumedRecord) => MatchValue, options: PipelineOptions, maxRecordsPerMessage: number): StageDefinition<unknown> {
  return defineStage({
    name,
    input: { topic, decode },
    machine: matchMachine,
    machineInput: { inputTopic: topic },
    tables: [queriesTable],
    tick: { everyMs: options.tickMs ?? 1000 },
    maxRecordsPerMessage,
  });
}

export const matchStage = (options: PipelineOptions = {}): StageDefinition<unknown> =>
  matchingStage('match', TOPICS.parsed, (record) => decodeParsedEvent(valueOf(record)), options, 2000);

/** parse and match fused: raw batches in, matched events out, no `events.parsed` hop. */
export const ingestStage = (options: PipelineOptions = {}): StageDefinition<unknown> =>
  matchingStage('ingest', TOPICS.raw, (record) => decodeEventBatch(valueOf(record)), options, 50);

export function aggregateStage(options: PipelineOptions = {}): StageDefinition<unknown> {
  return defineStage({
    name: 'aggregate',
    input: { topic: TOPICS.matched, decode: (record) => decodeMatchedEventBatch(valueOf(record)) },
    machine: partitionSupervisorMachine,
    machineInput: { resultsTopic: TOPICS.results, idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS },
    tables: [queriesTable],
    tick: { everyMs: options.tickMs ?? 1000 },
    snapshots: { topic: TOPICS.snapshots, everyMs: options.snapshotEveryMs ?? 5000, everyRecords: options.snapshotEveryRecords ?? 20_000 },
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
  else if (parse) stages.push(parseStage());
  else if (match) stages.push(matchStage(options));
  if (roles.includes('aggregate')) stages.push(aggregateStage(options));
  return stages;
}
