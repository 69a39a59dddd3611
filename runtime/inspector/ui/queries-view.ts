/** The pipeline's registered queries (`/api/views/queries`) with their latest results. */
import type { QueriesView, QueryView } from '../api.ts';
import { html } from './html.ts';
import { useResource, useTick } from './resource.ts';
import { ago, clock, count, isoTime } from './format.ts';
import { JsonTree } from './json-tree.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill } from './parts.ts';
import { useEffect } from 'preact/hooks';

const REFRESH_MS = 3000;

export function QueriesPage() {
  const queries = useResource<QueriesView>('/api/views/queries');
  useEffect(() => {
    const timer = setInterval(queries.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [queries.reload]);
  const now = useTick();
  const data = queries.data;
  if (data === null) return html`<div class="page"><${ErrorLine} error=${queries.error} />${queries.error === null ? html`<${Loading} what="queries" />` : null}</div>`;
  const skew = data.now - Date.now();
  return html`<div class="page">
    <${ErrorLine} error=${queries.error} />
    <${Panel} title="Queries" extra=${html`<span class="muted">${data.queries.length} registered · refreshed every ${REFRESH_MS / 1000} s</span>`}>
      ${data.queries.length === 0 ? html`<${Empty}>No query registered.<//>` : html`<table class="grid queries">
        <thead><tr><th class="w-qid">Id</th><th>NRQL</th><th class="w-time">Created</th><th class="w-age">Expires</th><th class="w-state">State</th><th class="num w-children">Published</th></tr></thead>
        <tbody>${data.queries.map((query) => html`<${QueryRow} key=${query.id} query=${query} now=${now + skew} />`)}</tbody>
      </table>`}
    <//>
  </div>`;
}

function QueryRow({ query, now }: { query: QueryView; now: number }) {
  return html`
    <tr data-testid="query-row" data-query-id=${query.id}>
      <td class="mono">${query.id}</td>
      <td class="nrql mono">${query.nrql}${query.error === null ? null : html`<div class="bad-text">${query.error}</div>`}</td>
      <td class="mono" title=${isoTime(query.createdAt)}>${clock(query.createdAt)}</td>
      <td class="muted" title=${query.expiresAt === null ? 'no TTL' : isoTime(query.expiresAt)}>${query.expiresAt === null ? 'never' : ago(query.expiresAt, now)}</td>
      <td><${StatePill} state=${query.state} /></td>
      <td class="num">${count(query.published)}</td>
    </tr>
    <tr class="results-row"><td></td><td colspan="5">
      ${query.results.length === 0 ? html`<span class="muted">no result published yet</span>` : html`<table class="grid compact results">
        <thead><tr><th class="w-time">Window</th><th>Facet</th><th>Values</th><th class="w-status"></th></tr></thead>
        <tbody>${query.results.map((result, index) => html`<tr key=${`${result.windowStart}-${(result.facet ?? []).join('|')}-${index}`}>
          <td class="mono" title=${`${isoTime(result.windowStart)} – ${isoTime(result.windowEnd)}`}>${clock(result.windowStart)}–${clock(result.windowEnd)}</td>
          <td class="mono">${result.facet === null ? html`<span class="muted">–</span>` : result.facet.join(', ')}</td>
          <td class="values">${Object.entries(result.values).map(([key, value]) => html`<span class="kv" key=${key}><span class="k">${key}</span> <span class="v">${formatValue(value)}</span></span>`)}</td>
          <td>${result.complete ? null : html`<span class="badge warn">incomplete</span>`}</td>
        </tr>`)}</tbody>
      </table>`}
    </td></tr>`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? count(value) : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/** Any other view a node adds: its JSON. */
export function CustomViewPage({ name }: { name: string }) {
  const view = useResource<unknown>(`/api/views/${encodeURIComponent(name)}`);
  return html`<div class="page">
    <${ErrorLine} error=${view.error} />
    <${Panel} title=${name} extra=${html`<button type="button" onClick=${view.reload}>Reload</button>`}>
      ${view.data === null ? (view.error === null ? html`<${Loading} what=${name} />` : html`<${Empty}>Nothing to show.<//>`) : html`<${JsonTree} value=${view.data} />`}
    <//>
  </div>`;
}
