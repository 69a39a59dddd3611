/**
 * The actor tree of this node: partition roots that expand into their
 * children (100 a page), counts per machine and state as chips that filter,
 * and a flat, paged list when a filter is set. It never renders more than
 * one page per list, so 100,000 windows stay usable. The top list is live
 * (`{ actors: <query> }`); expanded children refresh every two seconds.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActorList, ActorSummary } from '../api.ts';
import { html } from './html.ts';
import { useLive, useReconnect } from './live.ts';
import { useResource } from './resource.ts';
import { clock, count, looksLikeTimestamp } from './format.ts';
import { href } from './route.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill } from './parts.ts';

const PAGE = 100;
const CHILD_REFRESH_MS = 2000;
const FILTERS = ['q', 'machine', 'state'] as const;

export function ActorsPage({ query }: { query: URLSearchParams }) {
  const params = (key: string): string => query.get(key) ?? '';
  const filtered = FILTERS.some((key) => params(key) !== '');
  const listQuery = buildQuery({
    stage: params('stage'), partition: params('partition'), parent: params('parent'),
    machine: params('machine'), state: params('state'), q: params('q'), offset: params('offset'), limit: String(PAGE),
  });
  const list = useResource<ActorList>(`/api/actors?${listQuery}`);
  useLive({ type: 'watch', actors: listQuery }, (update) => {
    if (update.type === 'actors' && update.query === listQuery) list.set(update.list);
  });
  useReconnect(list.reload);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const scope = `${params('stage')}|${params('partition')}|${params('parent')}`;
  useEffect(() => setExpanded(new Set()), [scope]);
  // A partition opened from the cluster view shows its root's children at once.
  const single = list.data !== null && list.data.total === 1 && !filtered && params('partition') !== '' ? list.data.actors[0] : undefined;
  useEffect(() => {
    if (single !== undefined && single.children > 0) setExpanded((set) => new Set(set).add(single.id));
  }, [single?.id]);
  const toggle = (id: string): void => setExpanded((set) => {
    const next = new Set(set);
    if (!next.delete(id)) next.add(id);
    return next;
  });
  const go = (changes: Readonly<Record<string, string | undefined>>): void => {
    const next: Record<string, string | undefined> = {};
    for (const key of ['stage', 'partition', 'parent', ...FILTERS, 'offset']) next[key] = params(key);
    Object.assign(next, changes);
    location.hash = href.actors(next);
  };

  const data = list.data;
  return html`<div class="page">
    <${Filters} query=${query} go=${go} />
    <${ErrorLine} error=${list.error} />
    ${data === null ? (list.error === null ? html`<${Loading} what="actors" />` : null) : html`
      <${Counts} counts=${data.counts} machine=${params('machine')} state=${params('state')} go=${go} />
      <${Panel} title=${filtered ? 'Matching actors' : params('parent') !== '' ? 'Children' : 'Actors'} extra=${html`<${Pager} list=${data} onPage=${(offset: number) => go({ offset: String(offset) })} />`}>
        ${data.actors.length === 0 ? html`<${Empty}>No actor matches.<//>` : html`<table class="grid tree">
          <thead><tr><th>Actor</th><th class="w-machine">Machine</th><th class="w-state-wide">State</th><th class="w-status">Status</th><th class="num w-children">Children</th></tr></thead>
          <tbody>
            ${data.actors.map((actor) => html`<${TreeRow} key=${actor.id} actor=${actor} depth=${0} flat=${filtered} expanded=${expanded} toggle=${toggle} />`)}
          </tbody>
        </table>`}
      <//>`}
  </div>`;
}

function buildQuery(values: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== '' && !(key === 'offset' && value === '0')) params.set(key, value);
  return params.toString();
}

function Filters({ query, go }: { query: URLSearchParams; go: (changes: Readonly<Record<string, string | undefined>>) => void }) {
  const [text, setText] = useState({ q: query.get('q') ?? '', machine: query.get('machine') ?? '', state: query.get('state') ?? '' });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const key = `${query.get('q') ?? ''}|${query.get('machine') ?? ''}|${query.get('state') ?? ''}`;
  useEffect(() => setText({ q: query.get('q') ?? '', machine: query.get('machine') ?? '', state: query.get('state') ?? '' }), [key]);
  const edit = (field: 'q' | 'machine' | 'state', value: string): void => {
    const next = { ...text, [field]: value };
    setText(next);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => go({ ...next, offset: undefined }), 300);
  };
  const scope = [query.get('stage') && `stage ${query.get('stage')}`, query.get('partition') && `partition ${query.get('partition')}`, query.get('parent') && `under ${query.get('parent')}`].filter(Boolean).join(' · ');
  const any = text.q !== '' || text.machine !== '' || text.state !== '';
  return html`<div class="filters">
    <label>Id contains <input type="search" data-testid="filter-q" value=${text.q} onInput=${(e: Event) => edit('q', (e.target as HTMLInputElement).value)} placeholder="any id" /></label>
    <label>Machine <input type="search" data-testid="filter-machine" value=${text.machine} onInput=${(e: Event) => edit('machine', (e.target as HTMLInputElement).value)} placeholder="any machine" /></label>
    <label>State <input type="search" data-testid="filter-state" value=${text.state} onInput=${(e: Event) => edit('state', (e.target as HTMLInputElement).value)} placeholder="any state" /></label>
    ${any ? html`<button type="button" onClick=${() => go({ q: undefined, machine: undefined, state: undefined, offset: undefined })}>Clear filters</button>` : null}
    <span class="scope muted">${scope === '' ? 'all partitions of this node' : scope}${scope === '' ? null : html` · <a href=${href.actors()}>all</a>`}</span>
  </div>`;
}

function Counts({ counts, machine, state, go }: { counts: ActorList['counts']; machine: string; state: string; go: (changes: Readonly<Record<string, string | undefined>>) => void }) {
  const machines = Object.keys(counts).sort();
  if (machines.length === 0) return null;
  return html`<div class="counts">
    ${machines.map((m) => html`<div class="count-group" key=${m}>
      <span class="count-machine mono">${m}</span>
      ${Object.entries(counts[m] ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => {
        const on = machine === m && state === s;
        return html`<button type="button" key=${s} class=${`chip ${on ? 'on' : ''}`} data-testid="count-chip" data-machine=${m} data-state=${s}
          onClick=${() => go(on ? { machine: undefined, state: undefined, offset: undefined } : { machine: m, state: s, offset: undefined })}>
          <span>${s}</span><span class="chip-n">${count(n)}</span>
        </button>`;
      })}
    </div>`)}
  </div>`;
}

function Pager({ list, onPage }: { list: ActorList; onPage: (offset: number) => void }) {
  const first = list.total === 0 ? 0 : list.offset + 1;
  const last = Math.min(list.offset + list.actors.length, list.total);
  const limit = list.limit > 0 ? list.limit : PAGE;
  return html`<span class="pager">
    <span class="muted">${count(first)}–${count(last)} of ${count(list.total)}</span>
    <button type="button" data-testid="page-previous" disabled=${list.offset <= 0} onClick=${() => onPage(Math.max(0, list.offset - limit))}>previous</button>
    <button type="button" data-testid="page-next" disabled=${last >= list.total} onClick=${() => onPage(list.offset + limit)}>next page</button>
  </span>`;
}

interface RowProps {
  readonly actor: ActorSummary;
  readonly depth: number;
  readonly flat: boolean;
  readonly expanded: ReadonlySet<string>;
  readonly toggle: (id: string) => void;
}

function TreeRow({ actor, depth, flat, expanded, toggle }: RowProps) {
  const open = expanded.has(actor.id);
  const label = flat ? actor.id : lastSegment(actor.id);
  return html`
    <tr data-testid="actor-row" data-actor-id=${actor.id} data-machine=${actor.machine} data-state=${actor.state}>
      <td class="tree-cell" style=${`padding-left:${8 + depth * 18}px`}><div>
        ${!flat && actor.children > 0
          ? html`<button type="button" class="expand" data-testid="actor-expand" aria-expanded=${open ? 'true' : 'false'} title=${open ? 'collapse' : 'expand'} onClick=${() => toggle(actor.id)}>${open ? '▾' : '▸'}</button>`
          : html`<span class="expand-space"></span>`}
        <a class="mono" data-testid="actor-open" href=${href.actor(actor.id)} title=${actor.id}>${label}</a>
        ${timeHint(label)}
      </div></td>
      <td class="mono">${actor.machine}</td>
      <td><${StatePill} state=${actor.state} /></td>
      <td class="muted">${actor.status}</td>
      <td class="num">${actor.children > 0 ? count(actor.children) : html`<span class="muted">–</span>`}</td>
    </tr>
    ${open ? html`<${ChildRows} parent=${actor} depth=${depth + 1} expanded=${expanded} toggle=${toggle} />` : null}`;
}

function ChildRows({ parent, depth, expanded, toggle }: { parent: ActorSummary; depth: number; expanded: ReadonlySet<string>; toggle: (id: string) => void }) {
  const [offset, setOffset] = useState(0);
  const children = useResource<ActorList>(`/api/actors?${buildQuery({ parent: parent.id, offset: String(offset), limit: String(PAGE) })}`);
  useEffect(() => {
    const timer = setInterval(children.reload, CHILD_REFRESH_MS);
    return () => clearInterval(timer);
  }, [children.reload]);
  const pad = `padding-left:${8 + depth * 18}px`;
  const data = children.data;
  if (data === null) return html`<tr class="sub"><td colspan="5" style=${pad}>${children.error === null ? html`<span class="muted">loading children…</span>` : html`<span class="bad-text">${children.error}</span>`}</td></tr>`;
  const pager = data.total > data.limit || offset > 0;
  return html`
    ${children.error === null ? null : html`<tr class="sub"><td colspan="5" style=${pad}><span class="bad-text">${children.error}</span></td></tr>`}
    ${data.actors.map((actor) => html`<${TreeRow} key=${actor.id} actor=${actor} depth=${depth} flat=${false} expanded=${expanded} toggle=${toggle} />`)}
    ${pager ? html`<tr class="sub"><td colspan="5" style=${pad}><${Pager} list=${data} onPage=${setOffset} /> <a href=${href.actors({ parent: parent.id })}>list them all</a></td></tr>` : null}`;
}

/** Ids that carry an epoch-ms time (a window's start) get it written out beside them. */
function timeHint(label: string) {
  const match = /(?:^|\D)(\d{13})(?:\D|$)/.exec(label);
  if (match === null) return null;
  const at = Number(match[1]);
  return looksLikeTimestamp('at', at) ? html`<span class="muted time-hint">${clock(at)}</span>` : null;
}

function lastSegment(id: string): string {
  const segments = id.split('/');
  const last = segments[segments.length - 1] ?? id;
  if (segments.length <= 2) return id;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
