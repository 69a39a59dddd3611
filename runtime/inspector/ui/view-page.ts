/**
 * A view a node adds (`/api/views/:name`, the pipeline's `queries` among
 * them), drawn from its columns and rows without knowing what it is about,
 * and read again every few seconds.
 */
import { useEffect } from 'preact/hooks';
import type { ViewColumn, ViewContent, ViewTable } from '../api.ts';
import { html } from './html.ts';
import { useResource, useTick } from './resource.ts';
import { ago, clock, count, isoTime } from './format.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill } from './parts.ts';

const REFRESH_MS = 3000;

export function ViewPage({ name }: { name: string }) {
  const view = useResource<ViewContent>(`/api/views/${encodeURIComponent(name)}`);
  useEffect(() => {
    const timer = setInterval(view.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [view.reload]);
  const now = useTick();
  const data = view.data;
  if (data === null) return html`<div class="page"><${ErrorLine} error=${view.error} />${view.error === null ? html`<${Loading} what=${name} />` : null}</div>`;
  const skew = data.now - Date.now();
  return html`<div class="page" data-testid="view" data-view=${name}>
    <${ErrorLine} error=${view.error} />
    <${Panel} title=${data.title} extra=${html`<span class="muted">${data.summary ?? `${data.rows.length} rows`} · read every ${REFRESH_MS / 1000} s</span>`}>
      <${Table} table=${data} now=${now + skew} top=${true} />
    <//>
  </div>`;
}

function Table({ table, now, top }: { table: ViewTable; now: number; top: boolean }) {
  if (table.rows.length === 0) return top ? html`<${Empty}>${table.empty ?? 'Nothing to show.'}<//>` : html`<span class="muted">${table.empty ?? 'none'}</span>`;
  const span = table.columns.length;
  return html`<table class=${top ? 'grid view-table' : 'grid compact'}>
    <thead><tr>${table.columns.map((column) => html`<th key=${column.key} class=${column.numeric ? 'num' : ''}>${column.title}</th>`)}</tr></thead>
    <tbody>${table.rows.map(
      (row) => html`
        <tr key=${row.id} data-testid=${top ? 'view-row' : 'view-detail-row'} data-row-id=${row.id}>
          ${table.columns.map((column) => html`<td key=${column.key} class=${cellClass(column)}>${cell(column, row.cells[column.key], now)}${noteOf(column, row.cells)}</td>`)}
        </tr>
        ${row.detail === undefined ? null : html`<tr class="detail-row" key=${`${row.id}/detail`}><td colspan=${span}><${Table} table=${row.detail} now=${now} top=${false} /></td></tr>`}`,
    )}</tbody>
  </table>`;
}

function cellClass(column: ViewColumn): string {
  return [column.numeric ? 'num' : '', column.format === 'code' ? 'mono code-cell' : '', column.format === 'time' ? 'mono' : ''].join(' ').trim();
}

function noteOf(column: ViewColumn, cells: Readonly<Record<string, unknown>>) {
  if (column.note === undefined) return null;
  const note = cells[column.note];
  return note === null || note === undefined ? null : html`<div class="bad-text">${String(note)}</div>`;
}

function cell(column: ViewColumn, value: unknown, now: number) {
  if (value === undefined) return html`<span class="muted">–</span>`;
  switch (column.format ?? 'text') {
    case 'number':
      return typeof value === 'number' ? count(value) : String(value);
    case 'time':
      return typeof value === 'number' ? html`<span title=${isoTime(value)}>${clock(value)}</span>` : html`<span class="muted">–</span>`;
    case 'relative':
      return typeof value === 'number' ? html`<span class="muted" title=${isoTime(value)}>${ago(value, now)}</span>` : html`<span class="muted">never</span>`;
    case 'state':
      return typeof value === 'string' ? html`<${StatePill} state=${value} />` : null;
    case 'values':
      return value !== null && typeof value === 'object'
        ? html`<span class="values">${Object.entries(value as Record<string, unknown>).map(([key, v]) => html`<span class="kv" key=${key}><span class="k">${key}</span> <span class="v">${formatValue(v)}</span></span>`)}</span>`
        : String(value);
    case 'list':
      return Array.isArray(value) ? value.map(String).join(', ') : html`<span class="muted">–</span>`;
    default:
      return value === null ? html`<span class="muted">–</span>` : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? count(value) : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}
