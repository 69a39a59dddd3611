import type { GroupDescription, OffsetCommit, StandbyHosting, TopicPartition, TopicPartitionOffset } from '../../protocols/transport.ts';
import { assignSticky } from '../group/sticky-assignment.ts';
import { homesByMember, nextHomes, type Homes } from '../group/partition-homes.ts';
import { assignStandbys, warmMembers, type StandbyCandidate } from '../group/standby-assignment.ts';
import { topicPartitionKey } from '../../protocols/topic-partition.ts';

/**
 * How a rebalance hands a moved partition from its old owner to its new one.
 *
 * - `'revoke-first'`: the old owner's `onPartitionsRevoked` is awaited before
 *   the new owner is given the partition, so no partition is ever processed
 *   by two live members and a final snapshot is never fenced (what a
 *   cooperative protocol with awaited revocation gives).
 * - `'eager'`: as kafkajs does, the new owner is given the partition without
 *   waiting for the old owner's callback: in the same tick the new owner is
 *   told of the assignment and then the old owner of the revocation, so a new
 *   owner that fences at once (its transactional producer connecting) beats
 *   the old owner's final snapshot, as its single round trip usually does on
 *   Kafka. That is the path every scale-out on Kafka takes. Partitions of a
 *   member that leaves (`disconnect`) are still revoked before they move, as
 *   on Kafka, where a member leaves the group only after its revocation
 *   callback returned.
 */
export type HandOver = 'revoke-first' | 'eager';

/**
 * What the group coordinator needs from a member: its subscription, and the
 * calls a rebalance makes on it. `revoke` and `assign` must settle (never
 * reject) and `died` resolves if the member crashes or is expelled, so a
 * rebalance never waits on the dead.
 */
export interface GroupMemberHandle {
  readonly memberId: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly topics: ReadonlySet<string>;
  readonly died: Promise<void>;
  /**
   * Stops delivering these partitions, waits for their batches in flight, then tells the owner;
   * `nextOwnerWaits` is false when their next owners are given them at once (`'eager'`).
   */
  revoke(partitions: readonly TopicPartition[], nextOwnerWaits: boolean): Promise<void>;
  /** Takes these partitions (positions from the committed offsets), tells the owner, then starts delivering. */
  assign(partitions: readonly TopicPartition[], generation: number): Promise<void>;
  /** The standby replicas the member hosts, if any. */
  readonly standbys?: StandbyHosting;
  /** Tells a member that hosts standbys which partitions to follow from this generation on. */
  standby(partitions: readonly TopicPartition[], generation: number): Promise<void>;
  /**
   * The group removed this member while it lived (as a session timeout does):
   * these partitions are lost, another member may own them already. Not awaited.
   */
  expelled(partitions: readonly TopicPartition[]): void;
}

interface MemberState {
  readonly handle: GroupMemberHandle;
  owned: TopicPartition[];
  standbys: TopicPartition[];
  leaving: boolean;
  readonly left: () => void;
  readonly gone: Promise<void>;
}

/** The partitions of those topics that exist now. */
export type PartitionsOf = (topics: ReadonlySet<string>) => TopicPartition[];

/**
 * One consumer group's coordinator: members, generation, assignment and
 * committed offsets. Rebalances run one at a time; joins, leaves, crashes and
 * expulsions that arrive during one are folded into the next. Each rebalance
 * computes a sticky assignment, revokes what moves, bumps the generation and
 * assigns. With the `'revoke-first'` hand-over it awaits every revocation
 * (never a dead member's) before it assigns, so no partition is ever owned by
 * two live members once the callbacks returned; with `'eager'` it awaits only
 * the revocations of leaving members, as Kafka does (see {@link HandOver}).
 * A rebalance ends when every callback it made has settled.
 */
export class ConsumerGroup {
  readonly groupId: string;
  readonly handOver: HandOver;
  #generation = 0;
  /** Where each partition belongs (../group/partition-homes.ts): a member back under its node id gets its own again. */
  #homes: Homes = new Map();
  readonly #members = new Map<string, MemberState>();
  readonly #committed = new Map<string, Map<number, OffsetCommit>>();
  readonly #partitionsOf: PartitionsOf;
  #rebalanceRequested = false;
  #rebalancing: Promise<void> | null = null;

