/**
 * The cluster: every member of the group with its partitions, a partitions
 * table per stage (owner, lifecycle, offsets, lag, snapshot age) and the
 * members' recent events, live through `{ cluster: true }`.
 */
import type { ClusterMember, ClusterPartition, ClusterView, NodeEvent, StageSummary } from '../api.ts';
import { html } from './html.ts';
import { useLive, useReconnect } from './live.ts';
import { useResource, useTick } from './resource.ts';
import { ago, clock, count, isoTime } from './format.ts';
import { href } from './route.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill } from './parts.ts';

export function ClusterPage() {
  const cluster = useResource<ClusterView>('/api/cluster');
  useLive({ type: 'watch', cluster: true }, (update) => {
    if (update.type === 'cluster') cluster.set(update.cluster);
  });
  useReconnect(cluster.reload);
  const now = useTick();
  const view = cluster.data;
  if (view === null) return html`<${ErrorLine} error=${cluster.error} />${cluster.error === null ? html`<${Loading} what="the cluster" />` : null}`;
  const skew = view.now - Date.now();
  return html`<div class="page">
    <${ErrorLine} error=${cluster.error} />
    <${Panel} title="Members" extra=${html`<span class="muted">${view.members.length} in group <strong>${view.group}</strong></span>`}>
      <${Members} members=${view.members} stages=${view.stages} />
    <//>
    ${view.stages.map((stage) => html`<${StagePartitions} key=${stage.name} stage=${stage} partitions=${view.partitions.filter((p) => p.stage === stage.name)} self=${view.self} now=${now + skew} />`)}
    <${Panel} title="Recent events" extra=${html`<span class="muted">newest first</span>`}>
      <${Events} events=${view.events} now=${now + skew} />
    <//>
  </div>`;
}

function Members({ members, stages }: { members: readonly ClusterMember[]; stages: readonly StageSummary[] }) {
  if (members.length === 0) return html`<${Empty}>No members in the group yet.<//>`;
  return html`<table class="grid">
    <thead><tr><th class="w-node">Node</th><th>Inspector</th><th>State</th><th>Stages and partitions</th><th>Reachable</th></tr></thead>
    <tbody>
      ${members.map((member) => html`<tr key=${member.nodeId} data-testid="cluster-member" data-node-id=${member.nodeId} class=${member.self ? 'self' : ''}>
        <td class="mono">${member.nodeId}${member.self ? html` <span class="badge accent">this node</span>` : null}</td>
        <td class="mono">${member.inspect === null ? html`<span class="muted">none</span>` : html`<a href=${`http://${member.inspect}/`}>${member.inspect}</a>`}</td>
        <td>${member.node === null ? html`<span class="muted">–</span>` : html`<${StatePill} state=${member.node.state} />`}</td>
        <td>${(member.stages.length > 0 ? member.stages : stages.map((s) => s.name)).map((stage) => html`<span class="stage-parts" key=${stage}>
          <span class="stage-name">${stage}</span>
          ${(member.assigned[stage] ?? []).length === 0 ? html`<span class="muted">none</span>` : (member.assigned[stage] ?? []).map((p) => html`<span class="part" key=${p}>${p}</span>`)}
        </span>`)}</td>
        <td>${member.error === null ? html`<span class="good">yes</span>` : html`<span class="bad-text" title=${member.error}>no: ${member.error}</span>`}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

function StagePartitions({ stage, partitions, self, now }: { stage: StageSummary; partitions: readonly ClusterPartition[]; self: string; now: number }) {
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  const totalLag = partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
  const extra = html`<span class="muted">topic <span class="mono">${stage.topic}</span> · machine <span class="mono">${stage.machine}</span>${stage.snapshotsTopic === null ? ' · no snapshots' : html` · snapshots <span class="mono">${stage.snapshotsTopic}</span>`} · lag ${count(totalLag)}</span>`;
  return html`<${Panel} title=${`Stage ${stage.name}`} extra=${extra}>
    ${sorted.length === 0 ? html`<${Empty}>No partitions.<//>` : html`<table class="grid fixed">
      <colgroup><col class="c-part" /><col class="c-owner" /><col class="c-state" /><col class="c-num" /><col class="c-num" /><col class="c-num" /><col class="c-num" /><col /></colgroup>
      <thead><tr><th class="num">Partition</th><th>Owner</th><th>State</th><th class="num">Committed</th><th class="num">End</th><th class="num">Lag</th><th class="num">Snapshot</th><th></th></tr></thead>
      <tbody>
        ${sorted.map((p) => {
          const mine = p.owner !== null && p.owner === self;
          const open = (event: MouseEvent): void => {
            if (!mine || (event.target as Element).closest('a') !== null) return;
            location.hash = href.actors({ stage: p.stage, partition: p.partition });
          };
          return html`<tr key=${p.partition} data-testid="cluster-partition" data-stage=${p.stage} data-partition=${p.partition} data-owner=${p.owner ?? ''} class=${mine ? 'clickable' : ''} onClick=${open}>
            <td class="num">${mine ? html`<a href=${href.actors({ stage: p.stage, partition: p.partition })}>${p.partition}</a>` : p.partition}</td>
            <td class="mono">${p.owner ?? html`<span class="muted">unassigned</span>`}${mine ? html` <span class="badge">here</span>` : null}</td>
            <td><${StatePill} state=${p.state} /></td>
            <td class="num">${count(p.committed)}</td>
            <td class="num">${count(p.end)}</td>
            <td class=${`num ${p.lag !== null && p.lag > 0 ? 'warn-text' : ''}`}>${count(p.lag)}</td>
            <td class="num" title=${p.lastSnapshotAt === null ? '' : isoTime(p.lastSnapshotAt)}>${p.lastSnapshotAt === null ? html`<span class="muted">none</span>` : ago(p.lastSnapshotAt, now)}</td>
            <td class="links">
              ${mine ? html`<a href=${href.actors({ stage: p.stage, partition: p.partition })}>actors</a>` : null}
              ${stage.snapshotsTopic === null ? null : html`<a href=${href.history(p.stage, p.partition)}>history</a>`}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`}
  <//>`;
}

function Events({ events, now }: { events: readonly NodeEvent[]; now: number }) {
  if (events.length === 0) return html`<${Empty}>Nothing has happened yet.<//>`;
  return html`<table class="grid events">
    <thead><tr><th class="w-time">Time</th><th class="num w-age">Age</th><th class="w-node">Node</th><th class="w-kind">Kind</th><th>What</th></tr></thead>
    <tbody>
      ${events.map((event, index) => html`<tr key=${`${event.at}-${event.nodeId}-${event.text}-${index}`}>
        <td class="mono" title=${isoTime(event.at)}>${clock(event.at, true)}</td>
        <td class="num muted">${ago(event.at, now)}</td>
        <td class="mono">${event.nodeId}</td>
        <td><span class=${`kind kind-${event.kind}`}>${event.kind}</span></td>
        <td>${event.text}</td>
      </tr>`)}
    </tbody>
  </table>`;
}
