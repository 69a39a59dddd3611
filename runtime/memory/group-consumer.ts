import { IllegalTransitionError, NotAssignedError } from '../../protocols/errors.ts';
import type {
  GroupConsumer,
  GroupConsumerHandlers,
  GroupConsumerOptions,
  StandbyHosting,
  TopicPartition,
  TopicPartitionOffset,
} from '../../protocols/transport.ts';
import type { ConsumerGroup, GroupMemberHandle } from './consumer-group.ts';
import type { MemoryLog } from './memory-log.ts';
import type { MemoryNode } from './node.ts';
import { PartitionFetcher } from './partition-fetcher.ts';
import type { PartitionLog } from './partition-log.ts';
import { topicPartitionKey } from '../../protocols/topic-partition.ts';

type ConsumerState = 'created' | 'running' | 'leaving' | 'stopped';

/** One stay of this consumer in its group, under one member id; a crash or an expulsion ends it. */
interface Membership {
  readonly memberId: string;
  readonly ended: Promise<void>;
  readonly end: () => void;
  isOver: boolean;
}

/**
 * A member of a consumer group on the memory log.
 *
 * Lifecycle: created → running (`run`) → leaving (`disconnect`) → stopped;
 * a crash goes straight to stopped: its partitions are reported lost
 * (`onPartitionsLost`), never revoked.
 *
 * - `run` resolves once the member joined and the rebalance it caused is
 *   done (its `onPartitionsAssigned` returned).
 * - A member the group expels (`ConsumerGroup.expel`, as a session timeout
 *   would) is told its partitions are lost and rejoins under a new member id,
 *   as kafkajs does after UNKNOWN_MEMBER_ID.
 * - `seek` on a partition this member does not own throws `NotAssignedError`;
 *   `pause` and `resume` ignore such partitions. Pauses end with the assignment.
 * - `commitOffsets` for a partition this member does not own throws
 *   `NotAssignedError` (Kafka would reject the stale generation).
 * - A handler that rejects is reported to the transport's `onError`; the
 *   member stays in the group and the batch is not delivered again.
 */
export class MemoryGroupConsumer implements GroupConsumer {
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;
  readonly #options: Required<Omit<GroupConsumerOptions, 'metadata' | 'standbys'>> & { metadata: Readonly<Record<string, string>> };
  readonly #standbys: StandbyHosting | undefined;
  readonly #fetchers = new Map<string, { tp: TopicPartition; fetcher: PartitionFetcher }>();
  readonly #untrack: () => void;
  #membership: Membership;
  #state: ConsumerState = 'created';
  #topics: ReadonlySet<string> = new Set();
  #group: ConsumerGroup | null = null;
  #leaving: Promise<void> = Promise.resolve();
  /** The generation of the last assignment (revocations are told it). */
  #generation = 0;
  #handlers: GroupConsumerHandlers | null = null;

