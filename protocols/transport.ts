/**
 * The transport contract: everything eventide needs from a Kafka-like log.
 *
 * Two implementations exist: `runtime/memory/` (an in-process log with
 * Kafka's semantics, the embedded default) and `runtime/kafka/` (kafkajs
 * against a real cluster). Nothing outside those folders talks to a log
 * except through these interfaces, and one contract test suite
 * (`test/helpers/transport-contract.ts`) runs against both.
 *
 * The shape follows kafkajs and Kafka's own semantics so the kafka
 * implementation is a thin adapter:
 * - offsets are numbers (safe below 2^53) and always mean "the next record to
 *   read" when committed or returned as an end offset;
 * - a group consumer is told which partitions it gained, which were revoked
 *   (a planned hand-over: a final write is still safe) and which were lost
 *   (the member crashed or was expelled: another member may own them
 *   already), and the runtime decides what to do; kafkajs has no revocation
 *   callback, so the kafka transport derives these lists itself (successive
 *   assignments, member ids, crashes);
 * - a transactional producer is identified by its transactional id: connecting
 *   a second producer with the same id fences the first, aborting its open
 *   transaction and failing its later calls with `ProducerFencedError`.
 */

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A partition and an offset: the next record to read there. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
  /** Committed with the offset, read back by `fetchOffsetCommits` (Kafka's offset metadata: eventide marks a released partition with it). */
  readonly metadata?: string;
}

/** A group's committed offset of one partition, with the metadata committed with it. */
export interface OffsetCommit {
  readonly offset: number;
  readonly metadata: string | null;
}

/** A partition assigned to this member that another member owned in the last generation and was asked to release. */
export interface HandOverFrom extends TopicPartition {
  /** The releasing member's node id (its `metadata.nodeId`; its member id when it published none). */
  readonly node: string;
}

/** A partition a member follows as a standby replica, and how far behind it is. */
export interface StandbyProgress extends TopicPartition {
  /** Records of the partition's snapshots log the standby has not read yet. */
  readonly lag: number;
}

/** Standby replicas a member hosts: warm copies of partitions it does not own (runtime/group/standby-assignment.ts). */
export interface StandbyHosting {
  /** Standbys of each partition the group should keep; this member hosts standbys only when it is above 0. */
  readonly replicas: number;
  /** What it follows now, read at every join: the assignor keeps standbys where they are warm and prefers them for orphans. */
  readonly following: () => readonly StandbyProgress[];
}

/** String headers, as eventide uses them (kafkajs headers are bytes on the wire). */
export type RecordHeaders = Readonly<Record<string, string>>;

/** A record to write. The partition is always explicit: eventide never lets the client pick. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key?: string | null;
  readonly value: Buffer | null;
  readonly headers?: RecordHeaders;
  /** Milliseconds since the epoch; the transport's clock when absent. */
  readonly timestamp?: number;
}

/** A record read from a partition. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
  readonly timestamp: number;
}

/** Records of one partition in offset order, as one fetch delivered them. */
export interface ConsumedBatch extends TopicPartition {
  readonly records: readonly ConsumedRecord[];
  /** The partition's high-water mark (or last stable offset under read_committed) when fetched. */
  readonly highWatermark: number;
}

/** Whether readers see records of open and aborted transactions. */
export type Isolation = 'read_committed' | 'read_uncommitted';

/** A topic to create. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Kafka topic configs, e.g. `cleanup.policy`, `retention.ms`, `segment.ms`. */
  readonly configs?: Readonly<Record<string, string>>;
  /** Copies of each partition on distinct brokers; the memory transport ignores it. @default the broker's default.replication.factor */
  readonly replicationFactor?: number;
}

/** A topic as it exists. */
export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** A member of a consumer group as the group coordinator reports it. */
export interface GroupMember {
  readonly memberId: string;
  /** What the member published about itself when it joined (eventide: node id, inspector address). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly assignment: readonly TopicPartition[];
  /** The partitions it keeps standby replicas of (none when it hosts none). */
  readonly standbys: readonly TopicPartition[];
}