  constructor(groupId: string, partitionsOf: PartitionsOf, handOver: HandOver = 'revoke-first') {
    this.groupId = groupId;
    this.#partitionsOf = partitionsOf;
    this.handOver = handOver;
  }

  /** Adds a member; resolves once the rebalances this caused are done. */
  join(handle: GroupMemberHandle): Promise<void> {
    let left!: () => void;
    const gone = new Promise<void>((resolve) => (left = resolve));
    this.#members.set(handle.memberId, { handle, owned: [], standbys: [], leaving: false, left, gone });
    return this.requestRebalance();
  }

  /** Revokes everything the member owns (awaiting its callback), removes it and rebalances the rest. */
  async leave(memberId: string): Promise<void> {
    const member = this.#members.get(memberId);
    if (member === undefined) return;
    member.leaving = true;
    void this.requestRebalance();
    await member.gone;
  }

  /** Removes a member that crashed (it tells its owner itself): no revocation; the survivors rebalance. */
  crash(memberId: string): void {
    this.#remove(memberId);
  }

  /**
   * Removes a member that lives on, as a session timeout (or Kafka's
   * LeaveGroup sent on its behalf) does: it is told its partitions are lost,
   * never asked to revoke them, and the survivors rebalance at once. The
   * member rejoins under a new member id, as kafkajs does after
   * UNKNOWN_MEMBER_ID. Returns false if no such member is in the group.
   */
  expel(memberId: string): boolean {
    const member = this.#remove(memberId);
    if (member === undefined) return false;
    member.handle.expelled(member.owned);
    return true;
  }

