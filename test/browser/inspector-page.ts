/**
 * The inspector page as the browser tests read it: through the `data-testid`
 * hooks the page keeps for them (see the UI's "Test hooks"), never through
 * its markup or styles. Reading waits with generous deadlines for what a
 * person would wait to see; nothing here measures how fast.
 */
import type { Page } from 'playwright-core';
import { until } from '../helpers/cli-cluster.ts';

/** A partition row of the cluster view. */
export interface ShownPartition {
  readonly stage: string;
  readonly partition: number;
  /** The owner's node id, or '' when none. */
  readonly owner: string;
}

/** An actor row of the actor tree. */
export interface ShownActor {
  readonly id: string;
  readonly machine: string;
  readonly state: string;
}

export class InspectorPage {
  readonly page: Page;
  /** The inspector's URL: `http://127.0.0.1:PORT/` (may carry `?token=`). */
  readonly url: string;

  constructor(page: Page, url: string) {
    this.page = page;
    this.url = url;
  }

  /** Opens a hash route (`/cluster`, `/view/queries`, `/history/aggregate/0`...) and waits for the live connection. */
  async open(route: string): Promise<void> {
    await this.page.goto(`${this.url}#${route}`);
    await this.connected();
  }

  /** Waits until the page shows its WebSocket as connected. */
  async connected(timeoutMs = 30_000): Promise<void> {
    await this.page.locator('[data-testid="live-status"][data-connected="true"]').waitFor({ timeout: timeoutMs });
  }

  async members(): Promise<string[]> {
    return this.page.locator('[data-testid="cluster-member"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-node-id') ?? ''));
  }

  async partitions(stage?: string): Promise<ShownPartition[]> {
    const shown = await this.page.locator('[data-testid="cluster-partition"]').evaluateAll((rows) =>
      rows.map((row) => ({ stage: row.getAttribute('data-stage') ?? '', partition: Number(row.getAttribute('data-partition')), owner: row.getAttribute('data-owner') ?? '' })),
    );
    return shown.filter((row) => stage === undefined || row.stage === stage).sort((a, b) => a.stage.localeCompare(b.stage) || a.partition - b.partition);
  }

  async actors(): Promise<ShownActor[]> {
    return this.page.locator('[data-testid="actor-row"]').evaluateAll((rows) =>
      rows.map((row) => ({ id: row.getAttribute('data-actor-id') ?? '', machine: row.getAttribute('data-machine') ?? '', state: row.getAttribute('data-state') ?? '' })),
    );
  }

  actorRow(id: string) {
    return this.page.locator(`[data-testid="actor-row"][data-actor-id="${cssString(id)}"]`);
  }

  /**
   * Lists the children of `parent` (of one machine) in the tree, expanding
   * its row whenever it shows collapsed (it may be drawn anew as live
   * updates arrive), until some are listed.
   */
  async childrenOf(parent: string, machine: string, timeoutMs = 60_000): Promise<ShownActor[]> {
    const button = this.actorRow(parent).locator('[data-testid="actor-expand"]').first();
    return this.until(
      async () => {
        const shown = (await this.actors()).filter((actor) => actor.machine === machine && actor.id.startsWith(`${parent}/`));
        if (shown.length === 0 && (await button.count()) > 0 && (await button.getAttribute('aria-expanded')) !== 'true') await button.click({ timeout: 5000 });
        return shown;
      },
      (rows) => rows.length > 0,
      `${machine} actors under ${parent}`,
      timeoutMs,
    );
  }

  /** Opens an actor's own view from its row. */
  async openActor(id: string): Promise<void> {
    await this.actorRow(id).locator('[data-testid="actor-open"]').first().click();
    await this.page.locator('[data-testid="statechart"]').waitFor({ timeout: 30_000 });
  }

  /** The state node ids the statechart draws. */
  async drawnStates(): Promise<string[]> {
    return this.page.locator('[data-testid="statechart"] [data-state-id]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state-id') ?? ''));
  }

  /** The state node ids the statechart highlights as current. */
  async activeStates(): Promise<string[]> {
    return this.page.locator('[data-testid="statechart"] [data-state-id][data-active="true"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state-id') ?? ''));
  }

  /** The actor view's state as text. */
  async actorState(): Promise<string> {
    return (await this.page.locator('[data-testid="actor-state"]').first().innerText()).trim();
  }

  /** A fact of the actor view's context facts, as shown. */
  async fact(key: string): Promise<string> {
    return (await this.page.locator(`[data-testid="context-facts"] [data-fact="${cssString(key)}"]`).first().innerText()).trim();
  }

  /** A numeric fact as a number ("1,204" reads 1204). */
  async numericFact(key: string): Promise<number> {
    const text = await this.fact(key);
    const value = Number(text.replace(/[^\d.-]/g, ''));
    if (text === '' || !Number.isFinite(value)) throw new Error(`fact ${key} shows ${JSON.stringify(text)}, not a number`);
    return value;
  }

  async messageRows(): Promise<number> {
    return this.page.locator('[data-testid="message-row"]').count();
  }

  async historySnapshots(): Promise<number[]> {
    return this.page.locator('[data-testid="history-snapshot"]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-seq'))));
  }

  /** The ids of the top rows of a view a node adds (`#/view/<name>`, the pipeline's `queries`). */
  async viewRowIds(view: string): Promise<string[]> {
    return this.page.locator(`[data-testid="view"][data-view="${cssString(view)}"] [data-testid="view-row"]`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-row-id') ?? ''));
  }

  /** The text of one top row of a view. */
  async viewRowText(view: string, id: string): Promise<string> {
    return this.page.locator(`[data-testid="view"][data-view="${cssString(view)}"] [data-testid="view-row"][data-row-id="${cssString(id)}"]`).first().innerText();
  }

  /** Polls a reading of the page until `accept` holds, failing with the last reading. */
  async until<T>(read: () => Promise<T>, accept: (value: T) => boolean, describe: string, timeoutMs = 60_000): Promise<T> {
    let last: T | undefined;
    let failure = '';
    return until(
      async () => {
        try {
          last = await read();
          failure = '';
        } catch (error) {
          failure = (error as Error).message;
          return undefined;
        }
        return accept(last) ? last : undefined;
      },
      () => `the page to show ${describe}; it shows ${JSON.stringify(last)}${failure ? ` (last read failed: ${failure})` : ''} at ${this.page.url()}`,
      timeoutMs,
      250,
    );
  }
}

/** Escapes a value for a double-quoted CSS attribute selector. */
function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
