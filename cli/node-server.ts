/**
 * A node's HTTP port: the inspector (runtime/inspector/), with Prometheus
 * metrics at `/metrics` and the node's partitions as JSON at `/status`.
 * Counters follow the node's instrumentation events; gauges are read from
 * the node when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PartitionReader, Transport } from '../protocols/transport.ts';
import { checkInspectorAddress, describeStage, serveInspector, type EventideNode, type InspectorServer, type Logger, type TableView } from '../index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import { aggregateStage, ingestStage, matchStage, parseStage } from '../pipeline/stages.ts';
import { TOPICS, type PipelineTopicNames } from '../pipeline/topics.ts';
import { queriesInspectorView } from '../pipeline/queries-view.ts';

export function nodeMetrics(node: EventideNode, reader?: PartitionReader): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const recordsIn = new Counter({ name: 'eventide_records_in_total', help: 'Input records handled, by stage', labelNames: ['stage'], registers });
  const recordsOut = new Counter({ name: 'eventide_records_out_total', help: 'Records committed by partition writers, by stage and topic', labelNames: ['stage', 'topic'], registers });
  const deadLetters = new Counter({ name: 'eventide_dead_letters_total', help: 'Records sent to the dead-letter topic, by stage and reason', labelNames: ['stage', 'reason'], registers });
  const transactionSeconds = new Histogram({ name: 'eventide_transaction_duration_seconds', help: 'Time to commit a partition writer transaction', labelNames: ['stage'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers });
  const snapshotBytes = new Histogram({ name: 'eventide_snapshot_bytes', help: 'Size of written snapshots', labelNames: ['stage'], buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8], registers });
  const snapshotSeconds = new Histogram({ name: 'eventide_snapshot_duration_seconds', help: 'Time from taking a snapshot to its commit', labelNames: ['stage'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers });
  const restoreSeconds = new Histogram({ name: 'eventide_restore_duration_seconds', help: 'Time to restore a partition (fence, read snapshots, rebuild, seek)', labelNames: ['stage', 'from'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers });
  const rebalances = new Counter({ name: 'eventide_rebalances_total', help: 'Assignments received, by stage', labelNames: ['stage'], registers });
  const unhandled = new Counter({ name: 'eventide_unhandled_messages_total', help: 'Messages an actor state had no transition for (changed nothing), by stage, machine, state and message type', labelNames: ['stage', 'machine', 'state', 'type'], registers });
  const duplicates = new Counter({ name: 'eventide_duplicate_publications_total', help: 'Publications requested again while the first request was being written (not written twice)', labelNames: ['stage'], registers });
  const failures = new Counter({ name: 'eventide_partition_failures_total', help: 'Partitions that stopped on their own (fenced, write or machine failure)', labelNames: ['stage'], registers });
  const events = node.instrumentation;
  events.on('records.in', (e) => recordsIn.inc({ stage: e.stage }, e.records));
  events.on('transaction.committed', (e) => {
    transactionSeconds.observe({ stage: e.stage }, e.durationMs / 1000);
    for (const [topic, count] of Object.entries(e.recordsByTopic)) recordsOut.inc({ stage: e.stage, topic }, count);
  });
  events.on('deadletter', (e) => deadLetters.inc({ stage: e.stage, reason: e.reason }));
  events.on('snapshot.written', (e) => {
    snapshotBytes.observe({ stage: e.stage }, e.bytes);
    snapshotSeconds.observe({ stage: e.stage }, e.durationMs / 1000);
  });
  const ignoredSnapshots = new Counter({ name: 'eventide_snapshots_ignored_total', help: 'Records of the snapshots topic a restore passed over, by stage and kind (incomplete: a snapshot never committed or with chunks missing; corrupt: a bad commit or checksum; marker: a publish marker skipped with eventide snapshots skip)', labelNames: ['stage', 'kind'], registers });
  events.on('partition.restored', (e) => {
    restoreSeconds.observe({ stage: e.stage, from: e.report.from }, e.report.durationMs / 1000);
    if (e.report.ignored.incomplete > 0) ignoredSnapshots.inc({ stage: e.stage, kind: 'incomplete' }, e.report.ignored.incomplete);
    if (e.report.ignored.corrupt > 0) ignoredSnapshots.inc({ stage: e.stage, kind: 'corrupt' }, e.report.ignored.corrupt);
    if (e.report.ignored.markers > 0) ignoredSnapshots.inc({ stage: e.stage, kind: 'marker' }, e.report.ignored.markers);
  });
  const takeOvers = new Counter({ name: 'eventide_handovers_total', help: 'Partitions this node took over, by stage and kind (clean: released by its last owner, nothing replayed; fenced: its last owner, alive, did not release it in time; lost: its last owner stopped without releasing it; standby: lost or fenced and resumed from this node\'s standby replica; first: never committed before)', labelNames: ['stage', 'kind'], registers });
  const replayed = new Counter({ name: 'eventide_handover_replayed_records_total', help: 'Input records handled again after a hand-over, where known (a released partition replays none), by stage', labelNames: ['stage'], registers });
  events.on('partition.restored', (e) => {
    if (e.report.handOver !== undefined) takeOvers.inc({ stage: e.stage, kind: e.report.handOver });
    if (typeof e.report.replayed === 'number' && e.report.replayed > 0) replayed.inc({ stage: e.stage }, e.report.replayed);
  });
  events.on('rebalance', (e) => rebalances.inc({ stage: e.stage }));
  const handOvers = new Counter({ name: 'eventide_partitions_revoked_total', help: 'Partitions handed over cleanly (revoked, final snapshot written), by stage', labelNames: ['stage'], registers });
  const losses = new Counter({ name: 'eventide_partitions_lost_total', help: 'Partitions lost (crash, expiry, expulsion) and abandoned without a final snapshot, by stage', labelNames: ['stage'], registers });
  events.on('partition.revoked', (e) => handOvers.inc({ stage: e.stage }));
  events.on('partition.lost', (e) => losses.inc({ stage: e.stage }));
  events.on('partition.failed', (e) => failures.inc({ stage: e.stage }));
  events.on('message.unhandled', (e) => unhandled.inc({ stage: e.stage, machine: e.machine, state: e.state, type: e.type }));
  events.on('publication.duplicate', (e) => duplicates.inc({ stage: e.stage }));
  new Gauge({
    name: 'eventide_instrumentation_listener_errors',
    help: 'Errors thrown by instrumentation listeners (logged and ignored; the partitions go on)',
    registers,
    collect() {
      this.set(node.instrumentation.listenerErrors);
    },
  });

  new Gauge({
    name: 'eventide_partitions',
    help: 'Partitions hosted here, by stage and lifecycle state',
    labelNames: ['stage', 'state'],
    registers,
    collect() {
      this.reset();
      for (const stats of node.partitions()) this.inc({ stage: stats.stage, state: stats.state });
    },
  });
  new Gauge({
    name: 'eventide_partitions_failing',
    help: 'Partitions that failed here and have not made progress since (waiting to restore again, with a growing back-off), by stage',
    labelNames: ['stage'],
    registers,
    collect() {
      this.reset();
      for (const failing of node.failingPartitions()) if (!failing.running) this.inc({ stage: failing.stage });
    },
  });
  new Gauge({
    name: 'eventide_standby_lag_records',
    help: 'Standby replicas kept here (--standbys): records of the partition\'s snapshots log not read yet, by stage and partition',
    labelNames: ['stage', 'partition'],
    registers,
    collect() {
      this.reset();
      for (const standby of node.standbys()) this.set({ stage: standby.stage, partition: String(standby.partition) }, standby.lag);
    },
  });
  new Gauge({
    name: 'eventide_standby_snapshot_age_seconds',
    help: 'Standby replicas kept here: age of the newest snapshot each holds, by stage and partition (absent before its first)',
    labelNames: ['stage', 'partition'],
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const standby of node.standbys()) {
        if (standby.snapshotTakenAt !== null) this.set({ stage: standby.stage, partition: String(standby.partition) }, (now - standby.snapshotTakenAt) / 1000);
      }
    },
  });
  new Gauge({
    name: 'eventide_open_windows',
    help: 'Open event-time windows of the aggregate partitions hosted here',
    labelNames: ['partition'],
    registers,
    collect() {
      this.reset();
      for (const hosted of node.hostedPartitions()) {
        const snapshot = hosted.stage === 'aggregate' ? hosted.actorSnapshot() : null;
        if (snapshot === null) continue;
        let windows = 0;
        for (const query of Object.values(snapshot.children) as { getSnapshot(): { children: object } }[]) windows += Object.keys(query.getSnapshot().children).length;
        this.set({ partition: String(hosted.partition) }, windows);
      }
    },
  });
  if (reader !== undefined) {
    new Gauge({
      name: 'eventide_lag_records',
      help: 'Records between a hosted partition\'s position and its end (transaction markers included)',
      labelNames: ['stage', 'partition'],
      registers,
      async collect() {
        this.reset();
        const ends = new Map<string, Map<number, number>>();
        for (const hosted of node.hostedPartitions()) {
          const { topic } = hosted;
          if (!ends.has(topic)) ends.set(topic, await reader.endOffsets(topic, 'read_committed'));
          const end = ends.get(topic)!.get(hosted.partition) ?? 0;
          this.set({ stage: hosted.stage, partition: String(hosted.partition) }, Math.max(0, end - hosted.stats().nextOffset));
        }
      },
    });
  }
  return registry;
}

/** What `eventide node` and `eventide demo` serve on their inspector address. */
export interface NodeInspectorOptions {
  /** `HOST:PORT`. */
  readonly address: string;
  readonly token?: string;
  readonly transport: Transport;
  /** The pipeline's topics (the queries view follows its results). @default TOPICS */
  readonly topics?: PipelineTopicNames;
  readonly logger?: Logger;
  /** The address to publish when the bound one is not reachable as such. */
  readonly advertise?: string;
}

