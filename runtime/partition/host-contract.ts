/**
 * A partition host and its node: what the host needs from the node (the
 * transport and the stage's group consumer, the clock, logs and
 * instrumentation, what the node knows of topics and tables, whom to tell
 * when the partition fails) and what it reports back (`stats()`).
 */
import type { PoisonRecords } from './poison-records.ts';
import type { InspectionEvent } from 'xstate';
import type { GroupConsumer, PartitionReader, Transport } from '../../protocols/transport.ts';
import type { TableChange } from '../../protocols/stage.ts';
import type { Clock } from '../../protocols/clock.ts';
import type { Logger } from '../logger.ts';
import type { Instrumentation } from '../instrumentation.ts';
import type { PartitionHost } from '../partition-host.ts';
import type { PartitionState } from '../partition-lifecycle.ts';
import type { RestoreReport } from './restorer.ts';
import type { Release } from './release.ts';
import type { WarmLog } from '../snapshot-restorer.ts';

export interface PartitionHostContext {
  readonly nodeId: string;
  readonly groupId: string;
  readonly transport: Transport;
  readonly consumer: GroupConsumer;
  readonly reader: PartitionReader;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Partition count of a topic, known to the node. */
  readonly partitionsOf: (topic: string) => number | undefined;
  /** The largest record a topic takes (its `max.message.bytes`, known to the node). @default Kafka's default, 1,048,588 */
  readonly maxRecordBytesOf?: (topic: string) => number;
  /** The current content of a table, for an actor that starts. */
  readonly tableSnapshot: (table: string) => TableChange[];
  /** The node's own observer of every actor's inspection events; the host adds its own (unhandled messages). */
  readonly inspect?: (event: InspectionEvent) => void;
  readonly instrumentation: Instrumentation;
  /** Told when the host stops for good on its own (fenced, writer or machine failure). */
  readonly onFailed: (host: PartitionHost, error: unknown) => void;
  /** Told each time the host commits a transaction (the partition makes progress). */
  readonly onProgress?: (host: PartitionHost) => void;
  /** What the node learnt of this partition's poison records (kept across its restores). */
  readonly poison?: PoisonRecords;
  /** The live member this partition moves from, when the assignor said so: its release is awaited before fencing. */
  readonly handOverFrom?: Release;
  /** Longest wait for that release before fencing. @default 30,000 */
  readonly releaseTimeoutMs?: number;
  /** The log of this node's standby replica of the partition: the restore reads on from where it stopped. */
  readonly warm?: WarmLog;
}

/** A hosted partition as status and tests see it. */
export interface PartitionHostStats {
  readonly stage: string;
  readonly partition: number;
  readonly state: PartitionState;
  /** The next input offset to handle. */
  readonly nextOffset: number;
  readonly recordsIn: number;
  /** Snapshots committed by this host. */
  readonly snapshots: number;
  readonly lastSnapshotAt: number | null;
  readonly transactions: number;
  readonly restore: RestoreReport | null;
}