/** A consumer group's current generation and members. */
export interface GroupDescription {
  readonly groupId: string;
  readonly generation: number;
  /** Whether a rebalance is under way (members rejoining or syncing), the group is stable, or it has no member. */
  readonly state: 'stable' | 'rebalancing' | 'empty';
  readonly members: readonly GroupMember[];
}

/** Topic administration. */
export interface TransportAdmin {
  /** Creates the topics that do not exist; returns the names it created. */
  createTopics(topics: readonly TopicSpec[]): Promise<string[]>;
  /** Describes the named topics; a missing topic is absent from the answer. */
  describeTopics(names: readonly string[]): Promise<TopicDescription[]>;
  /** The names of every topic. */
  listTopics(): Promise<string[]>;
  /** Committed offsets of a group on a topic, by partition; partitions never committed are absent. */
  fetchCommittedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /** The same, with the metadata committed with each offset. */
  fetchOffsetCommits(groupId: string, topic: string): Promise<Map<number, OffsetCommit>>;
  /** The group's generation and its members with their metadata and assignments. */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** Deletes topics (tests and `topics delete`). */
  deleteTopics(names: readonly string[]): Promise<void>;
}

/** A non-transactional producer: records are visible once `send` resolves. */
export interface Producer {
  /** Connects to the log; call once before `send`. */
  connect(): Promise<void>;
  /** Writes the records; resolves once they are durable and visible. */
  send(records: readonly ProducedRecord[]): Promise<void>;
  /** Closes the producer. */
  disconnect(): Promise<void>;
}

/** A transactional producer for one transactional id. */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /**
   * Registers the transactional id, fencing every earlier producer that used
   * it: their open transaction is aborted and their later calls fail with
   * `ProducerFencedError`.
   */
  connect(): Promise<void>;
  /** Begins a transaction; one may be open at a time. */
  transaction(): Promise<Transaction>;
  /** Closes the producer; an open transaction is aborted by the log. */
  disconnect(): Promise<void>;
}

/** An open transaction: its records become visible to read_committed readers on commit, never on abort. */
export interface Transaction {
  /** Adds records to the transaction. */
  send(records: readonly ProducedRecord[]): Promise<void>;
  /** Commits the group's offsets atomically with the transaction's records. */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Makes the transaction's records and offsets visible, atomically. */
  commit(): Promise<void>;
  /** Drops the transaction's records and offsets. */
  abort(): Promise<void>;
}

/** What a group consumer tells its owner. */
export interface GroupConsumerHandlers {
  /**
   * Partitions this member gained in a new generation. The memory transport
   * awaits it before delivering their records; offsets start at the group's
   * committed offset (or the `fromBeginning` policy) unless `seek` moves them.
   */
  onPartitionsAssigned(partitions: readonly TopicPartition[], generation: number, handOvers: readonly HandOverFrom[]): Promise<void>;
  /**
   * Partitions taken from this member in a planned rebalance (another member
   * joined or left, this one left with `disconnect`, a topic changed) while
   * this member stayed in the group: a final write (snapshot, offsets) is
   * still worth attempting. Whether another member may already process them
   * depends on the transport: the memory transport awaits this callback before
   * another member is given them (unless its hand-over mode is `eager`);
   * kafkajs cannot: the new owner is told of the hand-over (`handOvers` of
   * `onPartitionsAssigned`) and waits for the release this member commits
   * (see runtime/partition/release.ts) before it fences. A member that
   * leaves with `disconnect` is awaited on both transports. `generation` is
   * the one that took the partitions away. `nextOwnerWaits` is false only
   * when a next owner may process them already, waiting for nothing (the
   * memory transport's `eager` mode, which is kafkajs without eventide's
   * assignor): a member that had not begun writing them must then not begin.
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[], generation: number, nextOwnerWaits: boolean): Promise<void>;
  /**
   * The partitions this member keeps standby replicas of from this
   * generation on (all of them, not a change), told after every assignment
   * when the member hosts standbys (`GroupConsumerOptions.standbys`).
   */
  onStandbysAssigned?(partitions: readonly TopicPartition[], generation: number): Promise<void>;
  /**
   * Partitions this member lost without a hand-over: it crashed, its session
   * expired, or the group expelled it, so another member may own them already
   * and has fenced, or will fence, this one. Attempt no final write: abandon
   * them at once. Never preceded by `onPartitionsRevoked` for the same
   * partitions; a member that rejoins afterwards is told of its new
   * partitions with `onPartitionsAssigned` as a fresh member (a lost partition
   * may come back). Transports do not await it before handing the partitions
   * on.
   */
  onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * Records of one partition. The next batch of that partition is not
   * delivered until the promise settles; keep it short (enqueue, then return)
   * and use `pause` for back-pressure so heartbeats are never starved.
   */
  onBatch(batch: ConsumedBatch): Promise<void>;
}

