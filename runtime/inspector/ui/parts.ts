/** Small pieces every view uses: error and loading lines, state pills, panels. */
import type { ComponentChildren } from 'preact';
import { html } from './html.ts';

export function ErrorLine({ error }: { error: string | null }) {
  if (error === null) return null;
  return html`<div class="error" role="alert"><strong>Error</strong> ${error}</div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<div class="muted loading">Loading ${what}…</div>`;
}

/** A lifecycle or machine state, coloured by what it means. */
export function StatePill({ state, testid }: { state: string | null; testid?: string }) {
  const text = state ?? '–';
  return html`<span class=${`pill ${stateTone(text)}`} data-testid=${testid}>${text}</span>`;
}

export function stateTone(state: string): string {
  const leaf = state.split('.').pop() ?? state;
  if (/^(failed|error|invalid|corrupt|lost)$/.test(leaf)) return 'bad';
  if (/^(restoring|revoking|closing|publishing|ending|starting|stopping)$/.test(leaf)) return 'busy';
  if (/^(published|ended|stopped|done|expired|revoked)$/.test(leaf)) return 'done';
  if (/^(running|open|active|collecting)$/.test(leaf)) return 'ok';
  return 'plain';
}

export function Panel({ title, extra, children, class: className }: { title: string; extra?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return html`<section class=${`panel ${className ?? ''}`}>
    <header class="panel-head"><h2>${title}</h2>${extra === undefined ? null : html`<div class="panel-extra">${extra}</div>`}</header>
    <div class="panel-body">${children}</div>
  </section>`;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return html`<div class="empty muted">${children}</div>`;
}
