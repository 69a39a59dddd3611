/**
 * Runs one stage on a node: a member of the stage's consumer group
 * (`<group>.<stage>`), and a partition host per assigned partition. It turns
 * the group's assignment changes into hosts started (restored off the
 * heartbeat path), hosts revoked (a planned hand-over: final snapshot, then
 * stop) and hosts lost (the member crashed or was expelled and another node
 * may own the partition already: abandoned at once, nothing written; the new
 * owner fences and replays from the newest snapshot).
 */
import type { ConsumedBatch, GroupConsumer, HandOverFrom, TopicPartition } from '../protocols/transport.ts';
import type { RuntimeMessage } from '../protocols/stage.ts';
import type { StageDefinition } from './stage.ts';
import { PartitionHost, type PartitionHostContext, type PartitionHostStats, type ReleaseTerms } from './partition-host.ts';
import type { Logger } from './logger.ts';
import { MAX_POISON_IN_A_ROW, PoisonRecords, isRecordsFailed } from './partition/poison-records.ts';
import { RestartBackoff, type FailingPartition } from './partition/restart-backoff.ts';
import { StandbyReplicas, type StandbyStats } from './standby-replicas.ts';
import { systemClock } from './clock.ts';

export type StageRunnerContext = Omit<PartitionHostContext, 'consumer' | 'groupId' | 'onFailed' | 'onProgress' | 'poison' | 'warm'> & {
  readonly group: string;
  /** Standby replicas of each partition the group keeps (the node's `--standbys`). @default 0 */
  readonly standbys?: number;
  /** How often standby replicas read their snapshots partitions on. @default 1000 */
  readonly standbyFollowEveryMs?: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Told of every restore, for logs and metrics. */
  readonly onRestored?: (host: PartitionHost) => void;
};

export class StageRunner {
  readonly stage: StageDefinition<unknown>;
  readonly groupId: string;
  readonly #context: StageRunnerContext;
  readonly #logger: Logger;
  readonly #hosts = new Map<number, PartitionHost>();
  /** Hosts writing their final snapshot; `abandon` must reach them too. */
  readonly #revoking = new Set<PartitionHost>();
  #consumer: GroupConsumer | null = null;
  #cancelTicks: (() => void) | null = null;
  #rebalances = 0;
  #revokedPartitions = 0;
  #lostPartitions = 0;
  /** Per partition, kept across its restores on this node. */
  readonly #poison = new Map<number, PoisonRecords>();
  readonly #restarts: RestartBackoff;
  readonly #standbys: StandbyReplicas;

