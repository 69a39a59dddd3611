/**
 * What a partition host needs from its node: the transport and the stage's
 * group consumer, the clock, logs and instrumentation, what the node knows
 * of topics and tables, and whom to tell when the partition fails.
 */
import type { InspectionEvent } from 'xstate';
import type { GroupConsumer, PartitionReader, Transport } from '../../protocols/transport.ts';
import type { TableChange } from '../../protocols/stage.ts';
import type { Clock } from '../../protocols/clock.ts';
import type { Logger } from '../logger.ts';
import type { Instrumentation } from '../instrumentation.ts';
import type { PartitionHost } from '../partition-host.ts';

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
  /** The current content of a table, for an actor that starts. */
  readonly tableSnapshot: (table: string) => TableChange[];
  /** The node's own observer of every actor's inspection events; the host adds its own (unhandled messages). */
  readonly inspect?: (event: InspectionEvent) => void;
  readonly instrumentation: Instrumentation;
  /** Told when the host stops for good on its own (fenced, writer or machine failure). */
  readonly onFailed: (host: PartitionHost, error: unknown) => void;
}