  constructor(log: MemoryLog, node: MemoryNode, options: GroupConsumerOptions) {
    this.#log = log;
    this.#node = node;
    this.#options = {
      groupId: options.groupId,
      metadata: { ...options.metadata },
      isolation: options.isolation ?? 'read_committed',
      fromBeginning: options.fromBeginning ?? true,
      maxBatchRecords: options.maxBatchRecords ?? 1000,
    };
    this.#standbys = options.standbys;
    this.#membership = this.#newMembership();
    this.#untrack = node.track({ close: () => this.disconnect(), crash: () => this.#crash() });
  }

  /** The member id the group knows this consumer by now (a new one after an expulsion). */
  get #memberId(): string {
    return this.#membership.memberId;
  }

  async connect(): Promise<void> {
    this.#node.assertAlive();
  }

  async run(topics: readonly string[], handlers: GroupConsumerHandlers): Promise<void> {
    this.#node.assertAlive();
    if (this.#state !== 'created') throw new IllegalTransitionError(`consumer ${this.#memberId} is ${this.#state}; run it once`);
    this.#state = 'running';
    this.#handlers = handlers;
    this.#topics = new Set(topics);
    this.#group = this.#log.group(this.#options.groupId);
    await this.#group.join(this.#handle(this.#membership));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#fetchers.get(topicPartitionKey(tp))?.fetcher.pause();
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#fetchers.get(topicPartitionKey(tp))?.fetcher.resume();
  }

  seek(position: TopicPartitionOffset): void {
    this.#node.assertAlive();
    const owned = this.#fetchers.get(topicPartitionKey(position));
    if (owned === undefined) {
      throw new NotAssignedError(`${this.#memberId} cannot seek ${topicPartitionKey(position)}: not assigned to it`);
    }
    owned.fetcher.seek(position.offset);
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#node.fault({ kind: 'commitOffsets', groupId: this.#options.groupId, offsets });
    const group = this.#group;
    for (const tp of offsets) {
      if (group === null || !group.owns(this.#memberId, tp)) {
        throw new NotAssignedError(`${this.#memberId} cannot commit ${topicPartitionKey(tp)}: not assigned to it`);
      }
    }
    group!.commit(offsets);
  }

  assignment(): TopicPartition[] {
    return [...this.#fetchers.values()].map(({ tp }) => ({ topic: tp.topic, partition: tp.partition }));
  }

  async disconnect(): Promise<void> {
    this.#untrack();
    if (this.#state === 'created') this.#state = 'stopped';
    if (this.#state === 'running') {
      this.#state = 'leaving';
      this.#leaving = this.#group!.leave(this.#memberId).then(() => {
        this.#state = 'stopped';
      });
    }
    await this.#leaving;
  }

  #newMembership(): Membership {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const membership: Membership = {
      memberId: `${this.#node.clientId}-${this.#log.nextClientNumber()}`,
      ended,
      end: () => {
        membership.isOver = true;
        end();
      },
      isOver: false,
    };
    return membership;
  }

  #crash(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    const membership = this.#membership;
    membership.end();
    void this.#reportLost();
    this.#group?.crash(membership.memberId);
  }

  /** The group removed this member while it lived: its partitions are lost; it rejoins as a new member. */
  async #handleExpulsion(membership: Membership): Promise<void> {
    if (membership !== this.#membership || membership.isOver) return;
    membership.end();
    await this.#reportLost();
    if (this.#state !== 'running' || this.#node.crashed) return;
    this.#membership = this.#newMembership();
    await this.#group!.join(this.#handle(this.#membership));
  }

  /** Stops every fetcher and tells the owner that what it held is lost (no revocation). */
  async #reportLost(): Promise<void> {
    const lost = [...this.#fetchers.values()];
    this.#fetchers.clear();
    if (lost.length === 0) return;
    await Promise.all(lost.map(({ fetcher }) => fetcher.stop()));
    const partitions = lost.map(({ tp }) => tp);
    await this.#callHandler('onPartitionsLost', () => this.#handlers!.onPartitionsLost(partitions));
  }

  #handle(membership: Membership): GroupMemberHandle {
    const current = (): boolean => !membership.isOver && membership === this.#membership;
    return {
      memberId: membership.memberId,
      metadata: this.#options.metadata,
      topics: this.#topics,
      died: membership.ended,
      revoke: async (partitions, nextOwnerWaits) => {
        if (current()) await this.#handleRevocation(partitions, nextOwnerWaits);
      },
      assign: async (partitions, generation) => {
        if (current()) await this.#handleAssignment(partitions, generation);
      },
      ...(this.#standbys === undefined ? {} : { standbys: this.#standbys }),
      standby: async (partitions, generation) => {
        if (!current() || this.#state === 'stopped' || this.#handlers?.onStandbysAssigned === undefined) return;
        await this.#callHandler('onStandbysAssigned', () => this.#handlers!.onStandbysAssigned!(partitions, generation));
      },
      expelled: () => void this.#handleExpulsion(membership),
    };
  }

  async #handleRevocation(partitions: readonly TopicPartition[], nextOwnerWaits: boolean): Promise<void> {
    const revoked = partitions.flatMap((tp) => {
      const owned = this.#fetchers.get(topicPartitionKey(tp));
      if (owned === undefined) return [];
      // Forgotten at once: a crash during the callback must not report these lost as well.
      this.#fetchers.delete(topicPartitionKey(tp));
      return [owned];
    });
    await Promise.all(revoked.map(({ fetcher }) => fetcher.stop()));
    await this.#callHandler('onPartitionsRevoked', () => this.#handlers!.onPartitionsRevoked(partitions, this.#generation, nextOwnerWaits));
  }

  async #handleAssignment(partitions: readonly TopicPartition[], generation: number): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#generation = generation;
    const { groupId, fromBeginning, isolation, maxBatchRecords } = this.#options;
    const added: PartitionFetcher[] = [];
    for (const tp of partitions) {
      const log = this.#findPartition(tp);
      if (log === null) continue; // deleted during the rebalance; the next one takes it away
      const committed = this.#log.group(groupId).committed(tp.topic).get(tp.partition);
      const start = committed ?? (fromBeginning ? log.startOffset : log.endOffset(isolation));
      const fetcher = new PartitionFetcher(log, start, {
        isolation,
        maxBatchRecords,
        deliver: (batch) => this.#handlers!.onBatch(batch),
        reportError: (error) =>
          this.#node.reportError(error, { source: 'onBatch', groupId, topic: tp.topic, partition: tp.partition }),
      });
      this.#fetchers.set(topicPartitionKey(tp), { tp: { topic: tp.topic, partition: tp.partition }, fetcher });
      added.push(fetcher);
    }
    // Revoke-first hand-overs are awaited by the group itself (and eager ones fence, on purpose): no release to wait for.
    await this.#callHandler('onPartitionsAssigned', () => this.#handlers!.onPartitionsAssigned(partitions, generation, []));
    if (this.#node.crashed) return;
    for (const fetcher of added) fetcher.start();
  }

  #findPartition(tp: TopicPartition): PartitionLog | null {
    try {
      return this.#log.partition(tp.topic, tp.partition);
    } catch {
      return null;
    }
  }

  async #callHandler(
    source: 'onPartitionsAssigned' | 'onPartitionsRevoked' | 'onPartitionsLost' | 'onStandbysAssigned',
    call: () => Promise<void>,
  ): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#node.reportError(error, { source, groupId: this.#options.groupId });
    }
  }
}
