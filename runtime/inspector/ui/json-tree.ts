/**
 * JSON as a collapsible tree: open to depth 2, deeper objects and long
 * arrays ("[1200 items]") closed until clicked; an open array shows 200
 * items at a time, so a huge context never renders whole.
 */
import { useState } from 'preact/hooks';
import { html } from './html.ts';

const OPEN_DEPTH = 2;
const LONG_ARRAY = 20;
const SHOWN = 200;

export function JsonTree({ value, testid }: { value: unknown; testid?: string }) {
  return html`<div class="json" data-testid=${testid}><${JsonNode} value=${value} depth=${0} name=${null} /></div>`;
}

function JsonNode({ value, depth, name }: { value: unknown; depth: number; name: string | null }) {
  const container = value !== null && typeof value === 'object';
  const size = container ? (Array.isArray(value) ? value.length : Object.keys(value as object).length) : 0;
  const [open, setOpen] = useState(container && depth < OPEN_DEPTH && !(Array.isArray(value) && value.length > LONG_ARRAY));
  const [shown, setShown] = useState(SHOWN);
  const label = name === null ? null : html`<span class="json-key">${name}</span><span class="json-colon">: </span>`;
  if (!container) return html`<div class="json-line">${label}<${Scalar} value=${value} /></div>`;
  const isArray = Array.isArray(value);
  const summary = isArray ? `[${size} ${size === 1 ? 'item' : 'items'}]` : `{${size} ${size === 1 ? 'key' : 'keys'}}`;
  if (size === 0) return html`<div class="json-line">${label}<span class="json-punct">${isArray ? '[]' : '{}'}</span></div>`;
  const entries: [string, unknown][] = isArray ? (value as unknown[]).slice(0, shown).map((item, index) => [String(index), item]) : Object.entries(value as Record<string, unknown>).slice(0, shown);
  return html`<div class="json-node">
    <div class="json-line">
      <button type="button" class="json-toggle" aria-expanded=${open ? 'true' : 'false'} onClick=${() => setOpen(!open)}>${open ? '▾' : '▸'}</button>
      ${label}<span class="json-summary" onClick=${() => setOpen(!open)}>${summary}</span>
    </div>
    ${open ? html`<div class="json-children">
      ${entries.map(([key, item]) => html`<${JsonNode} key=${key} value=${item} depth=${depth + 1} name=${key} />`)}
      ${size > shown ? html`<button type="button" class="link-button" onClick=${() => setShown(shown + SHOWN)}>show ${Math.min(SHOWN, size - shown)} more of ${size - shown}</button>` : null}
    </div>` : null}
  </div>`;
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return html`<span class="json-null">null</span>`;
  if (typeof value === 'string') return html`<span class="json-string">${JSON.stringify(value.length > 500 ? `${value.slice(0, 500)}…` : value)}</span>`;
  if (typeof value === 'number') return html`<span class="json-number">${String(value)}</span>`;
  if (typeof value === 'boolean') return html`<span class="json-bool">${String(value)}</span>`;
  return html`<span class="json-null">${String(value)}</span>`;
}
