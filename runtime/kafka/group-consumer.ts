import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { IllegalTransitionError, NotAssignedError } from '../../protocols/errors.ts';
import type {
  GroupConsumer,
  GroupConsumerHandlers,
  GroupConsumerOptions,
  TopicPartition,
  TopicPartitionOffset,
  HandOverFrom,
  StandbyHosting,
} from '../../protocols/transport.ts';
import { diffAssignments, fromTopicMap } from './assignment-diff.ts';
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import { DEFAULT_MAX_WAIT_TIME_MS, type KafkaGroupTimings } from './kafka-config.ts';
import { isMembershipLost, translated } from './kafka-errors.ts';
import { PartitionDelivery } from './partition-delivery.ts';
import { stickyAssigner } from './sticky-assigner.ts';
import { handOversIn, homesIn, standbysIn } from './group-protocol.ts';
import type { PartitionHome } from '../group/partition-homes.ts';

/** How the member reports handler failures; the member goes on. */
export type HandlerErrorSink = (error: unknown, context: { groupId: string; handler: string }) => void;

/**
 * A member of a consumer group on kafkajs.
 *
 * Lifecycle: created → connected → running → stopped; `run` once.
 *
 * kafkajs rebalances eagerly and awaits no callback, so at every `GROUP_JOIN`
 * (synchronously, before kafkajs fetches again) this member:
 * - compares the new assignment with the previous one: only the difference
 *   is reported, revocations first, through one queue so callbacks never
 *   overlap;
 * - pauses newly assigned partitions until `onPartitionsAssigned` settled, so
 *   a restore can seek before any record is delivered;
 * - seeks retained partitions back to the next undelivered offset, because
 *   kafkajs restarts them from the committed offset after every rejoin;
 * - tells deliveries of fetches kafkajs filtered away entirely (a commit
 *   marker at a seek target), which never reach `eachBatch`.
 *
 * Lost is not revoked. kafkajs reports neither, so the member tells them
 * apart by how the group forgot it:
 * - a `GROUP_JOIN` under a member id other than the one it had: the
 *   coordinator no longer knew the old one (its session expired while it
 *   stalled, it was removed from the group, or it missed a rebalance), kafkajs
 *   got UNKNOWN_MEMBER_ID from a heartbeat, fetch or commit and rejoined as a
 *   new member. Everything it owned is lost; the new assignment is reported
 *   as assigned, from nothing.
 * - a heartbeat (sent while a slow `onBatch` runs) or `commitOffsets` that
 *   fails with UNKNOWN_MEMBER_ID: the same, told at once rather than at the
 *   rejoin.
 * - a kafkajs `CRASH` (restarting or not): kafkajs leaves or drops the group
 *   and a restart joins as a new member, so everything it owned is lost.
 * A rejoin under the same member id (REBALANCE_IN_PROGRESS or
 * ILLEGAL_GENERATION answered to a live member: another member joined or
 * left) is a planned rebalance: only the difference is reported, as
 * revocations. A session that expired always ends in UNKNOWN_MEMBER_ID, since
 * the coordinator removes the member before anything else it answers it.
 *
 * Deliveries go through {@link PartitionDelivery} (one per owned partition):
 * batches are split to `maxBatchRecords`, stale batches (fetched before a
 * seek, or while paused) are dropped and refetched, and the member
 * heartbeats while a slow `onBatch` runs.
 */
