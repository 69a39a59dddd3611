/**
 * `GET /api/node`: one node as it sees itself — its stages, the partitions
 * it hosts with their progress, lag and root actor, and what happened to
 * them lately. Peers read it to build the cluster view.
 */
import type { PartitionReader } from '../../protocols/transport.ts';
import type { EventideNode } from '../node.ts';
import type { NodeView, PartitionView } from './api.ts';
import { describeState, rootActorId } from './actor-paths.ts';
import type { NodeEvents } from './node-events.ts';

export async function readNodeView(node: EventideNode, reader: PartitionReader, events: NodeEvents, now: number): Promise<NodeView> {
  const hosted = node.hostedPartitions();
  const ends = new Map<string, Map<number, number>>();
  await Promise.all(
    [...new Set(hosted.map((h) => h.topic))].map(async (topic) => {
      try {
        ends.set(topic, await reader.endOffsets(topic, 'read_committed'));
      } catch {
        // Lag is unknown while the log does not answer; the rest of the view still is.
      }
    }),
  );
  const sorted = hosted.sort((a, b) => (a.stage === b.stage ? a.partition - b.partition : a.stage < b.stage ? -1 : 1));
  const lags = await Promise.all(sorted.map((h) => lagOf(reader, h.topic, h.partition, h.stats().nextOffset, ends.get(h.topic)?.get(h.partition))));
  const partitions: PartitionView[] = sorted
    .map((h, i) => {
      const stats = h.stats();
      const snapshot = h.actorSnapshot();
      const machine = (snapshot as { machine?: { id: string } } | null)?.machine?.id ?? 'unknown';
      return {
        stage: h.stage,
        topic: h.topic,
        partition: h.partition,
        state: stats.state,
        nextOffset: stats.nextOffset,
        recordsIn: stats.recordsIn,
        lag: stats.state !== 'running' ? null : lags[i]!,
        snapshots: stats.snapshots,
        lastSnapshotAt: stats.lastSnapshotAt,
        restore: stats.restore === null ? null : { ...stats.restore },
        actor:
          snapshot === null
            ? null
            : {
                id: rootActorId(h.stage, h.partition), parent: null, stage: h.stage, partition: h.partition, machine,
                state: describeState(snapshot.value), status: snapshot.status, children: Object.keys(snapshot.children ?? {}).length,
              },
      };
    });
  return {
    nodeId: node.nodeId,
    state: node.state,
    group: node.group,
    transport: node.transportKind,
    inspect: node.metadata.inspect ?? null,
    startedAt: node.startedAt ?? now,
    now,
    stages: node.stages(),
    partitions,
    events: events.list(),
  };
}

/** Below this many offsets, the records in between are counted (so transaction markers are not). */
const EXACT_LAG_OFFSETS = 50;

/**
 * Committed records after `from`. A transactional input ends in a commit
 * marker, which takes an offset but is no record: a caught-up partition has
 * an end one past its position. Small gaps are read and counted; larger ones
 * are the offset difference, which markers inflate slightly.
 */
async function lagOf(reader: PartitionReader, topic: string, partition: number, from: number, end: number | undefined): Promise<number | null> {
  if (end === undefined) return null;
  if (end <= from) return 0;
  if (end - from > EXACT_LAG_OFFSETS) return end - from;
  try {
    let records = 0;
    for await (const chunk of reader.read({ topic, partition, offset: from }, end, { isolation: 'read_committed' })) records += chunk.length;
    return records;
  } catch {
    return end - from;
  }
}
