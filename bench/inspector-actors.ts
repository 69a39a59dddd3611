/**
 * The inspector's actor tree at scale: one aggregate partition holding a
 * query with N open windows (one event per one-second window, a lateness of
 * two days so none closes), then the time of the API requests the page makes
 * on it, each the median of several, measured from a client as a browser
 * would see it. Tells whether 100,000 windows stay usable.
 *
 *   npx tsx bench/inspector-actors.ts [windows=100000]
 */
import { performance } from 'node:perf_hooks';
import { MemoryLog, memoryTransport } from '../runtime/memory/index.ts';
import { createNode } from '../runtime/node.ts';
import { systemClock } from '../runtime/clock.ts';
import { encodeQueryRecord } from '../protocols/query-record/index.ts';
import { encodeEventBatch } from '../protocols/event-batch/index.ts';
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { pipelineTopics, TOPICS } from '../pipeline/topics.ts';
import { serveInspector } from '../runtime/inspector/server.ts';
import type { ActorList } from '../runtime/inspector/api.ts';

const QUERY = { id: 'many', nrql: 'SELECT count(*) FROM PageView TIMESERIES 1 second WITH LATENESS 2 days' };

async function main(): Promise<void> {
  const windows = Number(process.argv[2] ?? 100_000);
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'bench' });
  await transport.admin().createTopics(pipelineTopics({ partitions: 1, matchedPartitions: 1 }));
  const now = systemClock.now();
  await transport.producer().send([{ topic: TOPICS.queries, partition: 0, key: QUERY.id, value: encodeQueryRecord({ v: 1, id: QUERY.id, nrql: QUERY.nrql, createdAt: now, expiresAt: now + 3_600_000 }) }]);
  const start = Math.floor(now / 1000) * 1000 - windows * 1000;
  const batches = [];
  for (let i = 0; i < windows; i += 500) {
    const events = Array.from({ length: Math.min(500, windows - i) }, (_, j) => ({ eventType: 'PageView', timestamp: start + (i + j) * 1000, attributes: { appName: 'shop' } }));
    batches.push({ topic: TOPICS.raw, partition: 0, value: encodeEventBatch(events) });
  }
  await transport.producer().send(batches);
  const pipeline = { snapshotEveryMs: 3_600_000, idleTimeoutMs: 3_600_000 };
  const node = createNode({ transport, group: 'bench', nodeId: 'bench', stages: pipelineStages(['parse', 'match', 'aggregate'], pipeline), tables: pipelineTables(pipeline) });
  const inspector = await serveInspector(node, { reader: transport.reader(), admin: transport.admin() });
  await node.start();
  const get = async (path: string): Promise<{ ms: number; body: unknown; bytes: number }> => {
    const started = performance.now();
    const response = await fetch(new URL(path, inspector.url));
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 200)}`);
    return { ms: performance.now() - started, body: JSON.parse(text), bytes: text.length };
  };
  const loadStarted = performance.now();
  for (;;) {
    const list = (await get('/api/actors?machine=window&limit=1')).body as ActorList;
    if (list.total >= windows) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(`${windows} open windows in one query actor after ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
  const query = encodeURIComponent('aggregate/0/q%3Amany');
  const middle = encodeURIComponent(`aggregate/0/q%3Amany/w%3A${start + Math.floor(windows / 2) * 1000}`);
  const requests: [string, string][] = [
    ['roots with counts (walks every actor)', '/api/actors'],
    ['a filter over every actor (machine=window&state=open), page 1', '/api/actors?machine=window&state=open&limit=100'],
    ['an id filter, page 1', '/api/actors?q=w%3A17&limit=100'],
    [`the query's children, page ${Math.floor(windows / 200)} of ${Math.ceil(windows / 100)}`, `/api/actors?parent=${query}&offset=${Math.floor(windows / 2)}&limit=100`],
    ['one window (detail)', `/api/actors/${middle}`],
    ['the query actor (detail, first 100 children)', `/api/actors/${query}`],
    ['the supervisor (detail)', `/api/actors/${encodeURIComponent('aggregate/0')}`],
    ['the node view', '/api/node'],
  ];
  for (const [what, path] of requests) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 7; i++) {
      const result = await get(path);
      times.push(result.ms);
      bytes = result.bytes;
    }
    times.sort((a, b) => a - b);
    console.log(`${what}: median ${times[3]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[6]!.toFixed(1)}), ${(bytes / 1024).toFixed(1)} KiB`);
  }
  await inspector.close();
  await node.stop();
  await transport.close();
}

await main();
