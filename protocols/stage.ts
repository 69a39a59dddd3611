/**
 * The contract between the runtime and a stage's partition machine.
 *
 * The runtime hosts one xstate actor per assigned partition of a stage's input
 * topic. It sends that actor the `RuntimeMessage`s below, one at a time, each
 * carrying a whole batch (an xstate `send` costs microseconds, so the unit of
 * work is a message, never a single record). The actor answers by emitting
 * (xstate `emit`) the `StageEmission`s below; the runtime turns them into
 * Kafka writes with the guarantees described on each.
 *
 * Nothing here knows about queries or windows: the query pipeline is one user
 * of this contract, and a user's own stage (sessionization, fraud rules) is
 * another.
 */
import type { RecordHeaders } from './transport.ts';

/** A record of the input partition, decoded by the stage's `decode`. */
export interface StageRecord<Value> {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Value;
  readonly headers: RecordHeaders;
  readonly timestamp: number;
}

/** A record the stage wants written. Without a partition, the key picks one (murmur2, as Kafka's default partitioner). */
export interface OutputRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key?: string | null;
  readonly value: Buffer | string | null;
  readonly headers?: RecordHeaders;
  readonly timestamp?: number;
}

/** A record the stage could not handle: written to the dead-letter topic with its reason. */
export interface DeadLetterRequest {
  /** Short machine-readable reason, e.g. `malformed-json`, `late`, `missing-timestamp`. */
  readonly reason: string;
  /** Human-readable detail. */
  readonly message: string;
  /** Offset of the input record it came from. */
  readonly offset: number;
  /** The bytes that could not be handled (the input record's, or the part of it at fault). */
  readonly original: Buffer | string | null;
}

/** A change of a table the stage reads (a changelog topic every node follows, e.g. `queries`). */
export interface TableChange<Value = unknown> {
  readonly key: string;
  /** `null` is a tombstone: the key was deleted. */
  readonly value: Value | null;
}

/** A publication made durable: acknowledged after its transaction committed, or replayed from its marker on restore. */
export interface PublishedNotice {
  readonly key: string;
  /** The input offset the partition had reached when the publication was requested. */
  readonly nextOffset: number;
}

/** What the runtime passes as `input` to every partition machine it creates (merged with the stage's `machineInput`). */
export interface PartitionInput {
  /** The stage's name. */
  readonly stage: string;
  /** The input partition this actor owns. */
  readonly partition: number;
  /** How many partitions the input topic has. */
  readonly inputPartitions: number;
  /**
   * The largest record each topic of the stage's `outputs` takes (its
   * `max.message.bytes`, as the node read it). A machine that can split what
   * it writes keeps each record within it; a record above it is
   * dead-lettered by the runtime with reason `too-large`.
   */
  readonly maxRecordBytes?: Readonly<Record<string, number>>;
  /** The runtime clock's time when the actor was created. */
  readonly now: number;
}

// ---------------------------------------------------------------- messages in

/** Records of the partition, in offset order; `nextOffset` is the offset after the last one. */
export interface BatchMessage<Value = unknown> {
  readonly type: 'eventide.batch';
  readonly partition: number;
  readonly records: readonly StageRecord<Value>[];
  readonly nextOffset: number;
  /** The runtime clock's time when the batch is handled. */
  readonly now: number;
}

/** Wall-clock time advanced (the runtime's injected clock). */
export interface TickMessage {
  readonly type: 'eventide.tick';
  readonly now: number;
}

/** A publication's records and marker are durably written. */
export interface PublishedMessage extends PublishedNotice {
  readonly type: 'eventide.published';
}

/** The tables the stage reads changed; `reset` means `changes` is the whole table. */
export interface TableMessage<Value = unknown> {
  readonly type: 'eventide.table';
  readonly table: string;
  readonly reset: boolean;
  readonly changes: readonly TableChange<Value>[];
  readonly now: number;
}

/** Where a partition's restore found its state and its input offset. */
export type RestoreSource = 'snapshot' | 'committed-offset' | 'earliest';

/**
 * The partition is ready: sent once, after the actor was created (from its
 * snapshot, or fresh) and after the `eventide.table` messages of its tables,
 * before any batch, whether or not a snapshot was found. A machine may wait in
 * a `restoring` state and leave it on this message.
 *
 * - `from` says where the state and the input offset came from: `snapshot`
 *   (the actor was rebuilt from it; input resumes at its offset),
 *   `committed-offset` or `earliest` (no snapshot: a fresh actor, input from
 *   the group's committed offset or the partition's earliest one).
 * - `published` lists every publication whose marker was written after the
 *   snapshot (empty without one): they are durable, so the actor must drop
 *   what they published and never request them again.
 *
 * In response the actor asks again for every publication that was still
 * pending when its snapshot was taken (`eventide.publish`); the runtime
 * answers those already durable (a marker anywhere in the snapshots
 * partition) with `eventide.published` and writes the others.
 */
export interface RestoredMessage {
  readonly type: 'eventide.restored';
  readonly from: RestoreSource;
  readonly published: readonly PublishedNotice[];
  readonly now: number;
}

/** The runtime is about to persist the actor's snapshot (periodic, revocation or shutdown). */
export interface SnapshotMessage {
  readonly type: 'eventide.snapshot';
  readonly now: number;
}

/**
 * The partition is leaving this node (a rebalance moved it, or the node shuts
 * down). A final `eventide.snapshot` follows; nothing else does.
 */
export interface RevokeMessage {
  readonly type: 'eventide.revoke';
  readonly now: number;
}

/** Every message the runtime sends a partition machine. */
export type RuntimeMessage<Value = unknown, TableValue = unknown> =
  | BatchMessage<Value>
  | TickMessage
  | PublishedMessage
  | TableMessage<TableValue>
  | RestoredMessage
  | SnapshotMessage
  | RevokeMessage;

// ---------------------------------------------------------- emissions out

/**
 * Records to write. A stateless stage (no snapshots) commits them with the
 * input offsets of the batch in one transaction; a stateful stage commits them
 * with its next publication or snapshot.
 */
export interface OutputEmission {
  readonly type: 'eventide.output';
  readonly records: readonly OutputRecord[];
}

/**
 * A publication: its records and a publish marker (key, input offset) are
 * written in one transaction, then `eventide.published` is sent back. A key is
 * published at most once per partition, whatever stops when: a request for a
 * key already durable is answered with `eventide.published` and not written,
 * and a request for a key still being written is not written twice (it is
 * reported as a duplicate).
 *
 * The actor is the one owner of whether it is published: the runtime does
 * not persist requests in flight, so an actor whose snapshot holds a
 * publication not yet acknowledged asks for it again when it receives
 * `eventide.restored`.
 */
export interface PublishEmission {
  readonly type: 'eventide.publish';
  readonly key: string;
  readonly records: readonly OutputRecord[];
}

/** Records the stage could not handle, for the dead-letter topic. Written like outputs. */
export interface DeadLetterEmission {
  readonly type: 'eventide.deadletter';
  readonly letters: readonly DeadLetterRequest[];
}

/** Every emission the runtime acts on. */
export type StageEmission = OutputEmission | PublishEmission | DeadLetterEmission;