  constructor(stage: StageDefinition<unknown>, context: StageRunnerContext) {
    this.stage = stage;
    this.groupId = `${context.group}.${stage.name}`;
    this.#context = context;
    this.#logger = context.logger.child({ stage: stage.name });
    this.#restarts = new RestartBackoff(stage.name);
    this.#standbys = new StandbyReplicas({
      stage, replicas: context.standbys ?? 0, reader: context.reader, logger: this.#logger, clock: systemClock,
      ...(context.standbyFollowEveryMs === undefined ? {} : { followEveryMs: context.standbyFollowEveryMs }),
    });
  }

  /** The standby replicas this node keeps of the stage's partitions, and how far behind each is. */
  standbys(): StandbyStats[] {
    return this.#standbys.stats();
  }

  /** Partitions that failed and have not made progress since, with their last error and next attempt. */
  failing(): FailingPartition[] {
    return this.#restarts.failing((partition) => this.#hosts.get(partition)?.lifecycle.is('running') ?? false);
  }

  get rebalances(): number {
    return this.#rebalances;
  }

  /** Partitions handed over cleanly: revoked, with a final snapshot attempted. */
  get revokedPartitions(): number {
    return this.#revokedPartitions;
  }

  /** Partitions lost (crash, expiry, expulsion) and abandoned without a final write. */
  get lostPartitions(): number {
    return this.#lostPartitions;
  }

  hosts(): PartitionHost[] {
    return [...this.#hosts.values()];
  }

  stats(): PartitionHostStats[] {
    return this.hosts().map((host) => host.stats());
  }

  async start(): Promise<void> {
    const standbys = this.#standbys;
    const consumer = this.#context.transport.consumer({
      groupId: this.groupId, metadata: this.#context.metadata, isolation: 'read_committed', fromBeginning: true,
      ...(standbys.replicas === 0 ? {} : { standbys: { replicas: standbys.replicas, following: () => standbys.progress() } }),
    });
    this.#consumer = consumer;
    await consumer.connect();
    const tick = this.stage.tick;
    if (tick !== undefined) {
      this.#cancelTicks = this.#context.clock.every(tick.everyMs, () => this.broadcast({ type: 'eventide.tick', now: this.#context.clock.now() }));
    }
    await consumer.run([this.stage.input.topic], {
      onPartitionsAssigned: async (partitions, generation, handOvers) => this.#handleAssignment(consumer, partitions, generation, handOvers),
      onPartitionsRevoked: async (partitions, generation, nextOwnerWaits) => this.#handleRevocation(partitions, { generation, nextOwnerWaits }),
      onPartitionsLost: async (partitions) => this.#handleLoss(partitions),
      onStandbysAssigned: async (partitions) => standbys.assign(partitions, (partition) => this.#hosts.has(partition)),
      onBatch: async (batch) => this.#handleBatch(batch),
    });
  }

  /** Sends a message to every running host of this stage. */
  broadcast(message: RuntimeMessage): void {
    for (const host of this.#hosts.values()) host.post(message);
  }

  /** Leaves the group: every host writes its final snapshot first. */
  async stop(): Promise<void> {
    this.#cancelTicks?.();
    this.#standbys.stop();
    await this.#consumer?.disconnect();
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map((host) => this.#revoke(host)));
  }

  /** Drops everything without writing (the node died), including final snapshots under way. */
  abandon(): void {
    this.#cancelTicks?.();
    this.#standbys.stop();
    for (const host of [...this.#hosts.values(), ...this.#revoking]) host.abandon();
    this.#hosts.clear();
    this.#revoking.clear();
  }

  async #revoke(host: PartitionHost, release?: ReleaseTerms): Promise<void> {
    this.#revoking.add(host);
    try {
      await host.revoke(release);
    } finally {
      this.#revoking.delete(host);
    }
  }

  #handleAssignment(consumer: GroupConsumer, partitions: readonly TopicPartition[], generation: number, handOvers: readonly HandOverFrom[] = []): void {
    this.#rebalances++;
    consumer.pause(partitions);
    this.#context.instrumentation.emit('rebalance', { stage: this.stage.name, generation, assigned: partitions.length });
    for (const { partition } of partitions) {
      // Its standby replica stops following: the restore reads on from where it stopped, once the last owner is fenced.
      const warm = this.#standbys.take(partition);
      const host = new PartitionHost(this.stage, partition, generation, {
        ...this.#context,
        consumer,
        groupId: this.groupId,
        onFailed: (failed, error) => this.#handleFailure(failed, error),
        onProgress: () => this.#restarts.progressed(partition),
        poison: this.#poisonOf(partition),
        ...(warm === null ? {} : { warm }),
        ...handOverFrom(handOvers, partition, generation),
      });
      this.#hosts.set(partition, host);
      // Restoring happens off the group's callback so heartbeats go on.
      host.start().then(
        (report) => {
          this.#logger.info({ partition, generation, ...report }, `restored ${this.stage.name}[${partition}] from ${report.from}`);
          this.#context.instrumentation.emit('partition.restored', { stage: this.stage.name, partition, report });
          this.#context.onRestored?.(host);
        },
        (error) => {
          if (host.lifecycle.is('revoking', 'stopped', 'failed')) return;
          this.#logger.error({ partition, err: error instanceof Error ? error.stack : String(error) }, 'restore failed');
          host.abandon();
          this.#handleFailure(host, error);
        },
      );
    }
  }

  async #handleRevocation(partitions: readonly TopicPartition[], release: ReleaseTerms): Promise<void> {
    await Promise.all(
      partitions.map(async ({ partition }) => {
        const host = this.#hosts.get(partition);
        this.#hosts.delete(partition);
        if (host === undefined) return;
        this.#revokedPartitions++;
        this.#restarts.forget(partition);
        this.#context.instrumentation.emit('partition.revoked', { stage: this.stage.name, partition, generation: host.generation });
        this.#logger.info({ partition, generation: host.generation }, `revoked ${this.stage.name}[${partition}]`);
        await this.#revoke(host, release);
      }),
    );
  }

  /**
   * Another member may own these partitions already: a final snapshot would
   * race it (and be fenced at best), so each host is abandoned at once and
   * nothing is written. A host still writing a final snapshot of an earlier
   * revocation keeps at it: its writes are fenced if it lost the race.
   */
  #handleLoss(partitions: readonly TopicPartition[]): void {
    for (const { partition } of partitions) {
      const host = this.#hosts.get(partition);
      if (host === undefined) continue;
      this.#hosts.delete(partition);
      this.#lostPartitions++;
      this.#restarts.forget(partition);
      this.#context.instrumentation.emit('partition.lost', { stage: this.stage.name, partition, generation: host.generation });
      this.#logger.warn({ partition, generation: host.generation, state: host.lifecycle.state }, `lost ${this.stage.name}[${partition}]: abandoned without a final snapshot`);
      host.abandon();
    }
  }

  async #handleBatch(batch: ConsumedBatch): Promise<void> {
    this.#hosts.get(batch.partition)?.deliver(batch);
  }

  #poisonOf(partition: number): PoisonRecords {
    let poison = this.#poison.get(partition);
    if (poison === undefined) this.#poison.set(partition, (poison = new PoisonRecords()));
    return poison;
  }

  /**
   * A failed host is replaced by a fresh one that restores again, unless it
   * was fenced (the partition has a new owner). A failure records blame is
   * learnt from first (poison-records.ts); the wait before the restore grows
   * with failures no record explains (restart-backoff.ts).
   */
  #handleFailure(host: PartitionHost, error: unknown): void {
    if (this.#hosts.get(host.partition) !== host) return;
    this.#hosts.delete(host.partition);
    void host.revoke();
    const consumer = this.#consumer;
    if (consumer === null) return;
    const stillOwned = consumer.assignment().some((tp) => tp.topic === this.stage.input.topic && tp.partition === host.partition);
    if (!stillOwned) return;
    const explained = isRecordsFailed(error) && this.#poisonOf(host.partition).failed(error);
    const delayMs = this.#restarts.failed(host.partition, error, host.stats().transactions > 0, this.#context.clock.now(), explained);
    const failures = this.failing().find((failing) => failing.partition === host.partition)?.failures ?? 1;
    const blame = !isRecordsFailed(error) ? ''
      : !explained ? `; ${MAX_POISON_IN_A_ROW} records in a row failed alone: the partition's state or code is at fault, not its records, so none is dead-lettered`
      : error.first === error.last ? `; offset ${error.first} is poison: it will be dead-lettered`
      : `; offsets ${error.first}..${error.last} will be handled one by one to find the record at fault`;
    this.#logger.warn({ partition: host.partition, failures, delayMs }, `restarting ${this.stage.name}[${host.partition}] from its last snapshot in ${delayMs / 1000} s (failure ${failures} in a row${blame})`);
    void this.#context.clock.sleep(delayMs).then(() => {
      if (this.#hosts.has(host.partition)) return;
      if (!consumer.assignment().some((tp) => tp.topic === this.stage.input.topic && tp.partition === host.partition)) return;
      this.#handleAssignment(consumer, [{ topic: this.stage.input.topic, partition: host.partition }], host.generation);
    });
  }
}

/** The release a new host of `partition` waits for, when the assignment moved it from a live member. */
function handOverFrom(handOvers: readonly HandOverFrom[], partition: number, generation: number): { handOverFrom?: { node: string; generation: number } } {
  const from = handOvers.find((h) => h.partition === partition);
  return from === undefined ? {} : { handOverFrom: { node: from.node, generation } };
}
