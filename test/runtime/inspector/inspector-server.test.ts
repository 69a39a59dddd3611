/**
 * The inspector's JSON API, live updates and access rules, against real
 * nodes on the memory transport (the page itself is tested in a browser,
 * test/browser/).
 */
import test from 'ava';
import { WebSocket } from 'ws';
import { PipelineFixture, generateEvents, waitFor, T0 } from '../../helpers/pipeline-fixture.ts';
import { createNode, memoryTransport, serveInspector, systemClock, ConfigError, type EventideNode, type InspectorServer, type MemoryTransport } from '../../../index.ts';
import { pipelineStages, queriesTable } from '../../../pipeline/stages.ts';
import type { ActorDetail, ActorList, ClusterView, NodeView, HistoricActor, HistoricSnapshot, LiveUpdate, MachineDefinition, PartitionHistory } from '../../../runtime/inspector/api.ts';
import { partitionForKey } from '../../../protocols/partitioner.ts';
import { InspectorAccess } from '../../../runtime/inspector/access.ts';
import { fetchPeerView } from '../../../runtime/inspector/server.ts';
import { request as httpRequest } from 'node:http';
import { sessionizeStage, sessionTopics, SESSION_TOPICS } from '../../../examples/sessionize/stage.ts';

// A long lateness keeps every window of the three minutes of events open until the clock is advanced.
const QUERY = { id: 'views', nrql: 'SELECT count(*) FROM PageView FACET country TIMESERIES 1 minute WITH LATENESS 5 minutes' };
/** The aggregate partition the query's events go to (matched events are keyed by query). */
const QUERY_PARTITION = partitionForKey(QUERY.id, 2);
const SUPERVISOR = `aggregate/${QUERY_PARTITION}`;

async function inspectedNode(fixture: PipelineFixture, nodeId: string, options: { token?: string } = {}): Promise<{ node: EventideNode; transport: MemoryTransport; inspector: InspectorServer }> {
  const transport = memoryTransport(fixture.log, { clientId: nodeId });
  const node = createNode({ transport, group: 'test', nodeId, stages: pipelineStages(['parse', 'match', 'aggregate'], fixture.options), tables: [queriesTable], clock: fixture.clock });
  fixture.nodes.push({ node, transport, roles: ['parse', 'match', 'aggregate'] });
  const inspector = await serveInspector(node, { reader: transport.reader(), admin: transport.admin(), clock: systemClock, ...options });
  await node.start();
  return { node, transport, inspector };
}

async function get<T>(inspector: InspectorServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, inspector.url), { headers, redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

async function pipelineWithWindows(t: import('ava').ExecutionContext): Promise<{ fixture: PipelineFixture; inspector: InspectorServer; node: EventideNode }> {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 2);
  await fixture.addQueries([QUERY]);
  const { node, inspector } = await inspectedNode(fixture, 'node-a');
  t.teardown(() => inspector.close());
  await fixture.produceEvents(generateEvents(300, 3 * 60_000, 3));
  await waitFor(async () => (await get<ActorList>(inspector, '/api/actors?machine=window')).body.total > 0, () => 'window actors');
  return { fixture, inspector, node };
}

