/**
 * A machine's statechart as SVG: rounded state boxes (compound states hold
 * their children), the initial marker, final states with a double border,
 * edges labelled by event, and the active states highlighted. The layout is
 * computed once per machine; only `data-active` changes as the actor moves,
 * so live updates never redraw the chart.
 */
import { useEffect, useState } from 'preact/hooks';
import type { MachineDefinition } from '../api.ts';
import { html } from './html.ts';
import { activeStateIds, layoutMachine, type Statechart } from './statechart-layout.ts';
import { ErrorLine, Loading } from './parts.ts';

/** Drawn a little larger than laid out: the chart is the page's centre. */
const SCALE = 1.15;

export function StatechartView({ machine, value }: { machine: MachineDefinition; value: unknown }) {
  const [chart, setChart] = useState<Statechart | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setChart(null);
    layoutMachine(machine).then(
      (laid) => current && setChart(laid),
      (failure: Error) => current && setError(`could not lay out ${machine.id}: ${failure.message}`),
    );
    return () => { current = false; };
  }, [machine.id]);
  if (error !== null) return html`<${ErrorLine} error=${error} />`;
  if (chart === null) return html`<${Loading} what="the statechart" />`;
  const active = activeStateIds(machine.root, value);
  const activeEdges = (source: string): boolean => active.has(source);
  return html`<div class="chart-wrap">
    <svg data-testid="statechart" data-machine=${machine.id} class="statechart" viewBox=${`0 0 ${chart.width} ${chart.height}`} width=${Math.round(chart.width * SCALE)} height=${Math.round(chart.height * SCALE)} role="img" aria-label=${`statechart of ${machine.id}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L9,5 L0,9 z" class="arrowhead" /></marker>
        <marker id="arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L9,5 L0,9 z" class="arrowhead hot" /></marker>
      </defs>
      ${chart.states.map((state) => {
        const isActive = active.has(state.id);
        const compound = state.type === 'compound' || state.type === 'parallel';
        return html`<g key=${state.id} class=${`state ${compound ? 'compound' : 'atomic'} ${state.type === 'final' ? 'final' : ''}`} data-state-id=${state.id} data-active=${isActive ? 'true' : 'false'}>
          <title>${state.id}${state.stays.length > 0 ? `\nhandles without leaving: ${state.stays.join(', ')}` : ''}</title>
          <rect x=${state.x} y=${state.y} width=${state.width} height=${state.height} rx=${compound ? 8 : 6} class="box" />
          ${state.type === 'final' ? html`<rect x=${state.x + 3} y=${state.y + 3} width=${state.width - 6} height=${state.height - 6} rx="4" class="inner" />` : null}
          ${compound
            ? html`<text x=${state.x + 10} y=${state.y + 17} class="label compound-label">${state.key}</text><line x1=${state.x} x2=${state.x + state.width} y1=${state.y + 26} y2=${state.y + 26} class="divider" />`
            : html`<text x=${state.x + state.width / 2} y=${state.y + state.height / 2} class="label" text-anchor="middle" dominant-baseline="central">${state.key}</text>`}
          ${state.stays.length > 0 && !compound ? html`<circle cx=${state.x + state.width - 7} cy=${state.y + 7} r="2.5" class="stays-dot" />` : null}
        </g>`;
      })}
      ${chart.initials.map((marker, index) => html`<g key=${`init${index}`} class="initial">
        <path d=${marker.path} class="edge-line" marker-end="url(#arrow)" />
        <circle cx=${marker.x} cy=${marker.y} r="5" class="initial-dot" />
      </g>`)}
      ${chart.edges.map((edge) => {
        const hot = activeEdges(edge.source);
        return html`<path key=${edge.id} d=${edge.path} class=${`edge-line ${hot ? 'hot' : ''}`} data-source=${edge.source} data-target=${edge.target} marker-end=${hot ? 'url(#arrow-hot)' : 'url(#arrow)'} />`;
      })}
      ${chart.edges.map((edge) => edge.labelBox === null ? null : html`<g key=${`l${edge.id}`} class=${`edge-label ${activeEdges(edge.source) ? 'hot' : ''}`}>
        <rect x=${edge.labelBox.x} y=${edge.labelBox.y} width=${edge.labelBox.width} height=${edge.labelBox.height} rx="3" />
        <text x=${edge.labelBox.x + edge.labelBox.width / 2} y=${edge.labelBox.y + edge.labelBox.height / 2} text-anchor="middle" dominant-baseline="central">${edge.label}</text>
      </g>`)}
    </svg>
    <${AlsoHandled} chart=${chart} active=${active} />
  </div>`;
}

function AlsoHandled({ chart, active }: { chart: Statechart; active: ReadonlySet<string> }) {
  const staying = chart.states.filter((state) => state.stays.length > 0);
  if (chart.anyState.length === 0 && staying.length === 0) return null;
  return html`<dl class="also">
    ${chart.anyState.length === 0 ? null : html`<dt>in any state</dt><dd>${chart.anyState.map((entry) => html`<span class="event" key=${entry.event}>${entry.event}${entry.targets.length > 0 ? html` <span class="muted">→ ${entry.targets.join(', ')}</span>` : null}</span>`)}</dd>`}
    ${staying.map((state) => html`<dt key=${`t${state.id}`} class=${active.has(state.id) ? 'hot' : ''}>in ${state.key}, stays on</dt><dd key=${`d${state.id}`}>${state.stays.map((event) => html`<span class="event" key=${event}>${event}</span>`)}</dd>`)}
  </dl>`;
}
