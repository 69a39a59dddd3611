import kafkajs from './kafkajs.ts';
import type { GroupMember, HandOverFrom, StandbyProgress, TopicPartition } from '../../protocols/transport.ts';
import type { PartitionHome } from '../group/partition-homes.ts';

const { AssignerProtocol } = kafkajs;

/**
 * What eventide's members tell each other through the group protocol, and
 * how `describeGroup` reads it back.
 *
 * - Member metadata (JoinGroup): the kafkajs `MemberMetadata` whose
 *   `userData` is JSON `{ v: 1, metadata, owned, generation }`: the node's
 *   metadata, the partitions it owned and the last generation it saw, so the
 *   leader's sticky assignor keeps partitions where they are.
 * - Member assignment (SyncGroup): the kafkajs `MemberAssignment` plus one
 *   entry under {@link GENERATION_MARKER}, a name no Kafka topic can have.
 *   kafkajs drops assigned topics the member did not subscribe to, but first
 *   emits `RECEIVED_UNSUBSCRIBED_TOPICS` with the coordinator's generation id:
 *   the only place kafkajs 2.2.4 exposes the generation before it starts
 *   fetching, since `GROUP_JOIN` lacks it. Its `userData` carries the leader's
 *   estimate of the generation (one more than the highest a member reported),
 *   for `describeGroup`, whose protocol answer has no generation.
 * - Hand-overs (SyncGroup): for each partition the member gets that another
 *   member owned, one more name of that kind, {@link HAND_OVER_PREFIX} then
 *   JSON `[topic, partition, node]`, reaching the member by the same event:
 *   the new owner waits for that node's release before it fences.
 * - Homes (SyncGroup, ../group/partition-homes.ts): where every partition of
 *   the group belongs, one name per node and topic, {@link HOMES_PREFIX} then
 *   JSON `[node, topic, [partitions]]`. Every member keeps the last it got and
 *   reports it in its metadata (`homes`), so whichever member leads the next
 *   rebalance gives a returning node its partitions back.
 * - Standbys (../group/standby-assignment.ts): a member that hosts standby
 *   replicas says so in its metadata (`standbys`: the replicas it asks for
 *   and what it follows, with its lag), and is told which partitions to
 *   follow, one name per topic, {@link STANDBYS_PREFIX} then JSON
 *   `[topic, [partitions]]`.
 */
export const GENERATION_MARKER = 'eventide:generation';
export const HAND_OVER_PREFIX = 'eventide:handover:';
export const HOMES_PREFIX = 'eventide:homes:';
export const STANDBYS_PREFIX = 'eventide:standbys:';
const PROTOCOL_PREFIXES = [HAND_OVER_PREFIX, HOMES_PREFIX, STANDBYS_PREFIX];

/** The protocol name of eventide's assignor; every member must offer it. */
export const ASSIGNOR_NAME = 'EventideSticky';
export const ASSIGNOR_VERSION = 1;

/** What a member publishes when it joins. */
export interface MemberUserData {
  readonly metadata: Readonly<Record<string, string>>;
  readonly owned: readonly TopicPartition[];
  readonly generation: number;
  /** The homes of the last assignment it got. */
  readonly homes?: readonly PartitionHome[];
  /** The standby replicas it hosts; absent or 0 replicas: none. */
  readonly standbys?: { readonly replicas: number; readonly following: readonly StandbyProgress[] };
}

export function encodeMemberMetadata(topics: readonly string[], data: MemberUserData): Buffer {
  const userData = Buffer.from(JSON.stringify({ v: 1, ...data }), 'utf8');
  return AssignerProtocol.MemberMetadata.encode({ version: ASSIGNOR_VERSION, topics: [...topics], userData });
}

/** Decodes a member's metadata; members of other clients decode to empty metadata. */
export function decodeMemberMetadata(buffer: Buffer | null | undefined): Required<MemberUserData> & { topics: string[] } {
  const empty = { metadata: {}, owned: [], generation: 0, homes: [], standbys: NO_STANDBYS, topics: [] as string[] };
  if (buffer === null || buffer === undefined || buffer.length === 0) return empty;
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(buffer);
    if (decoded === null) return empty;
    const data = parseJson(decoded.userData);
    return {
      topics: decoded.topics,
      metadata: isStringRecord(data?.metadata) ? data.metadata : {},
      owned: Array.isArray(data?.owned) ? data.owned.filter(isTopicPartition) : [],
      generation: typeof data?.generation === 'number' ? data.generation : 0,
      homes: Array.isArray(data?.homes) ? data.homes.filter(isPartitionHome) : [],
      standbys: decodeStandbyHosting(data?.standbys),
    };
  } catch {
    return empty;
  }
}

export function encodeMemberAssignment(
  partitions: readonly TopicPartition[],
  estimatedGeneration: number,
  handOvers: readonly HandOverFrom[] = [],
  homes: readonly PartitionHome[] = [],
  standbys: readonly TopicPartition[] = [],
): Buffer {
  const assignment: Record<string, number[]> = { [GENERATION_MARKER]: [] };
  for (const { topic, partition, node } of handOvers) assignment[`${HAND_OVER_PREFIX}${JSON.stringify([topic, partition, node])}`] = [];
  const homesByNodeAndTopic = new Map<string, number[]>();
  for (const { node, topic, partition } of homes) {
    const key = JSON.stringify([node, topic]);
    homesByNodeAndTopic.set(key, [...(homesByNodeAndTopic.get(key) ?? []), partition]);
  }
  for (const [key, list] of homesByNodeAndTopic) assignment[`${HOMES_PREFIX}${JSON.stringify([...(JSON.parse(key) as string[]), list])}`] = [];
  const standbysByTopic = new Map<string, number[]>();
  for (const { topic, partition } of standbys) standbysByTopic.set(topic, [...(standbysByTopic.get(topic) ?? []), partition]);
  for (const [topic, list] of standbysByTopic) assignment[`${STANDBYS_PREFIX}${JSON.stringify([topic, list])}`] = [];
  for (const tp of partitions) (assignment[tp.topic] ??= []).push(tp.partition);
  const userData = Buffer.from(JSON.stringify({ v: 1, generation: estimatedGeneration }), 'utf8');
  return AssignerProtocol.MemberAssignment.encode({ version: ASSIGNOR_VERSION, assignment, userData });
}