test('the actor list pages through every actor of the node, filtered by machine, state and id, with counts per machine and state', async (t) => {
  const { inspector } = await pipelineWithWindows(t);
  const roots = (await get<ActorList>(inspector, '/api/actors?stage=aggregate')).body;
  t.deepEqual(roots.actors.map((actor) => actor.id), ['aggregate/0', 'aggregate/1']);
  t.true(roots.actors.every((actor) => actor.machine === 'partition-supervisor' && actor.state === 'running' && actor.parent === null));
  t.is(roots.counts['partition-supervisor']?.running, 2);

  const windows = (await get<ActorList>(inspector, '/api/actors?stage=aggregate&machine=window')).body;
  t.is(windows.total, 3, 'three minutes of events, one window a minute');
  t.is(windows.total, Object.values(windows.counts.window ?? {}).reduce((sum, n) => sum + n, 0));
  for (const window of windows.actors) {
    t.regex(window.id, /^aggregate\/\d\/q%3Aviews\/w%3A\d+$/);
    t.is(window.parent, window.id.slice(0, window.id.lastIndexOf('/')));
  }
  const page = (await get<ActorList>(inspector, '/api/actors?stage=aggregate&machine=window&limit=1&offset=1')).body;
  t.is(page.actors.length, 1);
  t.is(page.actors[0]!.id, windows.actors[1]!.id);
  t.is(page.total, windows.total);

  const children = (await get<ActorList>(inspector, `/api/actors?parent=${encodeURIComponent(SUPERVISOR)}`)).body;
  t.deepEqual(children.actors.map((actor) => [actor.id, actor.machine]), [[`${SUPERVISOR}/q%3Aviews`, 'query']]);
  const open = (await get<ActorList>(inspector, '/api/actors?machine=window&state=open')).body;
  t.is(open.total, 3);
  t.is((await get<ActorList>(inspector, '/api/actors?machine=window&state=published')).body.total, 0);
  const byId = (await get<ActorList>(inspector, `/api/actors?q=${encodeURIComponent(windows.actors[0]!.id.split('/').at(-1)!)}`)).body;
  t.true(byId.actors.some((actor) => actor.id === windows.actors[0]!.id));

  t.is((await get(inspector, '/api/actors?limit=x')).status, 400);
  t.is((await get(inspector, `/api/actors?parent=${encodeURIComponent('aggregate/9')}`)).status, 400);
});

test('one actor shows its state, context and children, and its machine is served as xstate JSON to draw', async (t) => {
  const { inspector } = await pipelineWithWindows(t);
  const window = (await get<ActorList>(inspector, '/api/actors?machine=window&limit=1')).body.actors[0]!;
  const detail = (await get<ActorDetail>(inspector, `/api/actors/${encodeURIComponent(window.id)}`)).body;
  t.is(detail.machine, 'window');
  t.is(detail.state, 'open');
  t.is(detail.value, 'open');
  const context = detail.context as { queryId: string; start: number; end: number; events: number };
  t.is(context.queryId, 'views');
  t.is(context.end - context.start, 60_000);
  t.true(context.events > 0);
  t.false(detail.recording, 'nobody watches it, so nothing records its messages');

  const supervisor = (await get<ActorDetail>(inspector, `/api/actors/${encodeURIComponent(SUPERVISOR)}`)).body;
  t.deepEqual(supervisor.childList.map((child) => child.machine), ['query']);

  const machine = (await get<MachineDefinition>(inspector, '/api/machines/window')).body;
  t.is(machine.id, 'window');
  t.deepEqual(Object.keys(machine.root.states), ['open', 'closing', 'publishing', 'published']);
  t.is(machine.root.states.published!.type, 'final');
  t.true(machine.root.states.open!.transitions.some((transition) => transition.eventType === 'window.add'));
  t.deepEqual(machine.root.states.closing!.transitions.map((transition) => [transition.eventType, transition.target]), [['', ['#window.publishing']]], 'the eventless transition toJSON() leaves out');

  t.is((await get(inspector, `/api/actors/${encodeURIComponent('aggregate/0/q%3Anope')}`)).status, 404);
  t.is((await get(inspector, '/api/machines/nope')).status, 404);
  t.is((await get(inspector, '/api/nothing')).status, 404);
});