  #remove(memberId: string): MemberState | undefined {
    const member = this.#members.get(memberId);
    if (member === undefined) return undefined;
    this.#members.delete(memberId);
    member.left();
    void this.requestRebalance();
    return member;
  }

  /** Schedules a rebalance; resolves when no more are pending. */
  requestRebalance(): Promise<void> {
    this.#rebalanceRequested = true;
    this.#rebalancing ??= this.#rebalanceUntilStable();
    return this.#rebalancing;
  }

  /** Whether a member subscribes to the topic (a created or deleted topic changes its assignment). */
  subscribesTo(topic: string): boolean {
    for (const member of this.#members.values()) if (member.handle.topics.has(topic)) return true;
    return false;
  }

  /**
   * Whether the member owns the partition now. With `'revoke-first'` a revoked
   * partition stays owned until the callback returns; with `'eager'` it moves
   * to its new owner at once (a late commit of the old owner is refused).
   */
  owns(memberId: string, tp: TopicPartition): boolean {
    const key = topicPartitionKey(tp);
    return this.#members.get(memberId)?.owned.some((owned) => topicPartitionKey(owned) === key) ?? false;
  }

  /** Stores committed offsets (the next offset to read, as Kafka's). */
  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset, metadata } of offsets) {
      let byPartition = this.#committed.get(topic);
      if (byPartition === undefined) this.#committed.set(topic, (byPartition = new Map()));
      byPartition.set(partition, { offset, metadata: metadata ?? null });
    }
  }

  /** The committed offsets of a topic, by partition. */
  committed(topic: string): Map<number, number> {
    return new Map([...(this.#committed.get(topic) ?? [])].map(([partition, { offset }]) => [partition, offset]));
  }

  /** The committed offsets of a topic with their metadata, by partition. */
  offsetCommits(topic: string): Map<number, OffsetCommit> {
    return new Map(this.#committed.get(topic) ?? []);
  }

  /** Forgets a deleted topic's offsets. */
  forgetTopic(topic: string): void {
    this.#committed.delete(topic);
  }

  /** The generation and the members with their metadata and what they own now. */
  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      generation: this.#generation,
      state: this.#members.size === 0 ? 'empty' : this.#rebalancing === null ? 'stable' : 'rebalancing',
      members: [...this.#members.values()].map((m) => ({
        memberId: m.handle.memberId,
        metadata: { ...m.handle.metadata },
        assignment: m.owned.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
        standbys: m.standbys.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      })),
    };
  }

  async #rebalanceUntilStable(): Promise<void> {
    // Cleared in the same tick as the last check of the flag: a request that
    // arrives after it starts a new loop instead of being left unserved.
    // (Each round awaits, so this never runs before `requestRebalance` stored it.)
    try {
      while (this.#rebalanceRequested) {
        this.#rebalanceRequested = false;
        await this.#rebalanceOnce();
      }
    } finally {
      this.#rebalancing = null;
    }
  }

  async #rebalanceOnce(): Promise<void> {
    const everyone = [...this.#members.values()];
    const stayers = everyone.filter((m) => !m.leaving);
    const topics = new Set(stayers.flatMap((m) => [...m.handle.topics]));
    const nodeOf = (m: MemberState): string => m.handle.metadata.nodeId ?? m.handle.memberId;
    const standbyCandidates: StandbyCandidate[] = stayers.map((m) => ({
      memberId: m.handle.memberId, topics: m.handle.topics, replicas: m.handle.standbys?.replicas ?? 0, following: m.handle.standbys?.following() ?? [],
    }));
    const next = assignSticky(
      stayers.map((m) => ({ memberId: m.handle.memberId, topics: m.handle.topics, owned: m.owned })),
      this.#partitionsOf(topics),
      homesByMember(this.#homes, new Map(stayers.map((m) => [nodeOf(m), m.handle.memberId]))),
      warmMembers(standbyCandidates),
    );
    const standbys = assignStandbys(next, standbyCandidates);
    this.#homes = nextHomes(this.#homes, new Map(stayers.map((m) => [nodeOf(m), next.get(m.handle.memberId) ?? []])));

    // A partition moves eagerly unless its member leaves: on Kafka a member leaves only after its revocation returned.
    const moves = everyone.flatMap((member) => {
      const keep = new Set((next.get(member.handle.memberId) ?? []).map(topicPartitionKey));
      const moved = member.owned.filter((tp) => !keep.has(topicPartitionKey(tp)));
      if (moved.length === 0) return [];
      const kept = member.owned.filter((tp) => keep.has(topicPartitionKey(tp)));
      return [{ member, moved, kept, eager: this.handOver === 'eager' && !member.leaving }];
    });
    const revoke = ({ member, moved, kept, eager }: (typeof moves)[number]): Promise<void> =>
      Promise.race([member.handle.revoke(moved, !eager), member.handle.died]).then(() => {
        if (!eager) member.owned = kept;
      });
    await Promise.all(moves.filter((move) => !move.eager).map(revoke));
    for (const member of everyone) {
      if (member.leaving && this.#members.get(member.handle.memberId) === member) {
        this.#members.delete(member.handle.memberId);
        member.left();
      }
    }
    for (const move of moves) if (move.eager) move.member.owned = move.kept;

    this.#generation += 1;
    const generation = this.#generation;
    const assignments = stayers.map(async (member) => {
      if (this.#members.get(member.handle.memberId) !== member) return; // crashed or expelled meanwhile
      const target = next.get(member.handle.memberId)!;
      const owned = new Set(member.owned.map(topicPartitionKey));
      const gained = target.filter((tp) => !owned.has(topicPartitionKey(tp)));
      member.owned = target;
      if (gained.length > 0) await Promise.race([member.handle.assign(gained, generation), member.handle.died]);
      member.standbys = standbys.get(member.handle.memberId) ?? [];
      if (member.handle.standbys !== undefined) await Promise.race([member.handle.standby(standbys.get(member.handle.memberId) ?? [], generation), member.handle.died]);
    });
    // Eager: the old owners hear of the revocation in the same tick, just after the new owners were told,
    // so a new owner that fences at once (a transactional producer connecting) wins the race against
    // the old owner's final snapshot, as its one round trip usually does on Kafka.
    const eagerRevocations = moves.filter((move) => move.eager).map(revoke);
    await Promise.all([...assignments, ...eagerRevocations]);
  }
}
