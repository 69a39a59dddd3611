/**
 * A node: one process's share of an eventide cluster. It reads the tables its
 * stages need to their end, then joins each stage's consumer group; Kafka (or
 * the memory log) spreads partitions over the nodes of a group, and adding a
 * node with the same group scales the stages out.
 */
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, maxMessageBytes } from '../protocols/record-size.ts';
import type { FailingPartition } from './partition/restart-backoff.ts';
import { randomUUID } from 'node:crypto';
import type { AnyStateMachine, InspectionEvent } from 'xstate';
import type { Transport, Producer } from '../protocols/transport.ts';
import type { Clock } from '../protocols/clock.ts';
import { ConfigError } from '../protocols/errors.ts';
import { encodeDeadLetter } from '../protocols/dead-letter/index.ts';
import { partitionForKey } from '../protocols/partitioner.ts';
import { systemClock } from './clock.ts';
import { silentLogger, type Logger } from './logger.ts';
import { DEFAULT_DEAD_LETTER_TOPIC, type StageDefinition, type TableDefinition } from './stage.ts';
import { StageRunner } from './stage-runner.ts';
import type { StandbyStats } from './standby-replicas.ts';
import { TableStore, type RejectedTableRecord, type TableView } from './table-store.ts';
import type { PartitionHost, PartitionHostStats } from './partition-host.ts';
import { hostedPartition, type HostedPartition } from './hosted-partition.ts';
import { Instrumentation } from './instrumentation.ts';
import type { StageSummary } from './inspector/api.ts';

export type { StageSummary } from './inspector/api.ts';
import { ActorObservers, type ActorObserver } from './actor-observers.ts';

/** A stage as the nodes of cluster `group` run it: its input, consumer group (`<group>.<stage>`), snapshots topic and machine. */
export function describeStage(stage: StageDefinition<any>, group: string): StageSummary {
  return { name: stage.name, topic: stage.input.topic, group: `${group}.${stage.name}`, snapshotsTopic: stage.snapshots?.topic ?? null, machine: stage.machine.id };
}

/** What `createNode` takes: where the cluster is, which stages and tables this node runs, and how it reports. */
export interface NodeOptions {
  /** How the node reaches the log: `kafkaTransport(...)` or `memoryTransport(...)`. */
  readonly transport: Transport;
  /** The cluster's name; each stage's consumer group is `<group>.<stage>`, its transactional ids `<group>.<stage>.<partition>`. */
  readonly group: string;
  /** The stages this node runs (`defineStage`); every node of a group with a stage shares its partitions. */
  readonly stages: readonly StageDefinition<any>[];
  /** The tables the stages read (`defineTable`), read to their end before any stage starts. */
  readonly tables?: readonly TableDefinition<any>[];
  /** The node's name in the cluster (logs, group metadata, snapshots' writer). @default a random UUID */
  readonly nodeId?: string;
  /** Where time comes from: ticks, snapshot intervals, `now` of every message. @default the system clock */
  readonly clock?: Clock;
  /** Structured logs (a pino logger is one). @default silentLogger */
  readonly logger?: Logger;
  /** Published to the other members (e.g. the inspector's address). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Receives every actor's inspection events (state changes, messages). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Told while a table catches up at start-up. */
  readonly onTableProgress?: (table: string, read: number, total: number) => void;
  /** Told of every partition restore, once the partition runs (`stats().restore` says how it was restored). */
  readonly onRestored?: (partition: HostedPartition) => void;
  /**
   * Standby replicas of each partition of a stage with snapshots that the
   * group keeps on other nodes: warm copies, followed from the snapshots
   * partitions, that a partition resumes from when its owner dies. @default 0
   */
  readonly standbys?: number;
}

/**
 * Creates a node. Call `start()` to join the cluster and `stop()` to leave it
 * cleanly (final snapshots, then leave the groups).
 *
 * @example
 * const node = createNode({ transport, group: 'shop', stages: [sessionize] });
 * await node.start();
 * process.on('SIGTERM', () => node.stop());
 */
export function createNode(options: NodeOptions): EventideNode {
  return new EventideNode(options);
}

/**
 * One process's share of an eventide cluster: it runs its stages' partition
 * machines for the partitions their groups assign it. Made by `createNode`.
 */
export class EventideNode {
  /** The node's name in the cluster. */
  readonly nodeId: string;
  /** Subscribe here for metrics: records in, transactions, dead letters, snapshots, restores, rebalances. */
  readonly instrumentation: Instrumentation;
  readonly #options: NodeOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #tables = new Map<string, TableStore>();
  readonly #runners: StageRunner[] = [];
  readonly #partitions = new Map<string, number>();
  /** Each topic's `max.message.bytes`, read at start. */
  readonly #recordLimits = new Map<string, number>();
  readonly #observers: ActorObservers;
  #advertised: Readonly<Record<string, string>> = {};
  #startedAt: number | null = null;
  #producer: Producer | null = null;
  #state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created';

