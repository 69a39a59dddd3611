/**
 * `eventide results` and `eventide status`: what the cluster published and
 * how it is doing, read from Kafka as any client would.
 */
import type { GroupDescription, Transport } from '../protocols/transport.ts';
import { parseRelease } from '../protocols/release.ts';
import { decodeWindowResult, type WindowResult } from '../protocols/result/index.ts';
import { SnapshotLogReader } from '../protocols/snapshot/index.ts';
import { TOPICS, type PipelineTopicNames } from '../pipeline/topics.ts';
import { aggregateStage, ingestStage, matchStage, parseStage } from '../pipeline/stages.ts';

export function formatResult(result: WindowResult): string {
  const window = `${new Date(result.windowStart).toISOString()} +${(result.windowEnd - result.windowStart) / 1000}s`;
  const facet = result.facet === null ? '' : ` [${result.facet.join(', ')}]`;
  const values = Object.entries(result.values).map(([label, value]) => `${label}=${value ?? 'null'}`).join(' ');
  return `${result.queryId} ${window}${facet} ${values}${result.complete ? '' : ' (incomplete)'}`;
}

/** Prints every result (of one query if given); with `follow`, keeps printing new ones until stopped. */
export async function printResults(transport: Transport, options: { follow: boolean; queryId?: string; write: (line: string) => void; topics?: PipelineTopicNames }): Promise<() => Promise<void>> {
  const reader = transport.reader();
  const follower = await reader.follow((options.topics ?? TOPICS).results, {
    onRecords: (records) => {
      for (const record of records) {
        if (record.value === null) continue;
        const result = decodeWindowResult(record.value);
        if (options.queryId === undefined || result.queryId === options.queryId) options.write(formatResult(result));
      }
    },
  });
  await follower.caughtUp;
  if (!options.follow) await follower.stop();
  return () => follower.stop();
}

export interface PartitionStatus {
  readonly stage: string;
  readonly partition: number;
  readonly owner: string | null;
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number | null;
  readonly snapshotAgeMs: number | null;
  /** The node that released it, when its committed offset carries a release nobody resumed from yet (a hand-over under way, or a node that left). */
  readonly releasedBy: string | null;
  /** The nodes that keep a standby replica of it (`--standbys`). */
  readonly standbys: readonly string[];
}

/** A stage's group: its generation and whether it is rebalancing. */
export interface StageGroupStatus {
  readonly stage: string;
  readonly generation: number;
  readonly state: GroupDescription['state'];
  readonly members: number;
}

export interface ClusterStatus {
  readonly nodes: Map<string, { metadata: Record<string, string>; stages: string[] }>;
  readonly groups: StageGroupStatus[];
  readonly partitions: PartitionStatus[];
}

/** Each stage a node may run, by name, with the topic it consumes: read from the stages themselves. */
const stageInputs = (topics: PipelineTopicNames): [string, string][] =>
  [ingestStage({ topics }), parseStage({ topics }), matchStage({ topics }), aggregateStage({ topics })].map((stage) => [stage.name, stage.input.topic]);

