import type { PartitionAssigner } from 'kafkajs';
import { topicPartitionKey } from '../../protocols/topic-partition.ts';
import type { TopicPartition } from '../../protocols/transport.ts';
import { assignSticky } from '../group/sticky-assignment.ts';
import { homesByMember, homesOf, nextHomes } from '../group/partition-homes.ts';
import { assignStandbys, warmMembers, type StandbyCandidate } from '../group/standby-assignment.ts';
import {
  ASSIGNOR_NAME,
  ASSIGNOR_VERSION,
  decodeMemberMetadata,
  encodeMemberAssignment,
  encodeMemberMetadata,
  type MemberUserData,
} from './group-protocol.ts';

/**
 * A kafkajs partition assigner that is sticky (the same algorithm as the
 * memory transport: members keep what they own while balance allows, only
 * the surplus moves) and that publishes each member's metadata through the
 * group. `self` is read at every join, so it reports the member's current
 * ownership and last generation. Each member is told which of its new
 * partitions another member owned (by node id), so that it waits for their
 * release rather than fence a final snapshot being written. Partitions go
 * back to their homes (../group/partition-homes.ts): a node that restarts
 * under its id gets its own partitions back. Members that host standby
 * replicas are told which partitions to follow, and an orphaned partition
 * goes to a member that follows it (../group/standby-assignment.ts).
 *
 * @example
 * kafka.consumer({ groupId, partitionAssigners: [stickyAssigner(() => ({ metadata, owned, generation }))] });
 */
export function stickyAssigner(self: () => MemberUserData): PartitionAssigner {
  return ({ cluster }) => ({
    name: ASSIGNOR_NAME,
    version: ASSIGNOR_VERSION,

    async assign({ members, topics }) {
      const decoded = members.map((m) => ({ memberId: m.memberId, ...decodeMemberMetadata(m.memberMetadata) }));
      const partitions: TopicPartition[] = topics.flatMap((topic) =>
        cluster.findTopicPartitionMetadata(topic).map((p) => ({ topic, partition: p.partitionId })),
      );
      // A member that was expelled may still claim what it lost: the claim
      // from the member that saw the newest generation wins.
      const newestFirst = [...decoded].sort((a, b) => b.generation - a.generation);
      const claimed = new Set<string>();
      const claims = new Map(
        newestFirst.map((m) => [
          m.memberId,
          m.owned.filter((tp) => {
            const key = topicPartitionKey(tp);
            if (claimed.has(key)) return false;
            claimed.add(key);
            return true;
          }),
        ]),
      );
      const nodeOf = new Map(decoded.map((m) => [m.memberId, m.metadata.nodeId ?? m.memberId]));
      const homes = homesOf(newestFirst[0]?.homes ?? []);
      const standbyCandidates: StandbyCandidate[] = decoded.map((m) => ({
        memberId: m.memberId, topics: new Set(m.topics.length > 0 ? m.topics : topics), replicas: m.standbys.replicas, following: m.standbys.following,
      }));
      const assignment = assignSticky(
        decoded.map((m) => ({
          memberId: m.memberId,
          topics: new Set(m.topics.length > 0 ? m.topics : topics),
          owned: claims.get(m.memberId) ?? [],
        })),
        partitions,
        homesByMember(homes, new Map(decoded.map((m) => [nodeOf.get(m.memberId)!, m.memberId]))),
        warmMembers(standbyCandidates),
      );
      const standbys = assignStandbys(assignment, standbyCandidates);
      const estimatedGeneration = decoded.reduce((highest, m) => Math.max(highest, m.generation), 0) + 1;
      const claimedBy = new Map<string, string>();
      for (const m of decoded) for (const tp of claims.get(m.memberId) ?? []) claimedBy.set(topicPartitionKey(tp), m.memberId);
      const next = [...nextHomes(homes, new Map([...assignment].map(([memberId, owned]) => [nodeOf.get(memberId)!, owned]))).values()];
      return decoded.map((m) => {
        const mine = assignment.get(m.memberId) ?? [];
        const handOvers = mine.flatMap((tp) => {
          const from = claimedBy.get(topicPartitionKey(tp));
          return from === undefined || from === m.memberId ? [] : [{ ...tp, node: nodeOf.get(from)! }];
        });
        return { memberId: m.memberId, memberAssignment: encodeMemberAssignment(mine, estimatedGeneration, handOvers, next, standbys.get(m.memberId)) };
      });
    },

    protocol({ topics }) {
      return { name: ASSIGNOR_NAME, metadata: encodeMemberMetadata(topics, self()) };
    },
  });
}
