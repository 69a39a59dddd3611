/** The page: the top bar (node, group, transport, live status, tabs) and the routed view. */
import { useEffect, useState } from 'preact/hooks';
import type { NodeView, ViewList } from '../api.ts';
import { getJson } from './api-client.ts';
import { html } from './html.ts';
import { useConnected, useReconnect } from './live.ts';
import { href, useRoute, type Route } from './route.ts';
import { ClusterPage } from './cluster-view.ts';
import { ActorsPage } from './actors-view.ts';
import { ActorPage } from './actor-view.ts';
import { HistoryPage, SnapshotPage } from './history-view.ts';
import { ViewPage } from './view-page.ts';
import { ErrorLine } from './parts.ts';

export function App() {
  const route = useRoute();
  const connected = useConnected();
  const [node, setNode] = useState<NodeView | null>(null);
  const [views, setViews] = useState<ViewList>({ views: [] });
  const [error, setError] = useState<string | null>(null);
  const readNode = (): void => {
    getJson<NodeView>('/api/node').then((answer) => { setNode(answer); setError(null); }, (failure: Error) => setError(failure.message));
    getJson<ViewList>('/api/views').then(setViews, (failure: Error) => setError(failure.message));
  };
  useEffect(readNode, []);
  useReconnect(readNode);
  useEffect(() => {
    document.title = `${titleOf(route)} · ${node?.nodeId ?? 'eventide'} · eventide inspector`;
  }, [route, node?.nodeId]);

  const tab = route.view === 'actor' || route.view === 'actors' ? 'actors' : route.view === 'history' || route.view === 'snapshot' ? 'cluster' : route.view === 'custom' ? `view:${route.name}` : route.view;
  return html`<div class="app">
    <header class="topbar">
      <a class="brand" href=${href.cluster()}><span class="logo" aria-hidden="true"></span>eventide inspector</a>
      <nav class="tabs">
        <a href=${href.cluster()} class=${tab === 'cluster' ? 'on' : ''}>Cluster</a>
        <a href=${href.actors()} class=${tab === 'actors' ? 'on' : ''}>Actors</a>
        ${views.views.map((view) => html`<a key=${view.name} href=${href.view(view.name)} class=${tab === `view:${view.name}` ? 'on' : ''}>${view.title}</a>`)}
      </nav>
      <span class="spacer"></span>
      <dl class="node-facts">
        <div><dt>node</dt><dd class="mono" data-testid="node-id">${node?.nodeId ?? '…'}</dd></div>
        <div><dt>group</dt><dd class="mono">${node?.group ?? '…'}</dd></div>
        <div><dt>transport</dt><dd class="mono">${node?.transport ?? '…'}</dd></div>
      </dl>
      <span class=${`live ${connected ? 'up' : 'down'}`} data-testid="live-status" data-connected=${connected ? 'true' : 'false'} title=${connected ? 'live updates connected' : 'live updates disconnected; reconnecting'}>
        <span class="dot"></span>${connected ? 'live' : 'disconnected'}
      </span>
    </header>
    ${error === null ? null : html`<div class="page-top"><${ErrorLine} error=${error} /></div>`}
    <main>${page(route, node)}</main>
  </div>`;
}

function page(route: Route, node: NodeView | null) {
  switch (route.view) {
    case 'cluster': return html`<${ClusterPage} />`;
    case 'actors': return html`<${ActorsPage} query=${route.query} />`;
    case 'actor': return html`<${ActorPage} key=${route.id} id=${route.id} node=${node} />`;
    case 'history': return html`<${HistoryPage} key=${`${route.stage}/${route.partition}`} stage=${route.stage} partition=${route.partition} />`;
    case 'snapshot': return html`<${SnapshotPage} key=${`${route.stage}/${route.partition}/${route.seq}`} stage=${route.stage} partition=${route.partition} seq=${route.seq} />`;
    case 'custom': return html`<${ViewPage} key=${route.name} name=${route.name} />`;
    case 'unknown': return html`<div class="page"><${ErrorLine} error=${`no view at ${route.hash}`} /><a href=${href.cluster()}>Go to the cluster</a></div>`;
  }
}

function titleOf(route: Route): string {
  switch (route.view) {
    case 'actor': return route.id;
    case 'history': return `history ${route.stage}[${route.partition}]`;
    case 'snapshot': return `snapshot ${route.seq} ${route.stage}[${route.partition}]`;
    case 'custom': return route.name;
    case 'unknown': return 'not found';
    default: return route.view;
  }
}