/** Every stage group of the pipeline under `group`: its members, what each owns, committed offsets, lag, snapshot ages. */
export async function clusterStatus(transport: Transport, group: string, now: number, topics: PipelineTopicNames = TOPICS): Promise<ClusterStatus> {
  const admin = transport.admin();
  const reader = transport.reader();
  const nodes = new Map<string, { metadata: Record<string, string>; stages: string[] }>();
  const partitions: PartitionStatus[] = [];
  const groups: StageGroupStatus[] = [];
  const snapshotTimes = await newestSnapshotTimes(transport, topics.snapshots);
  for (const [stage, topic] of stageInputs(topics)) {
    const groupId = `${group}.${stage}`;
    const description = await admin.describeGroup(groupId);
    if (description.members.length === 0 && stage !== 'aggregate' && stage !== 'ingest') continue;
    const owners = new Map<number, string>();
    const standbys = new Map<number, string[]>();
    for (const member of description.members) {
      const nodeId = member.metadata.nodeId ?? member.memberId;
      const node = nodes.get(nodeId) ?? { metadata: { ...member.metadata }, stages: [] };
      node.stages.push(stage);
      nodes.set(nodeId, node);
      for (const tp of member.assignment) if (tp.topic === topic) owners.set(tp.partition, nodeId);
      for (const tp of member.standbys) if (tp.topic === topic) standbys.set(tp.partition, [...(standbys.get(tp.partition) ?? []), nodeId]);
    }
    const [commits, end] = await Promise.all([admin.fetchOffsetCommits(groupId, topic), reader.endOffsets(topic, 'read_committed')]);
    if (description.members.length === 0 && commits.size === 0) continue;
    groups.push({ stage, generation: description.generation, state: description.state, members: description.members.length });
    for (const [partition, endOffset] of [...end].sort(([a], [b]) => a - b)) {
      const commit = commits.get(partition);
      const position = commit?.offset ?? null;
      const lag = position === null ? null : await recordsBetween(transport, topic, partition, position, endOffset);
      const takenAt = stage === 'aggregate' ? snapshotTimes.get(partition) : undefined;
      partitions.push({
        stage,
        partition,
        owner: owners.get(partition) ?? null,
        committed: position,
        end: endOffset,
        lag,
        snapshotAgeMs: takenAt === undefined ? null : now - takenAt,
        releasedBy: parseRelease(commit?.metadata)?.node ?? null,
        standbys: (standbys.get(partition) ?? []).sort(),
      });
    }
  }
  return { nodes, groups, partitions };
}

/** A standby's place in {@link standbyLags}. */
export const standbyKey = (node: string, stage: string, partition: number): string => `${node} ${stage}[${partition}]`;

/**
 * How far behind each standby replica is, in records of its snapshots
 * partition, as each node's inspector tells it (`/status`); a node without
 * an inspector, or out of reach within `timeoutMs`, tells nothing.
 */
export async function standbyLags(nodes: ClusterStatus['nodes'], options: { token?: string; timeoutMs?: number } = {}): Promise<Map<string, number>> {
  const lags = new Map<string, number>();
  await Promise.all(
    [...nodes].map(async ([nodeId, node]) => {
      const address = node.metadata.inspect;
      if (address === undefined) return;
      try {
        const response = await fetch(`http://${address}/status`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
          ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
        });
        if (!response.ok) return;
        const { standbys } = (await response.json()) as { standbys?: { stage: string; partition: number; lag: number }[] };
        for (const standby of standbys ?? []) lags.set(standbyKey(nodeId, standby.stage, standby.partition), standby.lag);
      } catch {
        // Out of reach: its standbys show without a lag.
      }
    }),
  );
  return lags;
}

/** Offsets counted exactly up to here; beyond, the lag is the offset difference. */
const EXACT_LAG_LIMIT = 10_000;

/**
 * Committed records between a group's offset and the end. Transactional
 * writes end in a commit marker that takes an offset but is no record, so a
 * caught-up partition has `end - committed === 1`: the records in between are
 * counted (read_committed skips markers and aborted records). A large gap is
 * reported as the offset difference, which markers inflate slightly.
 */
async function recordsBetween(transport: Transport, topic: string, partition: number, from: number, until: number): Promise<number> {
  if (until <= from) return 0;
  if (until - from > EXACT_LAG_LIMIT) return until - from;
  let records = 0;
  for await (const chunk of transport.reader().read({ topic, partition, offset: from }, until, { isolation: 'read_committed' })) records += chunk.length;
  return records;
}

async function newestSnapshotTimes(transport: Transport, topic: string): Promise<Map<number, number>> {
  const reader = transport.reader();
  const times = new Map<number, number>();
  const [start, end] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  for (const [partition, until] of end) {
    const from = start.get(partition) ?? 0;
    if (until <= from) continue;
    const log = new SnapshotLogReader({ stage: 'aggregate' });
    for await (const chunk of reader.read({ topic, partition, offset: from }, until)) for (const record of chunk) log.add(record);
    const latest = log.latest();
    if (latest !== null) times.set(partition, latest.meta.takenAt);
  }
  return times;
}
