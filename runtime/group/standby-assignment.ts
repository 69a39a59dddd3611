/**
 * Standby replicas: which members keep a warm copy of which partitions they
 * do not own, by following the partitions' snapshots (../standby/), and
 * which standby takes a partition over when its owner is gone.
 *
 * Computed by the assignor next to the active assignment, on both
 * transports: every partition gets up to `replicas` standbys among the
 * members that host standbys and subscribe to its topic, never its owner,
 * a member keeping the standbys it follows already (it is warm) and the
 * rest spread evenly.
 */
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { StandbyProgress, TopicPartition } from '../../protocols/transport.ts';

export type { StandbyProgress } from '../../protocols/transport.ts';

/** A member as the standby assignor sees it. */
export interface StandbyCandidate {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** Standbys this member hosts for each partition at most (its `--standbys`); 0: it hosts none. */
  readonly replicas: number;
  /** The standbys it follows now. */
  readonly following: readonly StandbyProgress[];
}

const byTopicPartition = (a: TopicPartition, b: TopicPartition): number =>
  a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;

/** How many standbys a group keeps of each partition: the most any member asks for. */
export function standbyReplicas(candidates: readonly StandbyCandidate[]): number {
  return candidates.reduce((most, c) => Math.max(most, c.replicas), 0);
}

/**
 * The standbys of each member after `active` (member id → owned partitions)
 * was assigned.
 *
 * @example
 * assignStandbys(new Map([['a', [t0]], ['b', [t1]]]), [a, b]) // a follows t1, b follows t0
 */
export function assignStandbys(active: ReadonlyMap<string, readonly TopicPartition[]>, candidates: readonly StandbyCandidate[]): Map<string, TopicPartition[]> {
  const replicas = standbyReplicas(candidates);
  const result = new Map<string, TopicPartition[]>(candidates.map((c) => [c.memberId, []]));
  if (replicas === 0) return result;
  const ownerOf = new Map<string, string>();
  for (const [memberId, owned] of active) for (const tp of owned) ownerOf.set(topicPartitionKey(tp), memberId);
  const following = new Map(candidates.map((c) => [c.memberId, new Set(c.following.map(topicPartitionKey))]));
  const hosts = candidates.filter((c) => c.replicas > 0);
  const load = (c: StandbyCandidate): number => result.get(c.memberId)!.length;
  const activeLoad = (c: StandbyCandidate): number => active.get(c.memberId)?.length ?? 0;
  const partitions = [...active.values()].flat().sort(byTopicPartition);
  for (const tp of partitions) {
    const key = topicPartitionKey(tp);
    const eligible = hosts.filter((c) => c.topics.has(tp.topic) && ownerOf.get(key) !== c.memberId);
    const ranked = eligible.sort(
      (a, b) =>
        Number(following.get(b.memberId)!.has(key)) - Number(following.get(a.memberId)!.has(key)) ||
        load(a) - load(b) ||
        activeLoad(a) - activeLoad(b) ||
        (a.memberId < b.memberId ? -1 : 1),
    );
    for (const c of ranked.slice(0, replicas)) result.get(c.memberId)!.push({ topic: tp.topic, partition: tp.partition });
  }
  return result;
}

/**
 * For {@link assignSticky}: by partition key, the members that follow it,
 * least behind first. A partition without an owner goes to one of them
 * (balance allowing), which resumes it from its warm copy.
 */
export function warmMembers(candidates: readonly StandbyCandidate[]): Map<string, string[]> {
  const byPartition = new Map<string, { memberId: string; lag: number }[]>();
  for (const c of candidates) {
    for (const progress of c.following) {
      const key = topicPartitionKey(progress);
      byPartition.set(key, [...(byPartition.get(key) ?? []), { memberId: c.memberId, lag: progress.lag }]);
    }
  }
  return new Map([...byPartition].map(([key, list]) => [key, list.sort((a, b) => a.lag - b.lag || (a.memberId < b.memberId ? -1 : 1)).map((w) => w.memberId)]));
}
