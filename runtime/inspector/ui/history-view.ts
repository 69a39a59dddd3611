/**
 * A partition's history as its snapshots topic holds it: the snapshots
 * (newest first), the publish markers, what was ignored; and one snapshot's
 * actor tree with the markers a restore from it applies.
 */
import { useState } from 'preact/hooks';
import type { HistoricActor, HistoricSnapshot, MarkerEntry, PartitionHistory } from '../api.ts';
import { historyPath } from './api-client.ts';
import { html } from './html.ts';
import { useResource, useTick } from './resource.ts';
import { ago, clock, count, isoTime, kilobytes } from './format.ts';
import { href } from './route.ts';
import { JsonTree } from './json-tree.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill } from './parts.ts';

export function HistoryPage({ stage, partition }: { stage: string; partition: number }) {
  const history = useResource<PartitionHistory>(historyPath(stage, partition));
  const now = useTick();
  const data = history.data;
  const refresh = html`<button type="button" onClick=${history.reload} disabled=${history.loading}>${history.loading ? 'Reading…' : 'Read again'}</button>`;
  if (data === null) return html`<div class="page"><${ErrorLine} error=${history.error} />${history.error === null ? html`<${Loading} what="the snapshots topic" />` : null}</div>`;
  const skew = data.now - Date.now();
  const snapshots = [...data.snapshots].reverse();
  const markers = [...data.markers].reverse();
  return html`<div class="page">
    <div class="page-head">
      <h1>History of <span class="mono">${stage}[${partition}]</span></h1>
      <span class="muted">topic <span class="mono">${data.topic}</span> · offsets ${count(data.startOffset)}–${count(data.endOffset)} · read ${clock(data.now)}</span>
      <span class="spacer"></span>
      <a href=${href.actors({ stage, partition })}>live actors</a>
      ${refresh}
    </div>
    <${ErrorLine} error=${history.error} />
    <div class="stats">
      <div class="stat"><span class="stat-n">${count(data.snapshots.length)}</span><span class="stat-l">snapshots</span></div>
      <div class="stat"><span class="stat-n">${count(data.markers.length)}</span><span class="stat-l">markers</span></div>
      <div class=${`stat ${data.ignored.incomplete > 0 ? 'warn' : ''}`}><span class="stat-n">${count(data.ignored.incomplete)}</span><span class="stat-l">incomplete</span></div>
      <div class=${`stat ${data.ignored.corrupt > 0 ? 'bad' : ''}`}><span class="stat-n">${count(data.ignored.corrupt)}</span><span class="stat-l">corrupt</span></div>
      <div class=${`stat ${data.problems.length > 0 ? 'bad' : ''}`}><span class="stat-n">${count(data.problems.length)}</span><span class="stat-l">problems</span></div>
    </div>
    <${Panel} title="Snapshots" extra=${html`<span class="muted">newest first; click one to see its actors</span>`}>
      ${snapshots.length === 0 ? html`<${Empty}>No complete snapshot on the topic.<//>` : html`<table class="grid">
        <thead><tr><th class="num">Seq</th><th class="num">Offset</th><th class="num">Next input</th><th>Taken at</th><th class="num">Age</th><th class="num">Size KB</th><th class="num">Chunks</th><th>Writer</th><th class="num">Generation</th><th class="num">Markers after</th></tr></thead>
        <tbody>${snapshots.map((s) => html`<tr key=${s.seq} data-testid="history-snapshot" data-seq=${s.seq} class="clickable" onClick=${(event: MouseEvent) => { if ((event.target as Element).closest('a') === null) location.hash = href.snapshot(stage, partition, s.seq); }}>
          <td class="num"><a href=${href.snapshot(stage, partition, s.seq)}>${s.seq}</a></td>
          <td class="num">${count(s.offset)}</td>
          <td class="num">${count(s.nextOffset)}</td>
          <td class="mono" title=${isoTime(s.takenAt)}>${clock(s.takenAt, true)}</td>
          <td class="num muted">${ago(s.takenAt, now + skew)}</td>
          <td class="num">${kilobytes(s.bytes)}</td>
          <td class="num">${s.chunks}</td>
          <td class="mono">${s.nodeId}</td>
          <td class="num">${s.generation}</td>
          <td class="num">${s.markersAfter > 0 ? html`<span class="badge accent">${s.markersAfter}</span>` : html`<span class="muted">0</span>`}</td>
        </tr>`)}</tbody>
      </table>`}
    <//>
    <div class="two">
      <${Panel} title="Publish markers" extra=${html`<span class="muted">newest first</span>`}><${Markers} markers=${markers} /><//>
      <${Panel} title="Problems">
        ${data.problems.length === 0 ? html`<${Empty}>Every record read.<//>` : html`<table class="grid compact"><thead><tr><th class="num">Offset</th><th>Error</th></tr></thead>
          <tbody>${data.problems.map((p) => html`<tr key=${p.offset}><td class="num">${count(p.offset)}</td><td class="bad-text">${p.error}</td></tr>`)}</tbody></table>`}
      <//>
    </div>
  </div>`;
}

