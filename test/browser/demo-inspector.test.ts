/**
 * The inspector of `eventide demo` (memory transport) in a real browser, as
 * a user sees it after `npm start`: the cluster, a partition's actors, a
 * window's statechart moving live until it is published, the partition's
 * snapshot history and the demo queries, with every request the page makes
 * going to the node itself.
 *
 * Demo windows are 10 s long with 2 s lateness and a 5 s idle timeout, and
 * the demo snapshots every 2 s.
 */
import test from 'ava';
import type { NodeView } from '../../runtime/inspector/api.ts';
import { openBrowser, type BrowserSession } from '../helpers/browser.ts';
import { startInspected, type InspectedProcess } from './cli-process.ts';
import { InspectorPage, type ShownActor } from './inspector-page.ts';

const PARTITIONS = 2;

let demo: InspectedProcess | undefined;
let browser: BrowserSession | undefined;
let nodeId = '';

test.before(async () => {
  demo = await startInspected(['demo', '--partitions', String(PARTITIONS), '--rate', '2000']);
  nodeId = ((await (await fetch(new URL('api/node', demo.url))).json()) as NodeView).nodeId;
  browser = await openBrowser();
});

test.after.always(async () => {
  await browser?.close();
  await demo?.stop();
});

async function inspector(route: string): Promise<InspectorPage> {
  const page = new InspectorPage(await browser!.newPage(), demo!.url);
  await page.open(route);
  return page;
}

const windowStart = (actor: ShownActor): number => Number(decodeURIComponent(actor.id.split('/').pop()!).replace(/^w:/, ''));

/** Opens aggregate[0]'s tree from the cluster view and expands the supervisor and its query actors until open windows are listed. */
async function openWindows(page: InspectorPage): Promise<ShownActor[]> {
  await page.until(() => page.partitions('aggregate'), (rows) => rows.length === PARTITIONS, `${PARTITIONS} aggregate partitions`);
  await page.page.locator('[data-testid="cluster-partition"][data-stage="aggregate"][data-partition="0"]').first().click();
  await page.until(
    async () => (await page.actors()).filter((actor) => actor.machine === 'partition-supervisor' && actor.id === 'aggregate/0'),
    (roots) => roots.length === 1,
    "aggregate[0]'s supervisor in the actor tree",
  );
  const queries = await page.childrenOf('aggregate/0', 'query');
  for (const query of queries) await page.childrenOf(query.id, 'window');
  return page.until(
    async () => (await page.actors()).filter((actor) => actor.machine === 'window' && actor.state === 'open'),
    (rows) => rows.length > 0,
    'open window actors under the query actors',
  );
}

/**
 * The newest open window of aggregate[0], one that began less than 6 s ago
 * (the demo's clock is this machine's): it goes on receiving events for a
 * while and closes some seconds later. Reads the tree afresh until there is one.
 */
async function currentWindow(page: InspectorPage): Promise<ShownActor> {
  for (let attempt = 0; ; attempt++) {
    const windows = await openWindows(page);
    const newest = windows.reduce((a, b) => (windowStart(b) > windowStart(a) ? b : a));
    const age = Date.now() - windowStart(newest);
    if (age < 6000) return newest;
    if (attempt === 3) throw new Error(`no window of aggregate[0] began in the last 6 s; the newest shown is ${newest.id}, ${age} ms old`);
    // Past the next window's start, with its first events in.
    await page.page.waitForTimeout(Math.max(0, 10_000 - age) + 1000);
    await page.open('/cluster');
  }
}

test.serial('the cluster view lists the demo node and its partitions', async (t) => {
  const page = await inspector('/cluster');
  const members = await page.until(() => page.members(), (ids) => ids.length > 0, 'a cluster member');
  t.deepEqual(members, [nodeId]);
  const aggregate = await page.until(() => page.partitions('aggregate'), (rows) => rows.length === PARTITIONS, `${PARTITIONS} aggregate partitions`);
  t.deepEqual(aggregate, Array.from({ length: PARTITIONS }, (_, partition) => ({ stage: 'aggregate', partition, owner: nodeId })));
  const ingest = await page.until(() => page.partitions('ingest'), (rows) => rows.length === PARTITIONS, `${PARTITIONS} ingest partitions`);
  t.true(ingest.every((row) => row.owner === nodeId), `every ingest partition is on ${nodeId}: ${JSON.stringify(ingest)}`);
  t.log(await browser!.screenshot('cluster', page.page));
  await page.page.close();
});