/**
 * The node's inspector with the pipeline's additions: Prometheus metrics at
 * `/metrics`, the `queries` view, and every stage of the pipeline in the
 * cluster view (nodes with other roles included). Call it before
 * `node.start()`, so the node publishes its address.
 */
export async function serveNodeInspector(node: EventideNode, options: NodeInspectorOptions): Promise<InspectorServer> {
  const { transport } = options;
  // A bad address or a missing token is said before anything connects.
  checkInspectorAddress(options.address, options.token);
  const topics = options.topics ?? TOPICS;
  const reader = transport.reader();
  const registry = nodeMetrics(node, reader);
  const queries = node.table('queries') as TableView<QueryRecord> | undefined;
  const queriesView = queries === undefined ? null : await queriesInspectorView(queries, reader, topics.results, () => Date.now());
  const cluster = [ingestStage({ topics }), parseStage({ topics }), matchStage({ topics }), aggregateStage({ topics })];
  const server = await serveInspector(node, {
    address: options.address,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    reader,
    admin: transport.admin(),
    clusterStages: cluster.map((stage) => describeStage(stage, node.group)),
    views: queriesView === null ? [] : [queriesView.view],
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  });
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    get watchers() {
      return server.watchers;
    },
    close: async () => {
      await queriesView?.stop();
      await server.close();
    },
  };
}