  constructor(options: NodeOptions) {
    this.#options = options;
    this.nodeId = options.nodeId ?? randomUUID();
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger).child({ node: this.nodeId });
    // A listener's error is logged where the node logs (to the console when it logs nowhere), never lost.
    this.instrumentation = new Instrumentation(options.logger === undefined ? {} : { logger: this.#logger });
    this.#observers = new ActorObservers((error) => this.#logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'an actor observer threw; it is ignored'));
    if (options.inspect !== undefined) this.#observers.add(options.inspect);
    for (const table of options.tables ?? []) {
      this.#tables.set(table.name, new TableStore(table, (rejected) => this.#rejectTableRecord(table, rejected)));
    }
    const names = new Set<string>();
    for (const stage of options.stages) {
      if (names.has(stage.name)) throw new ConfigError(`two stages are named '${stage.name}'`);
      names.add(stage.name);
      for (const table of stage.tables ?? []) {
        if (!this.#tables.has(table)) throw new ConfigError(`stage '${stage.name}' reads table '${table}', which the node does not define`);
      }
    }
  }

  /** Where the node is in its life: `created`, `starting`, `running`, `stopping` or `stopped`. */
  get state(): string {
    return this.#state;
  }

  /** The cluster's name: each stage's consumer group is `<group>.<stage>`. */
  get group(): string {
    return this.#options.group;
  }

  /** The kind of log the node talks to (`kafka` or `memory`). */
  get transportKind(): string {
    return this.#options.transport.kind;
  }

  /** When `start()` was called (the node's clock), or null before. */
  get startedAt(): number | null {
    return this.#startedAt;
  }

  /** What the node publishes about itself to the other members (its id, its inspector's address). */
  get metadata(): Readonly<Record<string, string>> {
    return { nodeId: this.nodeId, ...this.#options.metadata, ...this.#advertised };
  }

  /**
   * Adds to what the node publishes to the other members (the inspector's
   * address once its port is known). Only before `start()`: members read it
   * when they join.
   */
  advertise(metadata: Readonly<Record<string, string>>): void {
    if (this.#state !== 'created') throw new ConfigError(`node ${this.nodeId} publishes its metadata when it joins: advertise before start() (it is ${this.#state})`);
    this.#advertised = { ...this.#advertised, ...metadata };
  }

  /** The partition machine of one of this node's stages (the inspector names children's machines from it). */
  stageMachine(stage: string): AnyStateMachine {
    const found = this.#options.stages.find((s) => s.name === stage);
    if (found === undefined) throw new ConfigError(`node ${this.nodeId} runs no stage '${stage}'`);
    return found.machine;
  }

  /** The stages this node runs, as the inspector describes them. */
  stages(): StageSummary[] {
    return this.#options.stages.map((stage) => describeStage(stage, this.#options.group));
  }

  /**
   * Adds an observer of every actor's inspection events (messages, state
   * changes) of every partition, now and later; returns the function that
   * removes it. Without observers, inspection costs one check per event.
   */
  observeActors(observer: ActorObserver): () => void {
    return this.#observers.add(observer);
  }

  /** Reads every table to its end, then joins each stage's group. */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ConfigError(`node ${this.nodeId} cannot start from ${this.#state}`);
    this.#state = 'starting';
    this.#startedAt = this.#clock.now();
    const { transport } = this.#options;
    await this.#loadTopicPartitions();
    this.#producer = transport.producer();
    await this.#producer.connect();
    const reader = transport.reader();
    await Promise.all(
      [...this.#tables.values()].map((table) =>
        table.start(reader, this.#logger, (read, total) => this.#options.onTableProgress?.(table.name, read, total)),
      ),
    );
    for (const stage of this.#options.stages) {
      const runner = new StageRunner(stage, {
        nodeId: this.nodeId,
        group: this.#options.group,
        metadata: this.metadata,
        transport,
        reader,
        clock: this.#clock,
        logger: this.#logger,
        partitionsOf: (topic) => this.#partitions.get(topic),
        maxRecordBytesOf: (topic) => this.#recordLimits.get(topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
        instrumentation: this.instrumentation,
        tableSnapshot: (name) => this.#tables.get(name)?.snapshot() ?? [],
        inspect: this.#observers.dispatch,
        ...(this.#options.standbys === undefined ? {} : { standbys: this.#options.standbys }),
        ...(this.#options.onRestored ? { onRestored: (host: PartitionHost) => this.#options.onRestored?.(hostedPartition(host)) } : {}),
      });
      for (const name of stage.tables ?? []) {
        this.#tables.get(name)!.subscribe((changes) =>
          runner.broadcast({ type: 'eventide.table', table: name, reset: false, changes, now: this.#clock.now() }),
        );
      }
      this.#runners.push(runner);
      await runner.start();
    }
    this.#state = 'running';
    this.#logger.info({ stages: this.#options.stages.map((stage) => stage.name), transport: transport.kind }, 'node running');
  }

  /** Final snapshots, clean leave. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    await Promise.all(this.#runners.map((runner) => runner.stop()));
    await Promise.all([...this.#tables.values()].map((table) => table.stop()));
    await this.#producer?.disconnect();
    this.#state = 'stopped';
    this.#logger.info({}, 'node stopped');
  }

  /** Drops all work at once without writing anything: what a crash leaves behind (tests). */
  abandon(): void {
    for (const runner of this.#runners) runner.abandon();
    for (const table of this.#tables.values()) void table.stop();
    this.#state = 'stopped';
  }

  /** Resolves once every hosted partition handled what it was sent and committed what it wrote (tests, orderly hand-overs). */
  async idle(): Promise<void> {
    await Promise.all(this.#hosts().map((host) => host.idle()));
  }

  /** The statistics of each partition this node hosts now (the same as `/status` serves). */
  /** Partitions that failed here and have not made progress since: their last error, failures in a row, and when the next restore starts. */
  failingPartitions(): FailingPartition[] {
    return this.#runners.flatMap((runner) => runner.failing());
  }

  partitions(): PartitionHostStats[] {
    return this.#runners.flatMap((runner) => runner.stats());
  }

  /** The standby replicas this node keeps (`NodeOptions.standbys`), and how far behind each is. */
  standbys(): StandbyStats[] {
    return this.#runners.flatMap((runner) => runner.standbys());
  }

  /** The partitions this node hosts now, with their actors' state (metrics, inspection). */
  hostedPartitions(): HostedPartition[] {
    return this.#hosts().map(hostedPartition);
  }

  /** A table this node keeps (one of `NodeOptions.tables`), read-only; undefined for a name it does not define. */
  table(name: string): TableView | undefined {
    return this.#tables.get(name);
  }

  #hosts(): PartitionHost[] {
    return this.#runners.flatMap((runner) => runner.hosts());
  }

  async #loadTopicPartitions(): Promise<void> {
    const admin = this.#options.transport.admin();
    const names = await admin.listTopics();
    for (const topic of await admin.describeTopics(names)) {
      this.#partitions.set(topic.name, topic.partitions);
      this.#recordLimits.set(topic.name, maxMessageBytes(topic.configs));
    }
    for (const stage of this.#options.stages) {
      const input = this.#partitions.get(stage.input.topic);
      if (input === undefined) throw new ConfigError(`stage '${stage.name}' reads topic '${stage.input.topic}', which does not exist: create it (eventide topics create)`);
      const snapshots = stage.snapshots?.topic;
      if (snapshots !== undefined && this.#partitions.get(snapshots) !== input) {
        throw new ConfigError(`stage '${stage.name}': snapshot topic '${snapshots}' must have exactly the ${input} partitions of '${stage.input.topic}' (has ${this.#partitions.get(snapshots) ?? 'none'})`);
      }
      for (const output of [...(stage.outputs ?? []), stage.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC]) {
        if (!this.#partitions.has(output)) throw new ConfigError(`stage '${stage.name}' writes topic '${output}', which does not exist: create it (eventide topics create)`);
      }
    }
  }

  #rejectTableRecord(table: TableDefinition, rejected: RejectedTableRecord): void {
    const { record, error } = rejected;
    this.#logger.warn({ table: table.name, offset: record.offset, err: String(error) }, 'table record rejected');
    const topic = table.deadLetterTopic ?? DEFAULT_DEAD_LETTER_TOPIC;
    const partitions = this.#partitions.get(topic);
    if (partitions === undefined || this.#producer === null) return;
    const key = `table.${table.name}`;
    const value = encodeDeadLetter({
      v: 1,
      stage: key,
      reason: (error as { reason?: string }).reason ?? 'invalid-record',
      message: error instanceof Error ? error.message : String(error),
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      original: record.value,
      at: this.#clock.now(),
    });
    void this.#producer.send([{ topic, partition: partitionForKey(key, partitions), key, value }]).catch((sendError: unknown) =>
      this.#logger.error({ err: String(sendError) }, 'could not write a dead letter for a table record'),
    );
  }
}