test.serial('opening a partition shows its supervisor and its query and window actors', async (t) => {
  const page = await inspector('/cluster');
  const windows = await openWindows(page);
  const shown = await page.actors();
  t.true(shown.some((actor) => actor.id === 'aggregate/0' && actor.machine === 'partition-supervisor' && actor.state === 'running'), `the supervisor runs: ${JSON.stringify(shown.slice(0, 3))}`);
  const queries = shown.filter((actor) => actor.machine === 'query');
  t.true(queries.length > 0 && queries.every((actor) => actor.id.startsWith('aggregate/0/')), `query actors are the supervisor's children: ${JSON.stringify(queries)}`);
  t.true(windows.every((window) => queries.some((query) => window.id.startsWith(`${query.id}/`))), 'window actors are children of query actors');
  t.log(`${queries.length} query actors, ${windows.length} open windows shown`);
  t.log(await browser!.screenshot('actor-tree', page.page));
  await page.page.close();
});

test.serial('a window draws its statechart with the current state highlighted, its events grow while watched, and it moves to published', async (t) => {
  t.timeout(150_000);
  const page = await inspector('/cluster');
  const newest = await currentWindow(page);
  await page.openActor(newest.id);

  const drawn = await page.until(() => page.drawnStates(), (ids) => ids.includes('window.published'), 'the window machine drawn');
  t.deepEqual([...drawn].sort(), ['window.closing', 'window.open', 'window.published', 'window.publishing']);
  t.deepEqual(await page.until(() => page.activeStates(), (ids) => ids.length > 0, 'an active state'), ['window.open']);
  t.is(await page.actorState(), 'open');

  const first = await page.until(() => page.numericFact('events'), () => true, 'the events fact');
  const grown = await page.until(() => page.numericFact('events'), (events) => events > first, `the events fact growing past ${first}`, 30_000);
  t.true(grown > first, `events grew from ${first} to ${grown} while the page was open`);
  // Messages are recorded from the moment the page watches, so the first ones arrive with a later update.
  const rows = await page.until(() => page.messageRows(), (count) => count > 0, 'the messages it handled while watched in the timeline', 30_000);
  t.true(rows > 0, 'the timeline lists the messages it handled while watched');
  t.log(await browser!.screenshot('statechart', page.page));

  // Its end plus lateness passes within about 12 s; a generous deadline for the close and the publication.
  let published: string[];
  try {
    published = await page.until(() => page.activeStates(), (ids) => ids.includes('window.published'), 'the window published', 90_000);
  } finally {
    // What the page shows once the window closed, published on screen or not.
    t.log(await browser!.screenshot('statechart-after-close', page.page));
  }
  t.deepEqual(published, ['window.published']);
  t.is(await page.actorState(), 'published');
  await page.page.close();
});

test.serial("the history view lists the partition's snapshots", async (t) => {
  const page = await inspector('/history/aggregate/0');
  const seqs = await page.until(() => page.historySnapshots(), (list) => list.length >= 2, 'at least two snapshots of aggregate[0]');
  t.true(seqs.every((seq) => Number.isInteger(seq) && seq >= 0), `snapshot sequence numbers: ${JSON.stringify(seqs)}`);
  t.is(new Set(seqs).size, seqs.length, 'each snapshot is listed once');
  t.log(await browser!.screenshot('history', page.page));

  const newest = Math.max(...seqs);
  await page.page.locator(`[data-testid="history-snapshot"][data-seq="${newest}"]`).first().click();
  const tree = page.page.locator('[data-testid="history-tree"]');
  await tree.waitFor({ timeout: 30_000 });
  t.regex(await tree.innerText(), /partition-supervisor/, 'the snapshot holds the supervisor');
  t.log(await browser!.screenshot('history-snapshot', page.page));
  await page.page.close();
});

test.serial('the queries view lists the three demo queries', async (t) => {
  const page = await inspector('/view/queries');
  const ids = await page.until(() => page.viewRowIds('queries'), (list) => list.length >= 3, 'three queries');
  t.deepEqual([...ids].sort(), ['demo-1', 'demo-2', 'demo-3']);
  for (const id of ids) t.regex(await page.viewRowText('queries', id), /SELECT .* TIMESERIES 10 seconds/, `${id} shows its NRQL`);
  t.log(await browser!.screenshot('queries', page.page));
  await page.page.close();
});

test.serial("no request of the page left the node's origin, and the page raised no error", (t) => {
  t.true(browser!.requests.some((request) => request.kind === 'ws'), 'the page used the live WebSocket');
  t.deepEqual(browser!.foreignRequests(demo!.url), []);
  t.deepEqual(browser!.pageErrors, []);
  t.log(`${browser!.requests.length} requests, all to ${demo!.url}`);
});
