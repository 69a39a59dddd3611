/**
 * `eventide node`: join the actor cluster with some roles, until SIGINT or
 * SIGTERM, which write a final snapshot of every partition and leave cleanly.
 */
import { createNode, type Logger } from '../index.ts';
import { pipelineStages, pipelineTables, type PipelineOptions, type Role } from '../pipeline/stages.ts';
import { connect, type Connection } from './connection.ts';
import { serveNodeInspector } from './node-server.ts';
import { advertisedInspectAddress } from './inspect-address.ts';

export interface NodeCommandOptions {
  readonly connection: Connection;
  readonly roles: readonly Role[];
  readonly nodeId: string;
  readonly inspect?: string;
  /** Required by the inspector on every request; needed to bind anything but loopback. */
  readonly inspectToken?: string;
  readonly snapshotEveryMs: number;
  /** Quiet time after which a source or partition stops holding windows open (wall clock). */
  readonly idleTimeoutMs?: number;
  /** How far from the clock a raw event's timestamp may be before it is dead-lettered. */
  readonly eventTime?: { readonly maxFutureMs: number; readonly maxAgeMs: number };
  /** The group session timeout: how soon the group notices a node that died. */
  readonly sessionTimeoutMs?: number;
  /** Standby replicas of each aggregate partition kept on other nodes. @default 0 */
  readonly standbys?: number;
  readonly logger: Logger;
  readonly progress: NodeJS.WriteStream;
}

export async function runNodeCommand(options: NodeCommandOptions): Promise<void> {
  const { logger, connection } = options;
  const transport = connect(connection, `eventide-${options.nodeId}`, {
    logger: logger.child({ node: options.nodeId }),
    ...(options.sessionTimeoutMs === undefined ? {} : { group: { sessionTimeoutMs: options.sessionTimeoutMs, heartbeatIntervalMs: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)) } }),
  });
  const idle = options.idleTimeoutMs ?? 60_000;
  const session = options.sessionTimeoutMs ?? 30_000;
  if (options.roles.includes('aggregate') && idle <= session) {
    logger.warn({ idleTimeoutMs: idle, sessionTimeoutMs: session }, 'the idle timeout is not above the session timeout: after a node dies, its sources may count as idle before they are taken over, and their replayed events arrive late');
  }
  const showBar = options.progress.isTTY === true;
  let lastLogged = 0;
  const pipeline: PipelineOptions = {
    topics: connection.topics,
    snapshotEveryMs: options.snapshotEveryMs,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.eventTime === undefined ? {} : { eventTime: options.eventTime }),
  };
  const tables = pipelineTables(pipeline);
  const node = createNode({
    transport,
    group: connection.group,
    nodeId: options.nodeId,
    stages: pipelineStages(options.roles, pipeline),
    tables,
    logger,
    ...(options.standbys === undefined ? {} : { standbys: options.standbys }),
    onTableProgress: (table, read, total) => {
      if (showBar) {
        const width = 30;
        const done = total === 0 ? width : Math.round((read / total) * width);
        options.progress.write(`\r${table} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${read}/${total}${read >= total ? '\n' : ''}`);
      } else if (read === total || Date.now() - lastLogged > 2000) {
        lastLogged = Date.now();
        logger.info({ table, read, total }, 'reading table');
      }
    },
  });
  const server =
    options.inspect === undefined
      ? null
      : await serveNodeInspector(node, {
          address: options.inspect,
          transport,
          topics: connection.topics,
          logger,
          ...(options.inspectToken === undefined ? {} : { token: options.inspectToken }),
          ...advertisedInspectAddress(options.inspect),
        });
  if (server !== null) logger.info({ url: server.url }, `inspector: ${server.url}`);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: final snapshots, then leaving the cluster');
    try {
      const hosted = node.hostedPartitions();
      await node.stop();
      // Where each partition was left, so its successor's restore can be checked against it.
      for (const partitionHosted of hosted) {
        const { stage, partition, nextOffset, snapshots, lastSnapshotAt } = partitionHosted.stats();
        logger.info({ stage, partition, offset: nextOffset, snapshots, lastSnapshotAt }, `left ${stage}[${partition}] at offset ${nextOffset}`);
      }
      await transport.close();
      await server?.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: String(error) }, 'stopping failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await node.start();
  logger.info({ group: connection.group, topics: connection.topics, roles: options.roles, inspect: server?.url ?? null }, `node ${options.nodeId} joined`);
  // Query registrations and cancellations as this node learns them, so an operator sees they reached it.
  for (const table of tables) {
    const queries = node.table(table.name);
    if (queries === undefined) continue;
    logger.info({ table: table.name, topic: table.topic, keys: queries.snapshot().map((change) => change.key) }, `${queries.snapshot().length} queries registered`);
    queries.subscribe((changes) => {
      for (const change of changes) logger.info({ table: table.name, key: change.key, removed: change.value === null }, `query ${change.key} ${change.value === null ? 'cancelled' : 'registered'}`);
    });
  }
}
