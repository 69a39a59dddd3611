/**
 * Sticky, balanced assignment of partitions to group members, shared by both
 * transports so the memory log and Kafka balance a group the same way.
 */
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { TopicPartition } from '../../protocols/transport.ts';

/** A member as the assignor sees it: what it subscribes to and what it owns now. */
export interface AssignorMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  readonly owned: readonly TopicPartition[];
}

const byTopicPartition = (a: TopicPartition, b: TopicPartition): number =>
  a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;

/**
 * A sticky assignment, as Kafka's sticky assignors compute it: every member
 * keeps what it owns as long as balance allows, counts differ by at most one
 * (when every member subscribes to the same topics), and only the surplus
 * moves. Members that own more get the larger quotas, so the fewest
 * partitions change hands. With different subscriptions a partition goes to
 * the least loaded member subscribed to its topic.
 *
 * `homes` (partition key → member id, ./partition-homes.ts) names where a
 * partition belongs: a member that came back (a restarted node) gets its own
 * partitions back rather than any surplus, so a rolling restart leaves every
 * partition where it was.
 *
 * `warm` (partition key → member ids, least behind first,
 * ./standby-assignment.ts) names the standbys of a partition: one that must
 * be placed (its owner is gone) goes to a standby when balance allows, and
 * resumes from its warm copy.
 *
 * @example
 * assignSticky([{ memberId: 'a', topics: new Set(['t']), owned: [t0, t1] },
 *               { memberId: 'b', topics: new Set(['t']), owned: [] }], [t0, t1])
 * // a keeps t0, b gets t1
 */
export function assignSticky(
  members: readonly AssignorMember[],
  partitions: readonly TopicPartition[],
  homes: ReadonlyMap<string, string> = new Map(),
  warm: ReadonlyMap<string, readonly string[]> = new Map(),
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  if (members.length === 0) return result;
  const existing = new Set(partitions.map(topicPartitionKey));
  const present = new Set(members.map((m) => m.memberId));
  // A partition at home elsewhere (its member is back) is the last a member keeps: it goes home if balance lets it.
  const awayFromHome = (m: AssignorMember, tp: TopicPartition): boolean => {
    const home = homes.get(topicPartitionKey(tp));
    return home !== undefined && home !== m.memberId && present.has(home);
  };
  const keepable = (m: AssignorMember): TopicPartition[] =>
    m.owned
      .filter((tp) => existing.has(topicPartitionKey(tp)) && m.topics.has(tp.topic))
      .sort((a, b) => Number(awayFromHome(m, a)) - Number(awayFromHome(m, b)) || byTopicPartition(a, b));

  // The larger quotas go to the members that hold the most of what belongs with them: their partitions not at home
  // elsewhere, and their home partitions (held by others, or by nobody).
  const homeCount = new Map<string, number>();
  for (const [key, home] of homes) if (present.has(home) && existing.has(key)) homeCount.set(home, (homeCount.get(home) ?? 0) + 1);
  const belonging = new Map(
    members.map((m) => {
      const kept = keepable(m);
      const keptAtHome = kept.filter((tp) => homes.get(topicPartitionKey(tp)) === m.memberId).length;
      return [m.memberId, kept.filter((tp) => !awayFromHome(m, tp)).length + (homeCount.get(m.memberId) ?? 0) - keptAtHome];
    }),
  );
  const order = [...members].sort(
    (a, b) => belonging.get(b.memberId)! - belonging.get(a.memberId)! || (a.memberId < b.memberId ? -1 : 1),
  );
  const base = Math.floor(partitions.length / members.length);
  const extra = partitions.length % members.length;
  const quota = new Map(order.map((m, index) => [m.memberId, base + (index < extra ? 1 : 0)]));

  const taken = new Set<string>();
  for (const member of order) {
    const mine = result.get(member.memberId)!;
    for (const tp of keepable(member)) {
      if (mine.length >= quota.get(member.memberId)! || taken.has(topicPartitionKey(tp))) continue;
      taken.add(topicPartitionKey(tp));
      mine.push(tp);
    }
  }

  for (const tp of [...partitions].sort(byTopicPartition)) {
    if (taken.has(topicPartitionKey(tp))) continue;
    const eligible = order.filter((m) => m.topics.has(tp.topic));
    if (eligible.length === 0) continue;
    const load = (m: AssignorMember): number => result.get(m.memberId)!.length;
    const underQuota = eligible.filter((m) => load(m) < quota.get(m.memberId)!);
    const pool = underQuota.length > 0 ? underQuota : eligible;
    const mayTake = (m: AssignorMember): boolean => load(m) < quota.get(m.memberId)!;
    const home = pool.find((m) => m.memberId === homes.get(topicPartitionKey(tp)) && mayTake(m));
    const standby = (warm.get(topicPartitionKey(tp)) ?? []).map((id) => pool.find((m) => m.memberId === id)).find((m) => m !== undefined && mayTake(m));
    const target = home ?? standby ?? pool.reduce((best, m) => (load(m) < load(best) ? m : best));
    result.get(target.memberId)!.push({ topic: tp.topic, partition: tp.partition });
    taken.add(topicPartitionKey(tp));
  }
  for (const assigned of result.values()) assigned.sort(byTopicPartition);
  return result;
}