export class KafkaGroupConsumer implements GroupConsumer {
  readonly #options: Required<Omit<GroupConsumerOptions, 'metadata' | 'standbys'>> & { metadata: Readonly<Record<string, string>> };
  readonly #standbys: StandbyHosting | undefined;
  readonly #consumer: Consumer;
  readonly #heartbeatIntervalMs: number;
  readonly #onError: HandlerErrorSink;
  #state: 'created' | 'connected' | 'running' | 'stopping' | 'stopped' = 'created';
  #handlers: GroupConsumerHandlers | undefined;
  #joined = false;
  /** The member id of the last join: a join under another one means the group forgot this member. */
  #memberId: string | undefined;
  #generation = 0;
  #pendingGeneration = 0;
  /** What the last SyncGroup said this member takes over from others. */
  #pendingHandOvers: HandOverFrom[] = [];
  /** Where the group's partitions belong, as the last SyncGroup said (reported at the next join). */
  #homes: PartitionHome[] = [];
  /** The standbys the last SyncGroup gave this member. */
  #pendingStandbys: TopicPartition[] = [];
  readonly #owned = new Map<string, PartitionDelivery>();
  /** Pauses and seeks asked for before the first assignment. */
  readonly #earlyPauses = new Set<string>();
  readonly #earlySeeks = new Map<string, number>();
  #callbacks: Promise<void> = Promise.resolve();
  #firstJoin: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(kafka: Kafka, options: GroupConsumerOptions, timings: KafkaGroupTimings, onError: HandlerErrorSink) {
    this.#options = {
      groupId: options.groupId,
      metadata: options.metadata ?? {},
      isolation: options.isolation ?? 'read_committed',
      fromBeginning: options.fromBeginning ?? true,
      maxBatchRecords: options.maxBatchRecords ?? 1000,
    };
    this.#standbys = options.standbys;
    this.#heartbeatIntervalMs = timings.heartbeatIntervalMs ?? 3_000;
    this.#onError = onError;
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: this.#options.isolation === 'read_uncommitted',
      sessionTimeout: timings.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: timings.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: this.#heartbeatIntervalMs,
      maxWaitTimeInMs: timings.maxWaitTimeMs ?? DEFAULT_MAX_WAIT_TIME_MS,
      allowAutoTopicCreation: false,
      partitionAssigners: [
        stickyAssigner(() => ({
          metadata: this.#options.metadata, owned: this.assignment(), generation: this.#generation, homes: this.#homes,
          ...(options.standbys === undefined ? {} : { standbys: { replicas: options.standbys.replicas, following: options.standbys.following() } }),
        })),
      ],
    });
  }

  async connect(): Promise<void> {
    this.#transition('created', 'connected', 'connect');
    await translated(`consumer ${this.#options.groupId}: connect`, () => this.#consumer.connect());
  }

  async run(topics: readonly string[], handlers: GroupConsumerHandlers): Promise<void> {
    this.#transition('connected', 'running', 'run');
    this.#handlers = handlers;
    const { events } = this.#consumer;
    this.#consumer.on(events.RECEIVED_UNSUBSCRIBED_TOPICS, ({ payload }) => {
      this.#pendingGeneration = payload.generationId;
      this.#pendingHandOvers = handOversIn(payload.topicsNotSubscribed);
      this.#homes = homesIn(payload.topicsNotSubscribed);
      this.#pendingStandbys = standbysIn(payload.topicsNotSubscribed);
    });
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (this.#memberId !== undefined && payload.memberId !== this.#memberId) {
        this.#handleMembershipLost(); // the coordinator no longer knew the old member id
      }
      this.#memberId = payload.memberId;
      this.#handleGroupJoin(fromTopicMap(payload.memberAssignment));
    });
    // A fetch of only markers or aborted records never reaches eachBatch; kafkajs announces it here before it moves on.
    this.#consumer.on(events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return;
      const firstOffset = payload.firstOffset === null ? null : Number(payload.firstOffset);
      this.#owned.get(topicPartitionKey(payload))?.skipped(firstOffset, Number(payload.lastOffset));
    });
    // kafkajs's run() returns early when its first join fails and it restarts
    // (a coordinator still loading): the member has joined only at GROUP_JOIN.
    const joined = new Promise<void>((resolve, reject) => (this.#firstJoin = { resolve, reject }));
    joined.catch(() => undefined);
    this.#consumer.on(events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#firstJoin?.reject(payload.error);
      if (this.#state !== 'running') return;
      if (!payload.restart) this.#onError(payload.error, { groupId: this.#options.groupId, handler: 'kafkajs consumer (stopped)' });
      this.#handleMembershipLost();
    });
    await translated(`consumer ${this.#options.groupId}: run`, async () => {
      await this.#consumer.subscribe({ topics: [...topics], fromBeginning: this.#options.fromBeginning });
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: (payload) => this.#deliver(payload),
      });
      await joined;
    });
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const owned = this.#owned.get(topicPartitionKey(tp));
      if (owned !== undefined) owned.pauseByOwner();
      else if (!this.#joined) this.#earlyPauses.add(topicPartitionKey(tp));
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.#owned.get(topicPartitionKey(tp))?.resumeByOwner();
      this.#earlyPauses.delete(topicPartitionKey(tp));
    }
  }

  seek(position: TopicPartitionOffset): void {
    const owned = this.#owned.get(topicPartitionKey(position));
    if (owned !== undefined) return owned.seek(position.offset);
    if (this.#joined) throw new NotAssignedError(`consumer ${this.#options.groupId} cannot seek ${topicPartitionKey(position)}: not assigned to it`);
    this.#earlySeeks.set(topicPartitionKey(position), position.offset);
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    for (const tp of offsets) {
      if (!this.#owned.has(topicPartitionKey(tp))) {
        throw new NotAssignedError(`consumer ${this.#options.groupId} cannot commit ${topicPartitionKey(tp)}: not assigned to it`);
      }
    }
    try {
      await translated(`consumer ${this.#options.groupId}: commitOffsets`, () =>
        this.#consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }))),
      );
    } catch (error) {
      if (isMembershipLost(error)) this.#handleMembershipLost();
      throw error;
    }
  }

  assignment(): TopicPartition[] {
    return [...this.#owned.values()].map((delivery) => delivery.partition);
  }

  async disconnect(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    if (wasRunning) {
      for (const delivery of this.#owned.values()) delivery.hold();
      await this.#callbacks;
      const revoked = this.assignment();
      this.#owned.clear();
      if (revoked.length > 0) await this.#callHandler('onPartitionsRevoked', () => this.#handlers!.onPartitionsRevoked(revoked, this.#generation, true));
    }
    await this.#consumer.disconnect();
    this.#state = 'stopped';
  }

  #handleGroupJoin(partitions: TopicPartition[]): void {
    if (this.#state !== 'running') return;
    this.#joined = true;
    this.#firstJoin?.resolve();
    const generation = Math.max(this.#pendingGeneration, this.#generation + 1);
    this.#generation = generation;
    const change = diffAssignments(this.assignment(), partitions);
    const taking = new Set(change.assigned.map(topicPartitionKey));
    const handOvers = this.#pendingHandOvers.filter((h) => taking.has(topicPartitionKey(h)));
    this.#pendingHandOvers = [];
    const standbys = this.#pendingStandbys;
    for (const tp of change.revoked) {
      this.#owned.get(topicPartitionKey(tp))?.hold();
      this.#owned.delete(topicPartitionKey(tp));
    }
    for (const tp of change.retained) this.#owned.get(topicPartitionKey(tp))!.rejoined();
    for (const tp of change.assigned) {
      const key = topicPartitionKey(tp);
      const delivery = new PartitionDelivery(this.#consumer, tp, {
        paused: this.#earlyPauses.has(key),
        seekTo: this.#earlySeeks.get(key),
      });
      this.#owned.set(key, delivery);
    }
    this.#earlyPauses.clear();
    this.#earlySeeks.clear();
    const handlers = this.#handlers!;
    this.#callbacks = this.#callbacks.then(async () => {
      if (change.revoked.length > 0) await this.#callHandler('onPartitionsRevoked', () => handlers.onPartitionsRevoked(change.revoked, generation, true));
      if (change.assigned.length > 0) {
        await this.#callHandler('onPartitionsAssigned', () => handlers.onPartitionsAssigned(change.assigned, generation, handOvers));
      }
      for (const tp of change.assigned) this.#owned.get(topicPartitionKey(tp))?.open();
      if (this.#standbys !== undefined && handlers.onStandbysAssigned !== undefined) {
        await this.#callHandler('onStandbysAssigned', () => handlers.onStandbysAssigned!(standbys, generation));
      }
    });
  }

  /**
   * The group no longer counts this member: another member may own its
   * partitions already. Delivery stops at once and the owner is told they are
   * lost (after any callback under way, so it never hears of a loss before the
   * assignment); kafkajs rejoins on its own (and logs why), and what the next
   * join brings is reported as assigned.
   */
  #handleMembershipLost(): void {
    if (this.#state !== 'running') return;
    const lost = this.assignment();
    for (const delivery of this.#owned.values()) delivery.hold();
    this.#owned.clear();
    if (lost.length === 0) return;
    const handlers = this.#handlers!;
    this.#callbacks = this.#callbacks.then(() =>
      this.#callHandler('onPartitionsLost', () => handlers.onPartitionsLost(lost)),
    );
  }

  async #deliver(payload: EachBatchPayload): Promise<void> {
    const delivery = this.#owned.get(topicPartitionKey(payload.batch));
    if (delivery === undefined || this.#state !== 'running') return;
    await delivery.deliver(payload, {
      maxBatchRecords: this.#options.maxBatchRecords,
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      onBatch: (batch) => this.#callHandler('onBatch', () => this.#handlers!.onBatch(batch)),
      stillOwned: () => this.#owned.get(topicPartitionKey(payload.batch)) === delivery && this.#state === 'running',
      heartbeatFailed: (error) => {
        if (isMembershipLost(error)) this.#handleMembershipLost();
      },
    });
  }

  async #callHandler(handler: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#onError(error, { groupId: this.#options.groupId, handler });
    }
  }

  #transition(from: 'created' | 'connected', to: 'connected' | 'running', doing: string): void {
    if (this.#state !== from) throw new IllegalTransitionError(`consumer ${this.#options.groupId} is ${this.#state}; cannot ${doing}`);
    this.#state = to;
  }
}
