/** The inspector page's entry: start the live connection and render the app. */
import { render } from 'preact';
import { html } from './html.ts';
import { App } from './app.ts';
import { live } from './live.ts';

live.start();
render(html`<${App} />`, document.getElementById('app')!);