test('a watched actor is pushed live with the messages it handles; nothing is recorded once nobody watches', async (t) => {
  const { fixture, inspector, node } = await pipelineWithWindows(t);
  const supervisorId = SUPERVISOR;
  const socket = new WebSocket(new URL('/api/live', inspector.url.replace('http', 'ws')));
  const updates: LiveUpdate[] = [];
  socket.on('message', (data) => updates.push(JSON.parse(String(data)) as LiveUpdate));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'watch', actor: supervisorId, cluster: true, actors: 'machine=window' }));
  await waitFor(() => updates.some((u) => u.type === 'actor' && u.actor.recording), () => 'a first actor update');

  // More events for partition 0's supervisor: its timeline shows the batch it handled.
  await fixture.produceEvents(generateEvents(200, 60_000, 5).map((event) => ({ ...event, timestamp: T0 + 200_000 + (event.timestamp - T0) })));
  await waitFor(
    () => updates.some((u) => u.type === 'actor' && u.actor.messages.some((m) => m.type === 'eventide.batch' && m.handled)),
    () => `a batch in the timeline (${JSON.stringify(updates.filter((u) => u.type === 'actor').at(-1))?.slice(0, 400)})`,
  );
  const last = updates.filter((u): u is Extract<LiveUpdate, { type: 'actor' }> => u.type === 'actor').at(-1)!;
  const batch = last.actor.messages.find((m) => m.type === 'eventide.batch')!;
  t.is(batch.state, 'running');
  t.regex(String(batch.summary.records), /^\d+ items?$/, 'a batch is summarised by its size, not shown whole');
  t.is(typeof batch.summary.nextOffset, 'number');
  await waitFor(() => updates.some((u) => u.type === 'cluster') && updates.some((u) => u.type === 'actors'), () => 'cluster and list updates');
  const cluster = updates.find((u): u is Extract<LiveUpdate, { type: 'cluster' }> => u.type === 'cluster')!.cluster;
  t.is(cluster.self, node.nodeId);

  socket.send('{"type":"nonsense"}');
  await waitFor(() => updates.some((u) => u.type === 'error'), () => 'an error for a bad request');

  socket.close();
  await waitFor(() => inspector.watchers === 0, () => 'the socket closed');
  const after = (await get<ActorDetail>(inspector, `/api/actors/${encodeURIComponent(supervisorId)}`)).body;
  t.false(after.recording);
  t.deepEqual(after.messages, []);
});

test('a watched window that publishes is shown in its final state before it is reported gone', async (t) => {
  const { fixture, inspector } = await pipelineWithWindows(t);
  const window = (await get<ActorList>(inspector, '/api/actors?machine=window&limit=1')).body.actors[0]!;
  const socket = new WebSocket(new URL('/api/live', inspector.url.replace('http', 'ws')));
  t.teardown(() => socket.close());
  const updates: LiveUpdate[] = [];
  socket.on('message', (data) => updates.push(JSON.parse(String(data)) as LiveUpdate));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'watch', actor: window.id }));
  await waitFor(() => updates.some((u) => u.type === 'actor' && u.actor.recording), () => 'the window watched');
  await waitFor(async () => {
    await fixture.clock.advance(20_000);
    return updates.some((u) => u.type === 'actor.gone');
  }, () => `the window gone (${updates.map((u) => (u.type === 'actor' ? u.actor.state : u.type)).join(' ')})`);
  const states = updates.map((u) => (u.type === 'actor' ? u.actor.state : u.type));
  t.is(states.at(-2), 'published', `${states.join(' → ')}`);
  t.is(states.at(-1), 'actor.gone');
  const final = updates.at(-2) as Extract<LiveUpdate, { type: 'actor' }>;
  t.is(final.actor.status, 'done');
  t.true(final.actor.messages.some((m) => m.type === 'window.published' && m.state === 'published'));
});

test('the history lists a partition\'s snapshots and markers from the snapshots topic, and the actor tree each snapshot holds', async (t) => {
  const { fixture, inspector } = await pipelineWithWindows(t);
  // The partition goes quiet: past the windows' end, lateness and idle timeout they publish (markers), with snapshots on the way.
  const path = `/api/partitions/aggregate/${QUERY_PARTITION}/history`;
  let history: PartitionHistory | undefined;
  await waitFor(async () => {
    await fixture.clock.advance(20_000);
    history = (await get<PartitionHistory>(inspector, path)).body;
    return history.snapshots.length >= 2 && history.markers.length >= 3 && history.snapshots.at(-1)!.offset > history.markers.at(-1)!.offset;
  }, () => `snapshots and markers (${JSON.stringify(history)?.slice(0, 300)})`);
  const { snapshots, markers } = history!;
  t.is(history!.topic, 'snapshots');
  t.deepEqual(snapshots.map((s) => s.seq), [...snapshots.map((s) => s.seq)].sort((a, b) => a - b));
  t.true(snapshots.every((s) => s.nodeId === 'node-a' && s.bytes > 0 && s.chunks >= 1 && s.offset < history!.endOffset));
  t.true(markers.every((m) => m.key.length > 0 && m.offset < history!.endOffset));
  t.is(snapshots.reduce((sum, s) => sum + s.markersAfter, 0), markers.filter((m) => m.afterSeq !== null).length);
  t.deepEqual(history!.ignored, { incomplete: 0, corrupt: 0 });

  const newest = snapshots.at(-1)!;
  const held = (await get<HistoricSnapshot>(inspector, `${path}/${newest.seq}`)).body;
  t.is(held.snapshot.seq, newest.seq);
  t.is(held.root.id, SUPERVISOR);
  t.is(held.root.machine, 'partition-supervisor');
  const machines = (actor: HistoricActor): string[] => [actor.machine, ...actor.children.flatMap(machines)];
  t.true(machines(held.root).includes('query'));
  t.true(held.markers.every((m) => m.offset > newest.offset));
  // The first snapshot, taken while the windows were open, holds them.
  const first = (await get<HistoricSnapshot>(inspector, `${path}/${snapshots[0]!.seq}`)).body;
  t.deepEqual(machines(first.root).filter((m) => m === 'window').length, 3);

  t.is((await get(inspector, `${path}/99999`)).status, 404);
  t.is((await get(inspector, '/api/partitions/ingest/0/history')).status, 404, 'a stage without snapshots has no history');
  t.is((await get(inspector, '/api/partitions/nope/0/history')).status, 404);
});