function Markers({ markers }: { markers: readonly MarkerEntry[] }) {
  if (markers.length === 0) return html`<${Empty}>No publish markers.<//>`;
  return html`<table class="grid compact" data-testid="history-markers">
    <thead><tr><th class="num">Offset</th><th>Key</th><th class="num">Input offset</th><th class="num">After seq</th></tr></thead>
    <tbody>${markers.map((m) => html`<tr key=${m.offset}><td class="num">${count(m.offset)}</td><td class="mono">${m.key}</td><td class="num">${count(m.inputOffset)}</td><td class="num">${m.afterSeq ?? html`<span class="muted">none</span>`}</td></tr>`)}</tbody>
  </table>`;
}

export function SnapshotPage({ stage, partition, seq }: { stage: string; partition: number; seq: number }) {
  const snapshot = useResource<HistoricSnapshot>(historyPath(stage, partition, seq));
  const [selected, setSelected] = useState<HistoricActor | null>(null);
  const now = useTick();
  const data = snapshot.data;
  if (data === null) return html`<div class="page"><${ErrorLine} error=${snapshot.error} />${snapshot.error === null ? html`<${Loading} what=${`snapshot ${seq}`} />` : null}</div>`;
  const s = data.snapshot;
  const shown = selected ?? data.root;
  return html`<div class="page">
    <div class="page-head">
      <h1>Snapshot ${s.seq} of <span class="mono">${stage}[${partition}]</span></h1>
      <span class="muted">taken ${clock(s.takenAt, true)} (${ago(s.takenAt, now)}) by <span class="mono">${s.nodeId}</span>, generation ${s.generation} · ${kilobytes(s.bytes)} KB in ${s.chunks} ${s.chunks === 1 ? 'chunk' : 'chunks'} · resumes input at ${count(s.nextOffset)}</span>
      <span class="spacer"></span>
      <a href=${href.history(stage, partition)}>all snapshots</a>
    </div>
    <${ErrorLine} error=${snapshot.error} />
    <div class="snapshot-grid">
      <${Panel} title="Actors as the snapshot holds them" extra=${html`<span class="muted">click an actor for its context</span>`}>
        <div class="htree" data-testid="history-tree"><${HistoricNode} actor=${data.root} depth=${0} selected=${shown} select=${setSelected} /></div>
      <//>
      <div class="side">
        <${Panel} title=${`Context of ${shown.id}`} extra=${html`<${StatePill} state=${shown.state} />`}>
          <${JsonTree} key=${shown.id} value=${shown.context} testid="history-context" />
        <//>
        <${Panel} title="Markers a restore applies" extra=${html`<span class="muted">${data.markers.length}</span>`}>
          <${Markers} markers=${data.markers} />
        <//>
      </div>
    </div>
  </div>`;
}

function HistoricNode({ actor, depth, selected, select }: { actor: HistoricActor; depth: number; selected: HistoricActor | null; select: (actor: HistoricActor) => void }) {
  const [open, setOpen] = useState(depth === 0 || (depth < 3 && actor.children.length <= 10));
  const [shown, setShown] = useState(100);
  const label = depth === 0 ? actor.id : lastSegment(actor.id);
  return html`<div class="hnode">
    <div class=${`hrow ${selected?.id === actor.id ? 'selected' : ''}`} data-actor-id=${actor.id} data-machine=${actor.machine} data-state=${actor.state} style=${`padding-left:${depth * 18}px`}>
      ${actor.children.length > 0 ? html`<button type="button" class="expand" aria-expanded=${open ? 'true' : 'false'} onClick=${() => setOpen(!open)}>${open ? '▾' : '▸'}</button>` : html`<span class="expand-space"></span>`}
      <button type="button" class="link-button mono" onClick=${() => select(actor)}>${label}</button>
      <span class="mono muted">${actor.machine}</span>
      <${StatePill} state=${actor.state} />
      ${actor.children.length > 0 ? html`<span class="child-states muted">${count(actor.childCount)} ${actor.childCount === 1 ? 'child' : 'children'}${actor.childCount > actor.children.length ? ` (the first ${count(actor.children.length)} read)` : ''}:${statesOf(actor.children).map(([state, n]) => html` <span key=${state}>${count(n)} ${state}</span>`)}</span>` : null}
    </div>
    ${open ? html`${actor.children.slice(0, shown).map((child) => html`<${HistoricNode} key=${child.id} actor=${child} depth=${depth + 1} selected=${selected} select=${select} />`)}
      ${actor.children.length > shown ? html`<div style=${`padding-left:${(depth + 1) * 18 + 22}px`}><button type="button" class="link-button" onClick=${() => setShown(shown + 100)}>show 100 more of ${count(actor.children.length - shown)}</button></div>` : null}` : null}
  </div>`;
}

function statesOf(actors: readonly HistoricActor[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const actor of actors) counts.set(actor.state, (counts.get(actor.state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function lastSegment(id: string): string {
  const last = id.split('/').pop() ?? id;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
