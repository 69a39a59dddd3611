/**
 * A node's inspector: the page and its JSON API (api.ts), live updates over
 * a WebSocket, and the node's `/metrics` and `/status`, on one HTTP port.
 * Read-only. Loopback by default; any other address needs a token
 * (access.ts). Nothing here knows what the machines do: views that do (the
 * query pipeline's `queries`) are added by whoever runs the node.
 *
 * @example
 * ```ts
 * const node = createNode({ transport, group: 'shop', stages: [sessionize] });
 * const inspector = await serveInspector(node, { address: '127.0.0.1:7070', reader: transport.reader(), admin: transport.admin() });
 * await node.start();
 * console.log(`inspector: ${inspector.url}`);
 * ```
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import type { PartitionReader, TransportAdmin } from '../../protocols/transport.ts';
import type { Clock } from '../../protocols/clock.ts';
import { ConfigError } from '../../protocols/errors.ts';
import { systemClock } from '../clock.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { EventideNode, StageSummary } from '../node.ts';
import type { ClusterView, NodeView, ViewContent, ViewList } from './api.ts';
import { InspectorAccess, TOKEN_COOKIE, parseInspectAddress } from './access.ts';
import { ActorDirectory, parseActorQuery } from './actor-directory.ts';
import { MessageRecorder } from './message-recorder.ts';
import { LiveHub } from './live-hub.ts';
import { NodeEvents } from './node-events.ts';
import { readNodeView } from './node-view.ts';
import { RememberedEvents, readClusterView } from './cluster-view.ts';
import { readHistoricSnapshot, readPartitionHistory } from './partition-history.ts';

/** A view a node adds to its inspector, served as JSON at `/api/views/:name`. */
export interface InspectorView {
  /** Its name in the URL (`queries`). */
  readonly name: string;
  /** Its title on the page. */
  readonly title: string;
  /** Its content now: a table the page draws (api.ts `ViewContent`). */
  read(): ViewContent | Promise<ViewContent>;
}

import { inspectorAssets, type InspectorAsset } from './assets.ts';

export type { InspectorAsset } from './assets.ts';

/** What `serveInspector` takes: where to listen, the token, how to read the log, and the node's additions. */
export interface InspectorOptions {
  /** `HOST:PORT`; port 0 picks a free one. @default '127.0.0.1:0' */
  readonly address?: string;
  /** Required on every request and WebSocket; needed for any address but loopback. */
  readonly token?: string;
  /** Reads the log (lag, history). */
  readonly reader: PartitionReader;
  /** Reads groups and committed offsets (the cluster view). */
  readonly admin: TransportAdmin;
  /**
   * Every stage of the cluster, for the cluster view (nodes that run other
   * stages than this one included). @default this node's stages
   */
  readonly clusterStages?: readonly StageSummary[];
  /** Extra views (the pipeline's `queries`). */
  readonly views?: readonly InspectorView[];
  /** The page's files by URL path (`/`, `/app.js`...); `null` serves the API only. @default eventide's inspector page */
  readonly page?: (() => Promise<ReadonlyMap<string, InspectorAsset>>) | null;
  /** Serves `/metrics`. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * The address published to the other members, when the bound one is not
   * reachable as such (0.0.0.0). @default the bound address
   */
  readonly advertise?: string;
}

/** A running inspector. */
export interface InspectorServer {
  /** `http://HOST:PORT/`. */
  readonly url: string;
  /** The bound host and port. */
  readonly host: string;
  readonly port: number;
  /** Pages connected over the WebSocket now. */
  readonly watchers: number;
  /** Closes every page's socket and stops listening. */
  close(): Promise<void>;
}

/** How long a peer's `/api/node` may take before the cluster view shows it as unreachable. */
const PEER_TIMEOUT_MS = 2000;
/** The cluster view is read at most this often, however many pages watch it. */
const CLUSTER_CACHE_MS = 900;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Throws the ConfigError `serveInspector` would for this address and token, without binding anything. */
export function checkInspectorAddress(address: string, token: string | undefined): void {
  new InspectorAccess(parseInspectAddress(address).host, token);
}