test('the cluster view lists every member with its partitions, reading the other member\'s own view over HTTP', async (t) => {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  await fixture.createTopics(3, 4);
  await fixture.addQueries([QUERY]);
  const a = await inspectedNode(fixture, 'node-a');
  t.teardown(() => a.inspector.close());
  const b = await inspectedNode(fixture, 'node-b');
  t.teardown(() => b.inspector.close());
  let cluster: ClusterView | undefined;
  await waitFor(async () => {
    cluster = (await get<ClusterView>(a.inspector, '/api/cluster')).body;
    const aggregate = cluster.partitions.filter((p) => p.stage === 'aggregate');
    return cluster.members.length === 2 && aggregate.length === 4 && aggregate.every((p) => p.state === 'running') && new Set(aggregate.map((p) => p.owner)).size === 2;
  }, () => `two members sharing the partitions (${JSON.stringify(cluster)?.slice(0, 400)})`);
  const [self, other] = cluster!.members;
  t.is(self!.nodeId, 'node-a');
  t.true(self!.self);
  t.is(other!.nodeId, 'node-b');
  t.is(other!.inspect, `127.0.0.1:${b.inspector.port}`, 'the address node-b published to the group');
  t.is(other!.error, null);
  t.is(other!.node?.nodeId, 'node-b');
  t.deepEqual([...(self!.assigned.aggregate ?? []), ...(other!.assigned.aggregate ?? [])].sort(), [0, 1, 2, 3]);
  t.true(cluster!.events.some((e) => e.kind === 'restored' && e.nodeId === 'node-b'));

  // node-b leaves: the other node's view shows every partition on node-a.
  await b.inspector.close();
  await b.node.stop();
  await waitFor(async () => {
    cluster = (await get<ClusterView>(a.inspector, '/api/cluster')).body;
    return cluster.members.length === 1 && cluster.partitions.filter((p) => p.stage === 'aggregate').every((p) => p.owner === 'node-a' && p.state === 'running');
  }, () => `node-a owning everything (${JSON.stringify(cluster?.partitions)})`);
  t.true(cluster!.events.some((e) => e.nodeId === 'node-b' && e.kind === 'restored'), 'what the node that left did is still listed');
});

