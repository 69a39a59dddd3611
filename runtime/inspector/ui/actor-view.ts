/**
 * One actor: its statechart with the active state(s), a facts grid of its
 * context's top-level primitives, the context as JSON, the messages it
 * handled, its children and parent, live through `{ actor: id }`.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ActorDetail, MachineDefinition, MessageSummary, NodeView } from '../api.ts';
import { actorPath, getJson, machinePath } from './api-client.ts';
import { html } from './html.ts';
import { useLive, useReconnect } from './live.ts';
import { useResource } from './resource.ts';
import { clock, count, isoTime, looksLikeTimestamp } from './format.ts';
import { href } from './route.ts';
import { JsonTree } from './json-tree.ts';
import { StatechartView } from './statechart.ts';
import { Empty, ErrorLine, Loading, Panel, StatePill, stateTone } from './parts.ts';

const machines = new Map<string, Promise<MachineDefinition>>();
function machineDefinition(id: string): Promise<MachineDefinition> {
  let definition = machines.get(id);
  if (definition === undefined) {
    definition = getJson<MachineDefinition>(machinePath(id));
    machines.set(id, definition);
    definition.catch(() => machines.delete(id));
  }
  return definition;
}

export function ActorPage({ id, node }: { id: string; node: NodeView | null }) {
  const actor = useResource<ActorDetail>(actorPath(id));
  const [gone, setGone] = useState(false);
  useEffect(() => setGone(false), [id]);
  useLive({ type: 'watch', actor: id }, (update) => {
    if (update.type === 'actor' && update.actor.id === id) {
      actor.set(update.actor);
      setGone(false);
    } else if (update.type === 'actor.gone' && update.id === id) setGone(true);
  });
  useReconnect(actor.reload);
  const [machine, setMachine] = useState<MachineDefinition | null>(null);
  const [machineError, setMachineError] = useState<string | null>(null);
  const machineId = actor.data?.machine;
  useEffect(() => {
    if (machineId === undefined) return;
    let current = true;
    setMachineError(null);
    machineDefinition(machineId).then(
      (definition) => current && setMachine(definition),
      (failure: Error) => current && setMachineError(`machine ${machineId}: ${failure.message}`),
    );
    return () => { current = false; };
  }, [machineId]);

  const detail = actor.data;
  if (detail === null) return html`<div class="page"><${ErrorLine} error=${actor.error} />${actor.error === null ? html`<${Loading} what=${id} />` : null}</div>`;
  const stage = node?.stages.find((s) => s.name === detail.stage);
  const hasHistory = stage === undefined ? true : stage.snapshotsTopic !== null;
  return html`<div class="page">
    <${ErrorLine} error=${actor.error} />
    ${gone ? html`<div class="notice" role="status" data-testid="actor-gone">${detail.status === 'done' ? 'This actor finished: it reached its final state and its parent removed it. What is shown is its last state.' : 'This actor is gone (it stopped, or its partition moved to another node); what is shown is its last state.'}</div>` : null}
    <div class="actor-head">
      <div class="crumbs mono">${crumbs(detail.id).map((crumb, index, all) => html`<span key=${crumb.id}>${index < all.length - 1 ? html`<a href=${href.actor(crumb.id)}>${crumb.label}</a><span class="sep">/</span>` : html`<strong>${crumb.label}</strong>`}</span>`)}</div>
      <div class="actor-meta">
        <span class="meta"><span class="muted">machine</span> <span class="mono">${detail.machine}</span></span>
        <span class="meta"><span class="muted">state</span> <span data-testid="actor-state" class=${`pill big ${stateTone(detail.state)}`}>${detail.state}</span></span>
        <span class="meta"><span class="muted">status</span> ${detail.status}</span>
        <span class="meta"><span class="muted">partition</span> <a href=${href.actors({ stage: detail.stage, partition: detail.partition })}>${detail.stage}[${detail.partition}]</a></span>
        ${detail.parent === null ? null : html`<span class="meta"><span class="muted">parent</span> <a class="mono" data-testid="actor-parent" href=${href.actor(detail.parent)}>${lastLabel(detail.parent)}</a></span>`}
        ${hasHistory ? html`<span class="meta"><a data-testid="actor-history" href=${href.history(detail.stage, detail.partition)}>partition history</a></span>` : null}
      </div>
    </div>
    <div class="actor-grid">
      <${Panel} title="Statechart" class=${`chart-panel ${gone ? 'stale' : ''}`} extra=${gone ? html`<span class="muted">last known state</span>` : undefined}>
        ${machineError !== null ? html`<${ErrorLine} error=${machineError} />` : machine === null || machine.id !== detail.machine ? html`<${Loading} what="the machine" />` : html`<${StatechartView} machine=${machine} value=${detail.value} />`}
      <//>
      <${Panel} title="Context" class="facts-panel">
        <${Facts} context=${detail.context} />
      <//>
    </div>
    <${Panel} title="Messages" extra=${html`<span class="muted">${detail.recording ? 'recorded while this page watches; newest first' : 'not recording'} · ${detail.messages.length} shown</span>`}>
      <${Messages} messages=${detail.messages} />
    <//>
    <div class="two">
      <${Panel} title="Context JSON"><${JsonTree} value=${detail.context} testid="context-json" /><//>
      <${Panel} title="Children" extra=${detail.children > detail.childList.length ? html`<a href=${href.actors({ parent: detail.id })}>all ${count(detail.children)}</a>` : html`<span class="muted">${count(detail.children)}</span>`}>
        ${detail.childList.length === 0 ? html`<${Empty}>No children.<//>` : html`<table class="grid compact" data-testid="actor-children">
          <tbody>${detail.childList.map((child) => html`<tr key=${child.id}><td><a class="mono" href=${href.actor(child.id)}>${lastLabel(child.id)}</a></td><td class="mono muted">${child.machine}</td><td><${StatePill} state=${child.state} /></td><td class="num muted">${child.children > 0 ? count(child.children) : ''}</td></tr>`)}</tbody>
        </table>`}
      <//>
    </div>
  </div>`;
}

function Facts({ context }: { context: unknown }) {
  const entries = context !== null && typeof context === 'object' && !Array.isArray(context)
    ? Object.entries(context as Record<string, unknown>).filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value))
    : [];
  if (entries.length === 0) return html`<div data-testid="context-facts"><${Empty}>No top-level values.<//></div>`;
  return html`<dl class="facts" data-testid="context-facts">
    ${entries.map(([key, value]) => {
      const time = looksLikeTimestamp(key, value);
      return html`<div class="fact" key=${key}>
        <dt>${key}</dt>
        <dd data-fact=${key} data-value=${String(value)} title=${time ? isoTime(value as number) : String(value)} class=${typeof value === 'number' ? 'num' : typeof value === 'string' ? 'mono' : ''}>${time ? clock(value as number, true) : value === null ? 'null' : String(value)}</dd>
      </div>`;
    })}
  </dl>`;
}

function Messages({ messages }: { messages: readonly MessageSummary[] }) {
  if (messages.length === 0) return html`<${Empty}>No message handled since this page opened.<//>`;
  const newestFirst = [...messages].reverse();
  return html`<div class="scroll"><table class="grid messages">
    <thead><tr><th class="w-time">Time</th><th class="w-type">Type</th><th>Summary</th><th class="w-handled">Handled</th><th class="w-state-wide">State after</th></tr></thead>
    <tbody>
      ${newestFirst.map((message, index) => html`<tr key=${`${message.at}-${message.type}-${messages.length - index}`} data-testid="message-row" class=${message.handled ? '' : 'unhandled'}>
        <td class="mono" title=${isoTime(message.at)}>${clock(message.at, true)}</td>
        <td class="mono">${message.type}</td>
        <td class="summary">${Object.entries(message.summary).map(([key, value]) => html`<span class="kv" key=${key}><span class="k">${key}</span> <span class="v">${formatSummary(key, value)}</span></span>`)}</td>
        <td>${message.handled ? html`<span class="good">yes</span>` : html`<span class="bad-text">unhandled</span>`}</td>
        <td><${StatePill} state=${message.state} /></td>
      </tr>`)}
    </tbody>
  </table></div>`;
}

function formatSummary(key: string, value: string | number | boolean | null): string {
  if (looksLikeTimestamp(key, value)) return clock(value, true);
  return value === null ? 'null' : String(value);
}

function crumbs(id: string): { id: string; label: string }[] {
  const segments = id.split('/');
  const result: { id: string; label: string }[] = [];
  for (let i = 2; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('/');
    result.push({ id: prefix, label: i === 2 ? prefix : decode(segments[i - 1]!) });
  }
  return result.length === 0 ? [{ id, label: id }] : result;
}

function lastLabel(id: string): string {
  const all = crumbs(id);
  return all[all.length - 1]!.label;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
