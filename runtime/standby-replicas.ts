/**
 * The standby replicas one stage keeps on a node (`--standbys N`): the
 * partitions its group told this member to follow
 * (./group/standby-assignment.ts), each a StandbyReplica that reads its
 * snapshots partition on, one after the other, every `followEveryMs`. A
 * partition that comes to this node takes its replica (its warm log) with it.
 *
 * Following waits on the broker, not on event time: it runs on wall time,
 * as the release wait does.
 */
import type { StandbyProgress, TopicPartition } from '../protocols/transport.ts';
import type { Clock } from '../protocols/clock.ts';
import type { PartitionReader } from '../protocols/transport.ts';
import type { StageDefinition } from './stage.ts';
import type { Logger } from './logger.ts';
import type { WarmLog } from './snapshot-restorer.ts';
import { StandbyReplica, type StandbyStats } from './partition/standby-replica.ts';

export type { StandbyStats } from './partition/standby-replica.ts';

/** @default 1000 */
export const DEFAULT_FOLLOW_EVERY_MS = 1000;

export interface StandbyReplicasOptions {
  readonly stage: StageDefinition<unknown>;
  /** Standbys of each partition the group should keep (this node's `--standbys`). */
  readonly replicas: number;
  readonly reader: Pick<PartitionReader, 'startOffsets' | 'endOffsets' | 'read'>;
  readonly logger: Logger;
  /** Wall time. */
  readonly clock: Pick<Clock, 'every'>;
  readonly followEveryMs?: number;
}

export class StandbyReplicas {
  readonly replicas: number;
  readonly #options: StandbyReplicasOptions;
  readonly #replicas = new Map<number, StandbyReplica>();
  #cancel: (() => void) | null = null;
  #following: Promise<void> | null = null;
  #failing = false;

  constructor(options: StandbyReplicasOptions) {
    this.#options = options;
    this.replicas = options.stage.snapshots === undefined ? 0 : options.replicas;
  }

  /** What this member follows, for its next join. */
  progress(): StandbyProgress[] {
    return [...this.#replicas.values()].map((replica) => replica.progress());
  }

  stats(): StandbyStats[] {
    return [...this.#replicas.values()].map((replica) => replica.stats()).sort((a, b) => a.partition - b.partition);
  }

  /** The partitions to follow from now on, as the group assigned them; the rest are dropped. */
  assign(partitions: readonly TopicPartition[], owned: (partition: number) => boolean): void {
    const snapshots = this.#options.stage.snapshots;
    if (snapshots === undefined || this.replicas === 0) return;
    const inputTopic = this.#options.stage.input.topic;
    const wanted = new Set(partitions.filter((tp) => tp.topic === inputTopic && !owned(tp.partition)).map((tp) => tp.partition));
    const dropped = [...this.#replicas.keys()].filter((partition) => !wanted.has(partition));
    for (const partition of dropped) this.#replicas.delete(partition);
    const added = [...wanted].filter((partition) => !this.#replicas.has(partition));
    for (const partition of added) {
      this.#replicas.set(partition, new StandbyReplica(this.#options.reader, { stage: this.#options.stage.name, inputTopic, snapshotsTopic: snapshots.topic, partition }));
    }
    if (added.length + dropped.length > 0) {
      this.#options.logger.info({ added, dropped, following: [...this.#replicas.keys()].sort((a, b) => a - b) }, `standby replicas of ${this.#options.stage.name}: ${this.#replicas.size}`);
    }
    this.#cancel ??= this.#options.clock.every(this.#options.followEveryMs ?? DEFAULT_FOLLOW_EVERY_MS, () => void this.follow());
    void this.follow();
  }

  /** The warm log of a partition that came to this node; its replica is done. */
  take(partition: number): WarmLog | null {
    const replica = this.#replicas.get(partition);
    this.#replicas.delete(partition);
    return replica?.take() ?? null;
  }

  /** Reads every replica on to its partition's end, one after the other; a round already running is awaited. */
  follow(): Promise<void> {
    this.#following ??= this.#followOnce().finally(() => (this.#following = null));
    return this.#following;
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#replicas.clear();
  }

  async #followOnce(): Promise<void> {
    for (const replica of [...this.#replicas.values()]) {
      try {
        await replica.catchUp();
        if (this.#failing) this.#options.logger.info({ partition: replica.target.partition }, `standby replicas of ${this.#options.stage.name} follow again`);
        this.#failing = false;
      } catch (error) {
        // Said once per streak: the next round tries again, and a restore without the warm log reads cold.
        if (!this.#failing) this.#options.logger.warn({ partition: replica.target.partition, err: String(error) }, `following a standby replica of ${this.#options.stage.name} failed; retrying`);
        this.#failing = true;
      }
    }
  }
}
