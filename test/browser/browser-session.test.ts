/**
 * The browser helper itself: it drives Debian's Chromium, and it tells a
 * page's requests to its own origin (http and WebSocket) from requests
 * anywhere else, so the inspector tests can trust its "no request left the
 * node" check.
 */
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { openBrowser } from '../helpers/browser.ts';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)));
}

test('records same-origin http and WebSocket requests apart from requests to another origin', async (t) => {
  const other = createServer((_request, response) => response.writeHead(204).end());
  const otherUrl = await listen(other);
  t.teardown(() => new Promise<void>((resolve) => other.close(() => resolve())));
  const home = createServer((request, response) => {
    if (request.url === '/data.json') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>t</title><body><p id="out">waiting</p><script>
      const out = document.getElementById('out');
      const socket = new WebSocket(location.origin.replace('http', 'ws') + '/live');
      socket.onmessage = async (message) => {
        const data = await (await fetch('/data.json')).json();
        await fetch(${JSON.stringify(`${otherUrl}elsewhere`)}, { mode: 'no-cors' }).catch(() => undefined);
        out.textContent = message.data + ' ' + data.ok;
      };
    </script></body>`);
  });
  const sockets = new WebSocketServer({ server: home, path: '/live' });
  sockets.on('connection', (socket) => socket.send('hello'));
  const homeUrl = await listen(home);
  t.teardown(() => new Promise<void>((resolve) => {
    sockets.close();
    home.closeAllConnections();
    home.close(() => resolve());
  }));

  const browser = await openBrowser();
  t.teardown(() => browser.close());
  await browser.page.goto(homeUrl);
  await browser.page.locator('#out', { hasText: 'hello true' }).waitFor({ timeout: 30_000 });
  const file = await browser.screenshot('browser-session');
  t.true(existsSync(file), `screenshot saved at ${file}`);

  t.deepEqual(
    browser.requests.filter((request) => request.url.startsWith(homeUrl.replace('http', 'ws')) || request.url.startsWith(homeUrl)).map((r) => `${r.kind} ${new URL(r.url).pathname}`).sort(),
    ['http /', 'http /data.json', 'ws /live'],
  );
  t.deepEqual(browser.foreignRequests(homeUrl).map((request) => request.url), [`${otherUrl}elsewhere`]);
  t.deepEqual(browser.foreignRequests(otherUrl).map((request) => `${request.kind} ${new URL(request.url).pathname}`).sort(), ['http /', 'http /data.json', 'ws /live']);
  t.deepEqual(browser.pageErrors, []);
});

test('without Chromium it fails saying how to install Debian\'s package', async (t) => {
  const error = await t.throwsAsync(openBrowser({ executablePath: '/nonexistent/chromium' }));
  t.regex(error!.message, /apt-get install -y chromium/);
});