/**
 * Starts the inspector of `node`. Call it before `node.start()` so the
 * node publishes the inspector's address to its groups (with port 0, the
 * port picked); it can also be called later, and then is not published.
 * Throws ConfigError for a non-loopback address without a token.
 */
export async function serveInspector(node: EventideNode, options: InspectorOptions): Promise<InspectorServer> {
  const { host, port } = parseInspectAddress(options.address ?? '127.0.0.1:0');
  const access = new InspectorAccess(host, options.token);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const directory = new ActorDirectory(node);
  const recorder = new MessageRecorder({ observe: (observer) => node.observeActors(observer), now: () => clock.now() });
  const events = new NodeEvents(node.nodeId, node.instrumentation, () => clock.now());
  const views = options.views ?? [];
  const nodeView = (): Promise<NodeView> => readNodeView(node, options.reader, events, clock.now());
  let cached: { at: number; view: Promise<ClusterView> } | null = null;
  const remembered = new RememberedEvents();
  const clusterView = (): Promise<ClusterView> => {
    const now = clock.now();
    if (cached === null || now - cached.at >= CLUSTER_CACHE_MS) {
      const view = readClusterView({
        self: node.nodeId, group: node.group, stages: options.clusterStages ?? node.stages(), admin: options.admin, reader: options.reader,
        nodeView, fetchPeer: (address) => fetchPeerView(address, options.token), now: () => clock.now(), remembered,
      });
      cached = { at: now, view };
      view.catch(() => (cached = null));
    }
    return cached.view;
  };
  const hub = new LiveHub({ directory, recorder, cluster: clusterView, clock, logger });
  const page = options.page === null ? null : (options.page ?? inspectorAssets)();
  page?.catch((error: unknown) => logger.error({ err: String(error) }, 'the inspector page could not be built; the API still answers'));

  const stageOf = (name: string): StageSummary => {
    const stage = node.stages().find((s) => s.name === name);
    if (stage === undefined) throw new HttpError(404, `this node runs no stage '${name}'`);
    return stage;
  };
  const historySource = (stageName: string, partitionText: string): { stage: StageSummary; partition: number; topic: string } => {
    const stage = stageOf(stageName);
    const partition = Number(partitionText);
    if (!Number.isSafeInteger(partition) || partition < 0) throw new HttpError(400, `partition must be a non-negative integer, not '${partitionText}'`);
    if (stage.snapshotsTopic === null) throw new HttpError(404, `stage '${stage.name}' keeps no snapshots`);
    return { stage, partition, topic: stage.snapshotsTopic };
  };

  const routes: [RegExp, (match: string[], url: URL) => unknown][] = [
    [/^\/api\/node$/, () => nodeView()],
    [/^\/api\/cluster$/, () => clusterView()],
    [/^\/api\/actors$/, (_m, url) => directory.list(parseActorQuery(url.searchParams))],
    [
      /^\/api\/actors\/([^/]+)$/,
      ([id]) => directory.detail(id!, recorder.messages(id!), recorder.isRecording(id!)) ?? notFound(`no actor '${id}' on this node (its partition may have moved: see /api/cluster)`),
    ],
    [/^\/api\/machines\/([^/]+)$/, ([id]) => directory.machine(id!) ?? notFound(`no actor of this node runs a machine '${id}'`)],
    [
      /^\/api\/partitions\/([^/]+)\/([^/]+)\/history$/,
      ([stage, partition]) => {
        const source = historySource(stage!, partition!);
        return readPartitionHistory({ reader: options.reader, topic: source.topic, stage: source.stage.name, partition: source.partition }, clock.now());
      },
    ],
    [
      /^\/api\/partitions\/([^/]+)\/([^/]+)\/history\/([^/]+)$/,
      async ([stage, partition, seqText]) => {
        const source = historySource(stage!, partition!);
        const seq = Number(seqText);
        if (!Number.isSafeInteger(seq)) throw new HttpError(400, `seq must be an integer, not '${seqText}'`);
        const machine = node.stageMachine(source.stage.name);
        const snapshot = await readHistoricSnapshot({ reader: options.reader, topic: source.topic, stage: source.stage.name, partition: source.partition }, seq, machine);
        return snapshot ?? notFound(`${source.stage.name}[${source.partition}] has no complete snapshot ${seq} on ${source.topic}`);
      },
    ],
    [/^\/api\/views$/, (): ViewList => ({ views: views.map(({ name, title }) => ({ name, title })) })],
    [/^\/api\/views\/([^/]+)$/, ([name]) => (views.find((view) => view.name === name) ?? notFound(`no view '${name}'`)).read()],
    [/^\/status$/, () => ({ nodeId: node.nodeId, state: node.state, partitions: node.partitions() })],
  ];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://inspector');
    const queryToken = url.searchParams.get('token');
    if (!access.allows(request, queryToken)) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'this inspector needs its token: open it with ?token=<token> or send Authorization: Bearer <token>' }));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'the inspector is read-only' }));
      return;
    }
    if (queryToken !== null && access.requiresToken) {
      // Keep the token out of the address bar and the page's history: a cookie carries it from now on.
      url.searchParams.delete('token');
      response.writeHead(302, { location: `${url.pathname}${url.search}`, 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/` }).end();
      return;
    }
    if (url.pathname === '/metrics' && options.metrics !== undefined) {
      const { contentType, body } = await options.metrics();
      response.writeHead(200, { 'content-type': contentType }).end(body);
      return;
    }
    for (const [pattern, route] of routes) {
      const match = pattern.exec(url.pathname);
      if (match === null) continue;
      const args = match.slice(1).map((part) => decodeURIComponent(part));
      const body = JSON.stringify(await route(args, url));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      return;
    }
    if (url.pathname.startsWith('/api/')) throw new HttpError(404, `no route ${url.pathname} (see the README's inspector API)`);
    const assets = page === null ? null : await page;
    const asset = assets?.get(url.pathname);
    if (asset === undefined) {
      if (assets === null && url.pathname === '/') throw new HttpError(404, 'this inspector serves its API only (no page was given)');
      throw new HttpError(404, `no file ${url.pathname}`);
    }
    response
      .writeHead(200, {
        'content-type': asset.contentType,
        'cache-control': 'no-cache',
        // The page loads nothing from anywhere but this node.
        'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      })
      .end(request.method === 'HEAD' ? undefined : asset.body);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof RangeError ? 400 : 500;
      if (status === 500) logger.error({ url: request.url, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'inspector request failed');
      if (!response.headersSent) response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://inspector').pathname;
    if (path !== '/api/live' || !access.allowsUpgrade(request)) {
      socket.end(`HTTP/1.1 ${path === '/api/live' ? '401 Unauthorized' : '404 Not Found'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => hub.attach(ws));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new ConfigError(`the inspector cannot listen on ${host}:${port}: the port is in use (pick another, or port 0 for a free one)`) : error),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  if (node.state === 'created') node.advertise({ inspect: options.advertise ?? `${urlHost}:${boundPort}` });
  logger.info({ host, port: boundPort, token: access.requiresToken }, 'inspector listening');
  return {
    url: `http://${urlHost}:${boundPort}/`,
    host,
    port: boundPort,
    get watchers() {
      return hub.watchers;
    },
    close: async () => {
      hub.close();
      events.close();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function notFound(message: string): never {
  throw new HttpError(404, message);
}

/** A peer's `/api/node`, with this node's token (the nodes of a cluster share one). */
function fetchPeerView(address: string, token: string | undefined): Promise<NodeView> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`http://${address}/api/node`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeout: PEER_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) return reject(new Error(`its inspector at ${address} answered ${response.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as NodeView);
        } catch {
          reject(new Error(`its inspector at ${address} did not answer JSON`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`its inspector at ${address} did not answer within ${PEER_TIMEOUT_MS} ms`)));
    request.on('error', (error) => reject(new Error(`its inspector at ${address} is unreachable: ${error.message}`)));
    request.end();
  });
}
