import { IllegalTransitionError, NotAssignedError } from '../../protocols/errors.ts';
import type {
  GroupConsumer,
  GroupConsumerHandlers,
  GroupConsumerOptions,
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

/**
 * A member of a consumer group on the memory log.
 *
 * Lifecycle: created → running (`run`) → leaving (`disconnect`) → stopped;
 * a crash goes straight to stopped without any revocation callback.
 *
 * - `run` resolves once the member joined and the rebalance it caused is
 *   done (its `onPartitionsAssigned` returned).
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
  readonly #options: Required<Omit<GroupConsumerOptions, 'metadata'>> & { metadata: Readonly<Record<string, string>> };
  readonly #fetchers = new Map<string, { tp: TopicPartition; fetcher: PartitionFetcher }>();
  readonly #memberId: string;
  readonly #untrack: () => void;
  #state: ConsumerState = 'created';
  #group: ConsumerGroup | null = null;
  #leaving: Promise<void> = Promise.resolve();
  #handlers: GroupConsumerHandlers | null = null;
  #died!: () => void;
  readonly #diedPromise = new Promise<void>((resolve) => (this.#died = resolve));

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
    this.#memberId = `${node.clientId}-${log.nextClientNumber()}`;
    this.#untrack = node.track({ close: () => this.disconnect(), crash: () => this.#crash() });
  }

  async connect(): Promise<void> {
    this.#node.assertAlive();
  }

  async run(topics: readonly string[], handlers: GroupConsumerHandlers): Promise<void> {
    this.#node.assertAlive();
    if (this.#state !== 'created') throw new IllegalTransitionError(`consumer ${this.#memberId} is ${this.#state}; run it once`);
    this.#state = 'running';
    this.#handlers = handlers;
    this.#group = this.#log.group(this.#options.groupId);
    await this.#group.join(this.#handle(new Set(topics)));
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

  #crash(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    for (const { fetcher } of this.#fetchers.values()) void fetcher.stop();
    this.#fetchers.clear();
    this.#died();
    this.#group?.crash(this.#memberId);
  }

  #handle(topics: ReadonlySet<string>): GroupMemberHandle {
    return {
      memberId: this.#memberId,
      metadata: this.#options.metadata,
      topics,
      died: this.#diedPromise,
      revoke: (partitions) => this.#handleRevocation(partitions),
      assign: (partitions, generation) => this.#handleAssignment(partitions, generation),
    };
  }

  async #handleRevocation(partitions: readonly TopicPartition[]): Promise<void> {
    const revoked = partitions.flatMap((tp) => {
      const owned = this.#fetchers.get(topicPartitionKey(tp));
      return owned === undefined ? [] : [owned];
    });
    await Promise.all(revoked.map(({ fetcher }) => fetcher.stop()));
    await this.#callHandler('onPartitionsRevoked', () => this.#handlers!.onPartitionsRevoked(partitions));
    for (const tp of partitions) this.#fetchers.delete(topicPartitionKey(tp));
  }

  async #handleAssignment(partitions: readonly TopicPartition[], generation: number): Promise<void> {
    if (this.#state === 'stopped') return;
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
    await this.#callHandler('onPartitionsAssigned', () => this.#handlers!.onPartitionsAssigned(partitions, generation));
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

  async #callHandler(source: 'onPartitionsAssigned' | 'onPartitionsRevoked', call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#node.reportError(error, { source, groupId: this.#options.groupId });
    }
  }
}