/** How a group consumer joins its group and reads. */
export interface GroupConsumerOptions {
  readonly groupId: string;
  /** Published to the other members through the group (node id, inspector address). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** @default 'read_committed' */
  readonly isolation?: Isolation;
  /** Where a partition without a committed offset starts. @default true (earliest) */
  readonly fromBeginning?: boolean;
  /** Upper bound of records in one delivered batch. @default 1000 */
  readonly maxBatchRecords?: number;
  /** Standby replicas this member hosts. @default none */
  readonly standbys?: StandbyHosting;
}

/** A member of a consumer group. */
export interface GroupConsumer {
  /** Connects to the log; call once before `run`. */
  connect(): Promise<void>;
  /** Joins the group for these topics and starts delivering; call once. */
  run(topics: readonly string[], handlers: GroupConsumerHandlers): Promise<void>;
  /** Stops fetching these partitions until `resume`. */
  pause(partitions: readonly TopicPartition[]): void;
  /** Fetches these paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void;
  /** The next delivered record of the partition is at this offset. */
  seek(position: TopicPartitionOffset): void;
  /** Commits offsets outside a transaction. */
  commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The partitions this member owns now. */
  assignment(): TopicPartition[];
  /** Leaves the group (revoking everything first, awaited) and stops. */
  disconnect(): Promise<void>;
}

/** Follows every partition of a topic without a group, from the earliest offset, live. */
export interface TopicFollower {
  /** Resolves once every partition was read up to the end offsets taken when following began. */
  readonly caughtUp: Promise<void>;
  /** Stops following and closes its client. */
  stop(): Promise<void>;
}

/** How a follower delivers the records of the topic it follows. */
export interface FollowOptions {
  /** Called in offset order per partition; the next call waits for this one. */
  onRecords(records: readonly ConsumedRecord[]): void | Promise<void>;
  /** Called while catching up, with how far the follower has read. */
  onProgress?(read: number, total: number): void;
  /** @default 'read_committed' */
  readonly isolation?: Isolation;
}

/** Static reads outside any group: restore, changelog tables, inspection. */
export interface PartitionReader {
  /** End offsets by partition: the high-water mark, or the last stable offset under read_committed. */
  endOffsets(topic: string, isolation?: Isolation): Promise<Map<number, number>>;
  /** The earliest offset still in each partition (after retention). */
  startOffsets(topic: string): Promise<Map<number, number>>;
  /**
   * Reads one partition from `fromOffset` up to (not including) `untilOffset`,
   * in chunks, in offset order. Under read_committed, aborted records are skipped.
   */
  read(
    position: TopicPartitionOffset,
    untilOffset: number,
    options?: { isolation?: Isolation },
  ): AsyncIterable<readonly ConsumedRecord[]>;
  /** Follows all partitions of a topic from the earliest offset, then live. */
  follow(topic: string, options: FollowOptions): Promise<TopicFollower>;
}

/** A connection to a log: the factory of everything above. */
export interface Transport {
  /** `memory` or `kafka`, shown in logs and the inspector. */
  readonly kind: string;
  /** Topic administration. */
  admin(): TransportAdmin;
  /** A non-transactional producer. */
  producer(): Producer;
  /** A transactional producer for this id; connecting it fences every earlier producer of the id. */
  transactionalProducer(transactionalId: string): TransactionalProducer;
  /** A member of a consumer group. */
  consumer(options: GroupConsumerOptions): GroupConsumer;
  /** A long-lived reader; one per node is enough. */
  reader(): PartitionReader;
  /** Closes every client the transport created. */
  close(): Promise<void>;
}