test('a user-defined stage is inspected like the pipeline: its actors, machine and history', async (t) => {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  const transport = memoryTransport(fixture.log, { clientId: 'sessions' });
  await transport.admin().createTopics(sessionTopics(2));
  const stage = sessionizeStage({ snapshotEveryMs: 1000 });
  const node = createNode({ transport, group: 'shop', nodeId: 'sessions-1', stages: [stage], clock: fixture.clock });
  fixture.nodes.push({ node, transport, roles: [] });
  const inspector = await serveInspector(node, { reader: transport.reader(), admin: transport.admin(), clock: systemClock });
  t.teardown(() => inspector.close());
  await node.start();
  await transport.producer().send([0, 1].map((partition) => ({ topic: SESSION_TOPICS.clicks, partition, key: `user-${partition}`, value: Buffer.from(JSON.stringify({ user: `user-${partition}`, at: T0, page: '/' })) })));
  await waitFor(async () => (await get<ActorList>(inspector, '/api/actors')).body.total === 2, () => 'two partition actors');
  const roots = (await get<ActorList>(inspector, '/api/actors')).body;
  t.deepEqual(roots.actors.map((actor) => [actor.id, actor.machine]), [['sessionize/0', stage.machine.id], ['sessionize/1', stage.machine.id]]);
  const machine = (await get<MachineDefinition>(inspector, `/api/machines/${stage.machine.id}`)).body;
  t.is(machine.id, stage.machine.id);
  const cluster = (await get<ClusterView>(inspector, '/api/cluster')).body;
  t.deepEqual(cluster.stages.map((s) => s.name), ['sessionize']);
  await waitFor(async () => {
    await fixture.clock.advance(1500);
    return (await get<PartitionHistory>(inspector, '/api/partitions/sessionize/1/history')).body.snapshots.length > 0;
  }, () => 'a snapshot of sessionize[1]');
});

