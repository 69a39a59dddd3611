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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { inspectorAssets, type InspectorAsset } from './assets.ts';

/** A view a node adds to its inspector, served as JSON at `/api/views/:name`. */
export interface InspectorView {
  /** Its name in the URL (`queries`). */
  readonly name: string;
  /** Its title on the page. */
  readonly title: string;
  /** Its content now: a table the page draws (api.ts `ViewContent`). */
  read(): ViewContent | Promise<ViewContent>;
}

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
  // One read of the cluster at a time, at most about once a second, however many pages watch.
  let cached: { at: number; view: Promise<ClusterView>; settled: boolean } | null = null;
  const remembered = new RememberedEvents();
  const clusterView = (): Promise<ClusterView> => {
    const now = clock.now();
    if (cached === null || (now - cached.at >= CLUSTER_CACHE_MS && cached.settled)) {
      const view = readClusterView({
        self: node.nodeId, group: node.group, stages: options.clusterStages ?? node.stages(), admin: options.admin, reader: options.reader,
        nodeView, fetchPeer: (address, nodeId) => fetchPeerView(address, nodeId, access, Date.now()), now: () => clock.now(), remembered,
      });
      const entry = { at: now, view, settled: false };
      cached = entry;
      view.then(
        () => (entry.settled = true),
        () => (cached = null),
      );
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
    // A restore reads the same partition through the same reader: it goes first.
    if (node.partitions().some((p) => p.stage === stage.name && p.partition === partition && p.state === 'restoring')) {
      throw new HttpError(503, `${stage.name}[${partition}] is restoring from ${stage.snapshotsTopic} now; read its history once it runs`);
    }
    return { stage, partition, topic: stage.snapshotsTopic };
  };
  // History reads scan a whole snapshots partition: one at a time per node.
  let historyTail: Promise<unknown> = Promise.resolve();
  const oneHistoryReadAtATime = <T>(read: () => Promise<T>): Promise<T> => {
    const run = historyTail.then(read, read);
    historyTail = run.catch(() => undefined);
    return run;
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
        return oneHistoryReadAtATime(() => readPartitionHistory({ reader: options.reader, topic: source.topic, stage: source.stage.name, partition: source.partition }, clock.now()));
      },
    ],
    [
      /^\/api\/partitions\/([^/]+)\/([^/]+)\/history\/([^/]+)$/,
      async ([stage, partition, seqText]) => {
        const source = historySource(stage!, partition!);
        const seq = Number(seqText);
        if (!Number.isSafeInteger(seq)) throw new HttpError(400, `seq must be an integer, not '${seqText}'`);
        const machine = node.stageMachine(source.stage.name);
        const snapshot = await oneHistoryReadAtATime(() => readHistoricSnapshot({ reader: options.reader, topic: source.topic, stage: source.stage.name, partition: source.partition }, seq, machine));
        return snapshot ?? notFound(`${source.stage.name}[${source.partition}] has no complete snapshot ${seq} on ${source.topic}`);
      },
    ],
    [/^\/api\/views$/, (): ViewList => ({ views: views.map(({ name, title }) => ({ name, title })) })],
    [/^\/api\/views\/([^/]+)$/, ([name]) => (views.find((view) => view.name === name) ?? notFound(`no view '${name}'`)).read()],
    [/^\/status$/, () => ({ nodeId: node.nodeId, state: node.state, partitions: node.partitions(), standbys: node.standbys(), failing: node.failingPartitions() })],
  ];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = requestUrl(request);
    const queryToken = url.searchParams.get('token');
    if (!access.allows(request, queryToken, peerPath(url))) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'this inspector needs its token: open it with ?token=<token> or send Authorization: Bearer <token>' }));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'the inspector is read-only' }));
      return;
    }
    if (queryToken !== null && access.requiresToken) {
      // Keep the token out of the address bar and the page's history: a cookie carries it from now on.
      // Only the right token is stored (a wrong one in a link must not replace a good cookie), and the
      // redirect stays on this server whatever the path looks like.
      url.searchParams.delete('token');
      const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
      const headers: Record<string, string> = { location };
      if (access.accepts(queryToken)) headers['set-cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/`;
      response.writeHead(302, headers).end();
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
      const args = match.slice(1).map(decodeSegment);
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
    // Nothing a client sends may throw out of here: an exception would end the node.
    try {
      const path = requestUrl(request).pathname;
      if (path !== '/api/live') return refuseUpgrade(socket, '404 Not Found');
      if (!access.allowsUpgrade(request)) return refuseUpgrade(socket, '401 Unauthorized');
      if (hub.watchers >= MAX_WATCHERS) return refuseUpgrade(socket, '503 Service Unavailable');
      sockets.handleUpgrade(request, socket, head, (ws) => hub.attach(ws));
    } catch {
      refuseUpgrade(socket, '400 Bad Request');
    }
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

/** Pages connected at once, at most (each costs a walk of the actors a second). */
const MAX_WATCHERS = 32;

/** The request's URL; a target that is no URL is a 400, never an exception out of a listener. */
function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://inspector');
  } catch {
    throw new HttpError(400, 'the request target is not a URL');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `'${segment.slice(0, 100)}' is not URI-encoded`);
  }
}

function refuseUpgrade(socket: { end(data: string): void }, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

function notFound(message: string): never {
  throw new HttpError(404, message);
}

/** The path a peer may read with a signature instead of the token: its `/api/node`, nothing else. */
function peerPath(url: URL): string | undefined {
  return url.pathname === PEER_VIEW_PATH ? PEER_VIEW_PATH : undefined;
}

const PEER_VIEW_PATH = '/api/node';
/** A peer's view larger than this is refused (a view of 1,000 partitions is about 1 MiB). */
const PEER_VIEW_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A peer's `/api/node`, signed with the shared token rather than carrying
 * it, within an overall deadline and a size limit, and only if the node
 * that answers is the one expected (two nodes advertising the same
 * loopback address on different machines would otherwise be mixed up).
 */
export async function fetchPeerView(address: string, expectedNodeId: string, access: InspectorAccess, now: number): Promise<NodeView> {
  let response: Response;
  try {
    response = await fetch(`http://${address}${PEER_VIEW_PATH}`, { headers: access.signPeerRequest(PEER_VIEW_PATH, now), signal: AbortSignal.timeout(PEER_TIMEOUT_MS), redirect: 'error' });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `did not answer within ${PEER_TIMEOUT_MS} ms` : `is unreachable (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`;
    throw new Error(`its inspector at ${address} ${reason}`);
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > PEER_VIEW_MAX_BYTES) {
    await response.body?.cancel();
    throw new Error(`its inspector at ${address} answered ${length} bytes, more than the ${PEER_VIEW_MAX_BYTES} a node view may have`);
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`its inspector at ${address} answered ${response.status}: ${text.slice(0, 200)}`);
  let view: NodeView;
  try {
    view = JSON.parse(text) as NodeView;
  } catch {
    throw new Error(`its inspector at ${address} did not answer JSON`);
  }
  if (view.nodeId !== expectedNodeId) throw new Error(`its advertised inspector ${address} answers as node ${String(view.nodeId)}: give each node an address its peers reach (not a loopback address shared by several machines)`);
  return view;
}
