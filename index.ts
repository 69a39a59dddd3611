/**
 * eventide: partition actors on Kafka.
 *
 * Define a stage (an input topic, an xstate machine per partition, what to
 * snapshot, how often to tick), put it on a node with a transport (the
 * in-process memory log or Kafka), and the runtime gives the machine group
 * membership, ordered batched delivery, ticks, transactions for what it
 * publishes, snapshots and restore, dead letters and inspection.
 *
 * @example
 * ```ts
 * import { createNode, defineStage, MemoryLog, memoryTransport } from 'eventide';
 *
 * const stage = defineStage({ name: 'sessionize', input: { topic: 'clicks', decode }, machine: sessionMachine,
 *   tick: { everyMs: 1000 }, snapshots: { topic: 'sessionize.snapshots' } });
 * const node = createNode({ transport: memoryTransport(new MemoryLog()), group: 'shop', stages: [stage] });
 * await node.start();
 * ```
 *
 * @packageDocumentation
 */

// Stages, tables and nodes.
export {
  defineStage,
  defineTable,
  DEFAULT_DEAD_LETTER_TOPIC,
  type MachineInputOf,
  type StageDefinition,
  type StageInput,
  type StageMachineCheck,
  type StageOptions,
  type StageSettings,
  type StageSnapshotPolicy,
  type StageValueOf,
  type TableDefinition,
  type TableValueOf,
} from './runtime/stage.ts';
export { createNode, describeStage, EventideNode, type NodeOptions } from './runtime/node.ts';
export type { HostedPartition } from './runtime/hosted-partition.ts';
export type { TableListener, TableView } from './runtime/table-store.ts';

// The inspector: a node's actors, cluster and history, in the browser and as JSON.
export { checkInspectorAddress, serveInspector, type InspectorAsset, type InspectorOptions, type InspectorServer, type InspectorView } from './runtime/inspector/server.ts';
export { parseInspectAddress } from './runtime/inspector/access.ts';
export type * from './runtime/inspector/api.ts';
export type { ActorObserver } from './runtime/actor-observers.ts';
export type { StageSummary } from './runtime/node.ts';

// What a node reports: instrumentation events, and each partition's statistics and restore.
export { Instrumentation, type InstrumentationEvents, type InstrumentationEvent } from './runtime/instrumentation.ts';
export type { PartitionHostStats as PartitionStats, RestoreReport } from './runtime/partition-host.ts';
export type { FailingPartition } from './runtime/partition/restart-backoff.ts';
export type { PartitionState } from './runtime/partition-lifecycle.ts';

// The contract between the runtime and a partition machine.
export type {
  BatchMessage,
  DeadLetterEmission,
  DeadLetterRequest,
  OutputEmission,
  OutputRecord,
  PartitionInput,
  PublishEmission,
  PublishedMessage,
  PublishedNotice,
  RestoredMessage,
  RevokeMessage,
  RuntimeMessage,
  SnapshotMessage,
  StageEmission,
  StageRecord,
  TableChange,
  TableMessage,
  TickMessage,
} from './protocols/stage.ts';

// Time and logs.
export { ManualClock, systemClock, type Clock } from './runtime/clock.ts';
export { silentLogger, type Logger } from './runtime/logger.ts';

// Transports.
export type * from './protocols/transport.ts';
export { MemoryLog, memoryTransport, type HandOver, type MemoryLogOptions, type MemoryTransport, type MemoryTransportOptions } from './runtime/memory/index.ts';
export { SaslAuthenticationError, TlsHandshakeError } from './runtime/kafka/index.ts';
export { kafkaTransport, type KafkaGroupTimings, type KafkaLogLevel, type KafkaLogSink, type KafkaTransportConfig } from './runtime/kafka/index.ts';

// Dead letters as written to the dead-letter topic, and Kafka's default partitioner.
export { decodeDeadLetter, type DeadLetter } from './protocols/dead-letter/index.ts';
export { partitionForKey } from './protocols/partitioner.ts';

// Errors: branch on the class or the predicates, never on the message.
export {
  ConfigError,
  DecodeError,
  EventideError,
  IllegalTransitionError,
  NotAssignedError,
  PartitionAbandonedError,
  ProducerFencedError,
  StaticReadError,
  TopicConfigError,
  TransactionStateError,
  TransportUnavailableError,
  UndecodableMarkerError,
  isDecodeError,
  isEventideError,
  isFenced,
  isRetriable,
  isUndecodableMarker,
} from './protocols/errors.ts';