test('a token guards every request and the WebSocket; without one, only loopback may be bound', async (t) => {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  await fixture.createTopics(1, 1);
  const transport = memoryTransport(fixture.log, { clientId: 'guarded' });
  const node = createNode({ transport, group: 'test', nodeId: 'guarded', stages: pipelineStages(['parse', 'match', 'aggregate'], fixture.options), tables: [queriesTable], clock: fixture.clock });
  fixture.nodes.push({ node, transport, roles: [] });
  const sources = { reader: transport.reader(), admin: transport.admin(), clock: systemClock };

  const refused = await t.throwsAsync(serveInspector(node, { ...sources, address: '0.0.0.0:0' }), { instanceOf: ConfigError });
  t.regex(refused!.message, /without a token.*--inspect-token.*EVENTIDE_INSPECT_TOKEN/);
  await t.throwsAsync(serveInspector(node, { ...sources, address: '0.0.0.0:0', token: 'short' }), { instanceOf: ConfigError, message: /at least 16/ });

  const token = 'a-token-of-the-cluster-0123';
  const inspector = await serveInspector(node, { ...sources, address: '127.0.0.1:0', token });
  t.teardown(() => inspector.close());
  await node.start();
  t.is((await get(inspector, '/api/node')).status, 401);
  t.is((await get(inspector, '/status')).status, 401);
  t.is((await get(inspector, '/api/node', { authorization: 'Bearer a-token-of-the-cluster-0124' })).status, 401);
  t.is((await get(inspector, '/api/node', { authorization: `Bearer ${token}` })).status, 200);
  const opened = await fetch(new URL(`/?token=${token}`, inspector.url), { redirect: 'manual' });
  t.is(opened.status, 302);
  t.is(opened.headers.get('location'), '/');
  const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
  t.regex(opened.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict/);
  t.is((await get(inspector, '/api/node', { cookie })).status, 200);
  const rebound = await new Promise<number>((resolve, reject) =>
    httpRequest(new URL('/api/node', inspector.url), { headers: { authorization: `Bearer ${token}`, host: 'attacker.example' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject).end(),
  );
  t.is(rebound, 401, 'a loopback inspector answers only to a loopback Host (no DNS rebinding)');

  const upgrade = (headers: Record<string, string>): Promise<number> =>
    new Promise((resolve) => {
      const socket = new WebSocket(new URL('/api/live', inspector.url.replace('http', 'ws')), { headers });
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('error', () => resolve(-1));
    });
  // Links with a token: a wrong one neither logs out nor sets a cookie, a right one wins over a stale cookie, and no redirect leaves the server.
  const wrongLink = await fetch(new URL(`/.//evil.example/?token=wrong-token-0000000000`, inspector.url), { redirect: 'manual', headers: { cookie } });
  t.is(wrongLink.status, 302);
  t.regex(wrongLink.headers.get('location')!, /^\/(?!\/)/, 'the redirect is a path of this server, never //another.host');
  t.is(wrongLink.headers.get('set-cookie'), null);
  const stale = `${cookie.split('=')[0]}=an-old-token-of-the-cluster`;
  t.is((await get(inspector, `/api/node?token=${token}`, { cookie: stale })).status, 302);
  t.is((await get(inspector, '/api/node', { cookie: stale, authorization: `Bearer ${token}` })).status, 200);

  t.is(await upgrade({}), 401);
  t.is(await upgrade({ cookie }), 101);
  t.is(await upgrade({ cookie, origin: 'http://evil.example' }), 401, 'a WebSocket from another site is refused');
});

test('what a client sends cannot throw out of the server: malformed targets, bad encodings and prototype names', async (t) => {
  const { inspector } = await pipelineWithWindows(t);
  const { createConnection } = await import('node:net');
  const raw = (request: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port: inspector.port }, () => socket.write(request));
      let answer = '';
      socket.on('data', (data) => (answer += String(data)));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(request)}`)));
    });
  t.regex(await raw('GET //[ HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.regex(await raw('GET //[ HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.is((await get(inspector, '/api/actors/%E0%A4%A')).status, 400);
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    t.is((await get(inspector, `/api/actors/${encodeURIComponent(`${SUPERVISOR}/${name}`)}`)).status, 404, name);
    t.is((await get(inspector, `/api/actors?parent=${encodeURIComponent(`${SUPERVISOR}/${name}`)}`)).status, 400, name);
  }
  const socket = new WebSocket(new URL('/api/live', inspector.url.replace('http', 'ws')));
  t.teardown(() => socket.close());
  const updates: LiveUpdate[] = [];
  socket.on('message', (data) => updates.push(JSON.parse(String(data)) as LiveUpdate));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'watch', actor: `${SUPERVISOR}/__proto__`, actors: 'parent=aggregate%2F0%2Fconstructor' }));
  await waitFor(() => updates.some((u) => u.type === 'actor.gone') && updates.some((u) => u.type === 'error'), () => `gone and error updates (${JSON.stringify(updates)})`);
  // The node is still there and answers.
  t.is((await get<ActorList>(inspector, '/api/actors?machine=window')).body.total, 3);
});

test('a node reads a peer\'s view with a signature of the shared token, never the token, and only from the node it expects', async (t) => {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  await fixture.createTopics(2, 2);
  const token = 'the-cluster-token-0123456789';
  const a = await inspectedNode(fixture, 'node-a', { token });
  t.teardown(() => a.inspector.close());
  const b = await inspectedNode(fixture, 'node-b', { token });
  t.teardown(() => b.inspector.close());
  let cluster: ClusterView | undefined;
  await waitFor(async () => {
    cluster = (await get<ClusterView>(a.inspector, '/api/cluster', { authorization: `Bearer ${token}` })).body;
    return cluster.members.length === 2 && cluster.members.every((member) => member.node !== null);
  }, () => `both members read (${JSON.stringify(cluster?.members.map((m) => [m.nodeId, m.error]))})`);
  t.is(cluster!.members.find((m) => !m.self)!.node!.nodeId, 'node-b');

  // A signature is accepted for /api/node only, and only with the right token and a recent time.
  const signed = new InspectorAccess('127.0.0.1', token).signPeerRequest('/api/node', Date.now());
  t.is((await get(b.inspector, '/api/node', signed)).status, 200);
  t.is((await get(b.inspector, '/api/cluster', signed)).status, 401);
  t.is((await get(b.inspector, '/api/node', new InspectorAccess('127.0.0.1', 'another-token-0123456789').signPeerRequest('/api/node', Date.now()))).status, 401);
  t.is((await get(b.inspector, '/api/node', new InspectorAccess('127.0.0.1', token).signPeerRequest('/api/node', Date.now() - 120_000))).status, 401);

  // A member whose advertised address answers as another node is not shown with that node's data.
  const access = new InspectorAccess('127.0.0.1', token);
  await t.throwsAsync(fetchPeerView(`127.0.0.1:${a.inspector.port}`, 'node-b', access, Date.now()), { message: /answers as node node-a/ });
  t.is((await fetchPeerView(`127.0.0.1:${b.inspector.port}`, 'node-b', access, Date.now())).nodeId, 'node-b');
});
