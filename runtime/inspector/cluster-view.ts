/**
 * `GET /api/cluster`: every node of the cluster, found the way the nodes find
 * each other — through each stage group's member data (node id and
 * inspector address, published by the assignor) — and each member's own
 * `/api/node`, fetched by this server so the page talks to one node only.
 * Partitions come from the groups' assignments and committed offsets; their
 * state, lag and newest snapshot from their owner's own view.
 */
import type { PartitionReader, TransportAdmin } from '../../protocols/transport.ts';
import type { StageSummary } from '../node.ts';
import type { ClusterMember, ClusterPartition, ClusterView, NodeEvent, NodeView } from './api.ts';

export interface ClusterSources {
  readonly self: string;
  readonly group: string;
  readonly stages: readonly StageSummary[];
  readonly admin: TransportAdmin;
  readonly reader: PartitionReader;
  /** This node's own view. */
  readonly nodeView: () => Promise<NodeView>;
  /** Another member's view, read from its inspector address; it must be the node named. */
  readonly fetchPeer: (address: string, nodeId: string) => Promise<NodeView>;
  readonly now: () => number;
  /** Events read from members earlier, kept so a member that left still shows what it did. */
  readonly remembered?: RememberedEvents;
}

/** The newest cluster events seen, from every member that was ever read. */
export class RememberedEvents {
  readonly #events = new Map<string, NodeEvent>();

  /** Adds these events and returns every event remembered, the newest first, at most `limit`. */
  merge(events: readonly NodeEvent[], limit: number): NodeEvent[] {
    for (const event of events) this.#events.set(`${event.nodeId}|${event.at}|${event.text}`, event);
    const newest = [...this.#events.values()].sort((a, b) => b.at - a.at).slice(0, limit);
    if (this.#events.size > limit) {
      this.#events.clear();
      for (const event of newest) this.#events.set(`${event.nodeId}|${event.at}|${event.text}`, event);
    }
    return newest;
  }
}

/** Events the cluster view lists. */
const CLUSTER_EVENTS_KEPT = 200;

interface MemberDraft {
  nodeId: string;
  inspect: string | null;
  stages: string[];
  assigned: Record<string, number[]>;
}

export async function readClusterView(sources: ClusterSources): Promise<ClusterView> {
  const members = new Map<string, MemberDraft>();
  const owners = new Map<string, Map<number, string>>();
  const offsets = new Map<string, { committed: Map<number, number>; end: Map<number, number> }>();
  await Promise.all(
    sources.stages.map(async (stage) => {
      const [description, committed, end] = await Promise.all([
        sources.admin.describeGroup(stage.group),
        sources.admin.fetchCommittedOffsets(stage.group, stage.topic),
        sources.reader.endOffsets(stage.topic, 'read_committed'),
      ]);
      offsets.set(stage.name, { committed, end });
      const owned = new Map<number, string>();
      owners.set(stage.name, owned);
      for (const member of description.members) {
        const nodeId = member.metadata.nodeId ?? member.memberId;
        const draft = members.get(nodeId) ?? { nodeId, inspect: member.metadata.inspect ?? null, stages: [], assigned: {} };
        members.set(nodeId, draft);
        if (!draft.stages.includes(stage.name)) draft.stages.push(stage.name);
        const partitions = member.assignment.filter((tp) => tp.topic === stage.topic).map((tp) => tp.partition).sort((a, b) => a - b);
        draft.assigned[stage.name] = partitions;
        for (const partition of partitions) owned.set(partition, nodeId);
      }
    }),
  );
  // This node is a member even while a rebalance hides it from the groups.
  if (!members.has(sources.self)) members.set(sources.self, { nodeId: sources.self, inspect: null, stages: [], assigned: {} });
  const views = new Map<string, NodeView>();
  const clusterMembers: ClusterMember[] = await Promise.all(
    [...members.values()].map(async (draft): Promise<ClusterMember> => {
      const self = draft.nodeId === sources.self;
      let node: NodeView | null = null;
      let error: string | null = null;
      try {
        if (self) node = await sources.nodeView();
        else if (draft.inspect === null) error = 'it serves no inspector (started without --inspect)';
        else node = await sources.fetchPeer(draft.inspect, draft.nodeId);
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      if (node !== null) views.set(draft.nodeId, node);
      return { nodeId: draft.nodeId, inspect: draft.inspect ?? node?.inspect ?? null, stages: draft.stages, assigned: draft.assigned, node, error, self };
    }),
  );
  clusterMembers.sort((a, b) => (a.self === b.self ? (a.nodeId < b.nodeId ? -1 : 1) : a.self ? -1 : 1));
  const partitions: ClusterPartition[] = [];
  for (const stage of sources.stages) {
    const { committed, end } = offsets.get(stage.name)!;
    const owned = owners.get(stage.name)!;
    // A stage nobody runs or ever ran (the pipeline's separate parse and match when they run fused) is left out.
    if (owned.size === 0 && committed.size === 0 && !clusterMembers.some((member) => member.stages.includes(stage.name))) continue;
    for (const [partition, endOffset] of [...end].sort(([a], [b]) => a - b)) {
      const owner = owned.get(partition) ?? null;
      const hosted = owner === null ? undefined : views.get(owner)?.partitions.find((p) => p.stage === stage.name && p.partition === partition);
      const position = committed.get(partition) ?? null;
      partitions.push({
        stage: stage.name,
        partition,
        owner,
        state: hosted?.state ?? null,
        committed: position,
        end: endOffset,
        lag: hosted?.lag ?? (position === null ? null : Math.max(0, endOffset - position)),
        lastSnapshotAt: hosted?.lastSnapshotAt ?? null,
      });
    }
  }
  const read = [...views.values()].flatMap((view) => view.events);
  const events: NodeEvent[] = sources.remembered === undefined ? read.sort((a, b) => b.at - a.at).slice(0, CLUSTER_EVENTS_KEPT) : sources.remembered.merge(read, CLUSTER_EVENTS_KEPT);
  const shown = sources.stages.filter((stage) => partitions.some((p) => p.stage === stage.name));
  return { group: sources.group, now: sources.now(), self: sources.self, stages: shown, members: clusterMembers, partitions, events };
}
