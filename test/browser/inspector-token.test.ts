/**
 * The inspector's token: a node or demo asked to serve it on an address
 * other than loopback without a token refuses to start and says why; with a
 * token, every request and the live WebSocket without it are refused (401)
 * and with it answered, and a page opened once with `?token=` works.
 *
 * Servers here bind 127.0.0.1 only, so the refusal is tried on an address
 * this machine does not have (TEST-NET-1, 192.0.2.1: even a server that
 * tried to bind it could not), and the token checks on loopback with a token
 * given explicitly, which the server then requires as on any other address.
 */
import test from 'ava';
import WebSocket from 'ws';
import { freePort } from '../kafka/harness/free-port.ts';
import { openBrowser } from '../helpers/browser.ts';
import { runCommand, startInspected, type InspectedProcess } from './cli-process.ts';
import { InspectorPage } from './inspector-page.ts';

const TOKEN = 'a-test-token-4f1c9e';
const ELSEWHERE = '192.0.2.1';

/** Says that the inspector needs a token, as the refusal must. */
const NEEDS_TOKEN = /token/i;

test('a demo asked to serve the inspector beyond loopback without a token refuses to start, saying a token is needed', async (t) => {
  const port = await freePort();
  const run = await runCommand(['demo', '--partitions', '1', '--rate', '100', '--inspect', `${ELSEWHERE}:${port}`], { EVENTIDE_INSPECT_TOKEN: undefined });
  t.false(run.timedOut, `it exits by itself; it printed: ${run.stdout}${run.stderr}`);
  t.not(run.code, 0);
  t.regex(run.stderr, NEEDS_TOKEN);
  t.regex(run.stderr, new RegExp(ELSEWHERE.replaceAll('.', '\\.')), 'the error names the address');
  t.notRegex(run.stderr, /EADDRNOTAVAIL/, 'refused by the token rule, before trying to bind');
  t.log(run.stderr.trim().split('\n').slice(-3).join('\n'));
});

test('a node asked to serve the inspector beyond loopback without a token refuses to start, saying a token is needed', async (t) => {
  // No broker listens there: the rule must refuse before the node connects anywhere.
  const [port, brokerPort] = await Promise.all([freePort(), freePort()]);
  const run = await runCommand(['node', '--brokers', `127.0.0.1:${brokerPort}`, '--group', 'token-test', '--inspect', `${ELSEWHERE}:${port}`], { EVENTIDE_INSPECT_TOKEN: undefined });
  t.false(run.timedOut, `it exits by itself; it printed: ${run.stdout}${run.stderr}`);
  t.not(run.code, 0);
  t.regex(run.stderr, NEEDS_TOKEN);
  t.notRegex(run.stderr, /EADDRNOTAVAIL/, 'refused by the token rule, before trying to bind');
  t.log(run.stderr.trim().split('\n').slice(-3).join('\n'));
});

/** A demo whose inspector requires TOKEN, given as `--inspect-token` or in the environment. */
async function demoWithToken(how: 'flag' | 'env'): Promise<InspectedProcess> {
  const port = await freePort();
  const args = ['demo', '--partitions', '1', '--rate', '200', '--inspect', `127.0.0.1:${port}`];
  return how === 'flag' ? startInspected([...args, '--inspect-token', TOKEN], { EVENTIDE_INSPECT_TOKEN: undefined }) : startInspected(args, { EVENTIDE_INSPECT_TOKEN: TOKEN });
}

const status = async (url: URL, headers: Record<string, string> = {}): Promise<number> => (await fetch(url, { headers })).status;

/** The status the WebSocket upgrade is answered with (101 when it opened). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws') + 'api/live', { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

for (const how of ['flag', 'env'] as const) {
  test(`with a token (${how === 'flag' ? '--inspect-token' : 'EVENTIDE_INSPECT_TOKEN'}), requests and the WebSocket without it get 401 and with it 200`, async (t) => {
    const demo = await demoWithToken(how);
    t.teardown(() => demo.stop());
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const wrong = { authorization: `Bearer ${TOKEN}x` };
    for (const path of ['api/node', 'api/cluster', 'api/actors', '', 'status', 'metrics']) {
      const url = new URL(path, demo.url);
      t.is(await status(url), 401, `GET /${path} without a token`);
      t.is(await status(url, wrong), 401, `GET /${path} with a wrong token`);
      t.is(await status(url, bearer), 200, `GET /${path} with the token`);
    }
    const refusal = (await (await fetch(new URL('api/node', demo.url))).json()) as { error?: unknown };
    t.is(typeof refusal.error, 'string', 'a refusal answers { error }');
    t.is(await upgradeStatus(demo.url), 401, 'the WebSocket without a token');
    t.is(await upgradeStatus(demo.url, wrong), 401, 'the WebSocket with a wrong token');
    t.is(await upgradeStatus(demo.url, bearer), 101, 'the WebSocket with the token opens');
  });
}

test('the page opened with ?token= works: the cluster view shows the node, live, and no request leaves the node', async (t) => {
  const demo = await demoWithToken('flag');
  t.teardown(() => demo.stop());
  const browser = await openBrowser();
  t.teardown(() => browser.close());

  // Without the token the page is refused.
  const refused = await browser.page.goto(demo.url);
  t.is(refused?.status(), 401);

  const page = new InspectorPage(browser.page, `${demo.url}?token=${TOKEN}`);
  await page.open('/cluster');
  const members = await page.until(() => page.members(), (ids) => ids.length === 1, 'the demo node');
  t.is(members.length, 1);
  await page.until(() => page.partitions('aggregate'), (rows) => rows.length === 1 && rows[0]!.owner === members[0], 'aggregate[0] on the demo node');
  const cookies = await browser.context.cookies(demo.url);
  const cookie = cookies.find((candidate) => candidate.name === 'eventide_token');
  t.truthy(cookie, `the server set its token cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
  t.log(`eventide_token cookie: httpOnly ${cookie?.httpOnly}, sameSite ${cookie?.sameSite}`);

  // The cookie carries the token from then on: the page without ?token= works too.
  const again = new InspectorPage(await browser.newPage(), demo.url);
  await again.open('/view/queries');
  await again.until(() => again.viewRowIds('queries'), (ids) => ids.length === 3, 'the three demo queries');
  t.log(await browser.screenshot('token-cluster', page.page));

  t.deepEqual(browser.foreignRequests(demo.url), []);
  t.deepEqual(browser.pageErrors.filter((error) => !/401/.test(error)), [], 'no page error beyond the refused first load');
});
