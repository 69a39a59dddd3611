import type {
  GroupConsumer,
  GroupConsumerOptions,
  PartitionReader,
  Producer,
  TransactionalProducer,
  Transport,
  TransportAdmin,
} from '../../protocols/transport.ts';
import { MemoryAdmin } from './admin.ts';
import { MemoryGroupConsumer } from './group-consumer.ts';
import type { MemoryLog } from './memory-log.ts';
import { MemoryNode, type FaultPoint, type HandlerErrorListener } from './node.ts';
import { MemoryPartitionReader } from './partition-reader.ts';
import { MemoryProducer } from './producer.ts';
import { MemoryTransactionalProducer } from './transactional-producer.ts';

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * Names this node in member ids and error reports.
   * @default `node-<n>`, unique within the log
   */
  readonly clientId?: string;
  /**
   * Called before each send, transactional send, sendOffsets, commit and
   * offset commit. Throw to fail the operation (nothing is written), or call
   * `crash()` to kill the node at that point.
   * @example
   * let sends = 0;
   * const node = memoryTransport(log, { faults: (op) => { if (op.kind === 'send' && ++sends === 3) node.crash(); } });
   */
  readonly faults?: (operation: FaultPoint) => void;
  /**
   * Receives the errors handlers threw (`onBatch`, `onPartitionsAssigned`,
   * `onPartitionsRevoked`, `onPartitionsLost`, `onRecords`); the member or
   * follower goes on.
   * @default writes them to `console.error`
   */
  readonly onError?: HandlerErrorListener;
}

/** A node's transport on a {@link MemoryLog}, with a way to kill it. */
export interface MemoryTransport extends Transport {
  readonly kind: 'memory';
  readonly clientId: string;
  /**
   * Kills the node abruptly: its consumers leave their groups without
   * `onPartitionsRevoked`, their owners are told `onPartitionsLost` (the
   * survivors get the partitions at once), its
   * followers stop, its open transactions stay open (blocking read_committed
   * readers) until a producer with the same transactional id connects, and
   * every later call of its clients throws `TransportUnavailableError`
   * (`disconnect`, `stop` and `close` resolve quietly).
   */
  crash(): void;
  readonly crashed: boolean;
}

/**
 * A transport on an in-process log with Kafka's semantics. Give each node of
 * a test its own transport on the same log.
 *
 * @example
 * const log = new MemoryLog();
 * const transport = memoryTransport(log, { clientId: 'node-a' });
 * await transport.admin().createTopics([{ name: 'events', partitions: 4 }]);
 */
export function memoryTransport(log: MemoryLog, options: MemoryTransportOptions = {}): MemoryTransport {
  const clientId = options.clientId ?? `node-${log.nextClientNumber()}`;
  const onError: HandlerErrorListener =
    options.onError ??
    ((error, context) => console.error(`[memory transport ${context.clientId}] ${context.source} failed`, context, error));
  const node = new MemoryNode(clientId, options.faults, onError);
  return {
    kind: 'memory',
    clientId,
    get crashed() {
      return node.crashed;
    },
    admin: (): TransportAdmin => new MemoryAdmin(log, node),
    producer: (): Producer => new MemoryProducer(log, node),
    transactionalProducer: (transactionalId: string): TransactionalProducer =>
      new MemoryTransactionalProducer(log, node, transactionalId),
    consumer: (consumerOptions: GroupConsumerOptions): GroupConsumer => new MemoryGroupConsumer(log, node, consumerOptions),
    reader: (): PartitionReader => new MemoryPartitionReader(log, node),
    close: () => node.closeAll(),
    crash: () => node.crash(),
  };
}
