/**
 * A stage: one input topic, one partition machine per assigned partition, and
 * the guarantees the runtime gives it (ordered batched delivery, ticks,
 * tables, transactions for what it writes, snapshots and restore, dead
 * letters). This is the public way to put an actor on a stream; the query
 * pipeline's parse, match and aggregate stages use nothing else.
 */
import type { AnyStateMachine } from 'xstate';
import type { ConsumedRecord } from '../protocols/transport.ts';
import { ConfigError } from '../protocols/errors.ts';

/** What the runtime passes as `input` to every partition machine it creates. */
export interface PartitionInput {
  readonly stage: string;
  readonly partition: number;
  /** How many partitions the input topic has. */
  readonly inputPartitions: number;
  /** The runtime clock's time when the actor was created. */
  readonly now: number;
}

export interface StageSnapshotPolicy {
  /** The topic holding snapshots; it must have exactly as many partitions as the input topic. */
  readonly topic: string;
  /** Snapshot at least this often while records arrive. @default 5000 */
  readonly everyMs?: number;
  /** Snapshot after this many input records. @default 50000 */
  readonly everyRecords?: number;
  /** Largest snapshot record; bigger state is chunked. @default 512 KiB */
  readonly maxChunkBytes?: number;
}

export interface StageDefinition<Value = unknown> {
  /** Unique within a node; names the consumer group (`<group>.<name>`) and transactional ids. */
  readonly name: string;
  readonly input: {
    readonly topic: string;
    /** Turns a record into the value the machine sees. Throwing `DecodeError` dead-letters the record with its reason. */
    readonly decode: (record: ConsumedRecord) => Value;
  };
  /** The partition machine. It receives `RuntimeMessage`s and emits `StageEmission`s (protocols/stage.ts). */
  readonly machine: AnyStateMachine;
  /** Extra fields merged into every partition machine's input (configuration of the machine). */
  readonly machineInput?: Readonly<Record<string, unknown>>;
  /** Tables (by name) whose changes this stage's actors receive. */
  readonly tables?: readonly string[];
  /** Send `eventide.tick` this often. */
  readonly tick?: { readonly everyMs: number };
  /** Persist the machine's state; without it the stage is stateless and commits its input offsets with its outputs. */
  readonly snapshots?: StageSnapshotPolicy;
  /** Where dead letters go. @default 'deadletter' */
  readonly deadLetterTopic?: string;
  /** Most records in one batch message; bigger fetches are split so no slice of work runs long. @default 500 */
  readonly maxRecordsPerMessage?: number;
}

/**
 * Declares a stage. Checks the definition and fills in defaults.
 *
 * @example
 * const sessions = defineStage({
 *   name: 'sessionize',
 *   input: { topic: 'clicks', decode: (record) => JSON.parse(String(record.value)) },
 *   machine: sessionMachine,
 *   tick: { everyMs: 1000 },
 *   snapshots: { topic: 'sessionize.snapshots' },
 * });
 */
export function defineStage<Value>(definition: StageDefinition<Value>): StageDefinition<Value> {
  if (!/^[A-Za-z0-9._-]+$/.test(definition.name)) {
    throw new ConfigError(`stage name '${definition.name}' may only contain letters, digits, '.', '_' and '-'`);
  }
  if (definition.tick !== undefined && !(definition.tick.everyMs > 0)) {
    throw new ConfigError(`stage '${definition.name}': tick.everyMs must be positive`);
  }
  return definition;
}

/** A changelog topic that every node reads from the earliest offset and then follows (a global table). */
export interface TableDefinition<Value = unknown> {
  readonly name: string;
  readonly topic: string;
  /** Turns a record value into the table's value; throwing dead-letters the record. A null value is a tombstone. */
  readonly decode: (value: Buffer) => Value;
}

/** Declares a table. */
export function defineTable<Value>(definition: TableDefinition<Value>): TableDefinition<Value> {
  return definition;
}

export const DEFAULT_DEAD_LETTER_TOPIC = 'deadletter';