export function decodeMemberAssignment(buffer: Buffer | null | undefined): { partitions: TopicPartition[]; standbys: TopicPartition[]; estimatedGeneration: number } {
  if (buffer === null || buffer === undefined || buffer.length === 0) return { partitions: [], standbys: [], estimatedGeneration: 0 };
  const decoded = AssignerProtocol.MemberAssignment.decode(buffer);
  if (decoded === null) return { partitions: [], standbys: [], estimatedGeneration: 0 };
  const partitions = Object.entries(decoded.assignment)
    .filter(([topic]) => topic !== GENERATION_MARKER && !PROTOCOL_PREFIXES.some((prefix) => topic.startsWith(prefix)))
    .flatMap(([topic, list]) => (list as number[]).map((partition) => ({ topic, partition })));
  const data = parseJson(decoded.userData);
  return { partitions, standbys: standbysIn(Object.keys(decoded.assignment)), estimatedGeneration: typeof data?.generation === 'number' ? data.generation : 0 };
}

/** A member as `describeGroup` reports it, with the leader's generation estimate. */
export function decodeMember(memberId: string, metadata: Buffer, assignment: Buffer): GroupMember & { estimatedGeneration: number } {
  const { partitions, standbys, estimatedGeneration } = decodeMemberAssignment(assignment);
  return { memberId, metadata: decodeMemberMetadata(metadata).metadata, assignment: partitions, standbys, estimatedGeneration };
}

/** The hand-overs among the names of an assignment (kafkajs reports them as topics the member did not subscribe to). */
export function handOversIn(names: readonly string[]): HandOverFrom[] {
  return names.flatMap((name) => {
    if (!name.startsWith(HAND_OVER_PREFIX)) return [];
    try {
      const [topic, partition, node] = JSON.parse(name.slice(HAND_OVER_PREFIX.length)) as unknown[];
      return typeof topic === 'string' && Number.isInteger(partition) && typeof node === 'string' ? [{ topic, partition: partition as number, node }] : [];
    } catch {
      return [];
    }
  });
}

/** The homes among the names of an assignment. */
export function homesIn(names: readonly string[]): PartitionHome[] {
  return names.flatMap((name) => {
    if (!name.startsWith(HOMES_PREFIX)) return [];
    try {
      const [node, topic, partitions] = JSON.parse(name.slice(HOMES_PREFIX.length)) as unknown[];
      if (typeof node !== 'string' || typeof topic !== 'string' || !Array.isArray(partitions)) return [];
      return partitions.filter((p): p is number => Number.isInteger(p)).map((partition) => ({ node, topic, partition }));
    } catch {
      return [];
    }
  });
}

/** The partitions this member follows as standbys, among the names of an assignment. */
export function standbysIn(names: readonly string[]): TopicPartition[] {
  return names.flatMap((name) => {
    if (!name.startsWith(STANDBYS_PREFIX)) return [];
    try {
      const [topic, partitions] = JSON.parse(name.slice(STANDBYS_PREFIX.length)) as unknown[];
      if (typeof topic !== 'string' || !Array.isArray(partitions)) return [];
      return partitions.filter((p): p is number => Number.isInteger(p)).map((partition) => ({ topic, partition }));
    } catch {
      return [];
    }
  });
}

const NO_STANDBYS = { replicas: 0, following: [] };

function decodeStandbyHosting(value: unknown): NonNullable<MemberUserData['standbys']> {
  if (typeof value !== 'object' || value === null) return NO_STANDBYS;
  const { replicas, following } = value as { replicas?: unknown; following?: unknown };
  if (!Number.isInteger(replicas) || (replicas as number) < 0) return NO_STANDBYS;
  const progress = Array.isArray(following) ? following.filter((f): f is StandbyProgress => isTopicPartition(f) && typeof (f as { lag?: unknown }).lag === 'number') : [];
  return { replicas: replicas as number, following: progress.map(({ topic, partition, lag }) => ({ topic, partition, lag })) };
}

export function generationOf(members: ReadonlyArray<{ estimatedGeneration: number }>): number {
  return members.reduce((highest, m) => Math.max(highest, m.estimatedGeneration), 0);
}

function parseJson(buffer: Buffer | null | undefined): Record<string, unknown> | undefined {
  if (buffer === null || buffer === undefined || buffer.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(buffer.toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string');
}

function isPartitionHome(value: unknown): value is PartitionHome {
  return isTopicPartition(value) && typeof (value as PartitionHome).node === 'string';
}

function isTopicPartition(value: unknown): value is TopicPartition {
  const tp = value as TopicPartition;
  return tp !== null && typeof tp === 'object' && typeof tp.topic === 'string' && Number.isInteger(tp.partition);
}
