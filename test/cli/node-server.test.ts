import test from 'ava';
import { PipelineFixture, generateEvents, waitFor } from '../helpers/pipeline-fixture.ts';
import { serveNodeInspector } from '../../cli/node-server.ts';
import { memoryTransport } from '../../runtime/memory/index.ts';
import { createNode } from '../../runtime/node.ts';
import { pipelineStages, queriesTable } from '../../pipeline/stages.ts';

const metricValue = (text: string, name: string, labels: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
};

test('a node serves Prometheus metrics of records, dead letters, snapshots and restores, and its partitions as JSON', async (t) => {
  const fixture = new PipelineFixture();
  t.teardown(() => fixture.stop());
  await fixture.createTopics();
  await fixture.addQueries([{ id: 'views', nrql: 'SELECT count(*) FROM PageView TIMESERIES 1 minute' }]);
  const events = generateEvents(600, 3 * 60_000, 3);
  await fixture.produceEvents(events);
  await fixture.produceRaw(0, Buffer.from('{not json'));
  // The server subscribes before the node starts, as `eventide node` does, so it sees the first rebalance and restores.
  const transport = memoryTransport(fixture.log, { clientId: 'metrics-node' });
  const node = createNode({ transport, group: 'test', stages: pipelineStages(['parse', 'match', 'aggregate'], fixture.options), tables: [queriesTable], clock: fixture.clock });
  fixture.nodes.push({ node, transport, roles: ['parse', 'match', 'aggregate'] });
  const server = await serveNodeInspector(node, { address: '127.0.0.1:0', transport });
  await node.start();
  t.teardown(() => void server.close());
  const base = `http://127.0.0.1:${server.port}`;

  let metrics = '';
  await waitFor(
    async () => {
      metrics = await (await fetch(`${base}/metrics`)).text();
      return metricValue(metrics, 'eventide_dead_letters_total', 'stage="ingest",reason="malformed-json"') === 1 && metricValue(metrics, 'eventide_records_in_total', 'stage="ingest"') > 0;
    },
    () => 'ingest metrics',
  );
  // Every raw record (the batches and the bad one) was handed to the ingest machine once.
  const rawRecords = Math.ceil(events.length / 3 / 25) * 3 + 1;
  t.is(metricValue(metrics, 'eventide_records_in_total', 'stage="ingest"'), rawRecords);
  t.true(metricValue(metrics, 'eventide_records_out_total', 'stage="ingest",topic="events.matched"') > 0);
  t.is(metricValue(metrics, 'eventide_rebalances_total', 'stage="aggregate"'), 1);
  t.true(metrics.includes('eventide_restore_duration_seconds_count{stage="aggregate",from="earliest"} 4'));

  await fixture.clock.advance(6000);
  await waitFor(async () => (await (await fetch(`${base}/metrics`)).text()).includes('eventide_snapshot_bytes_count{stage="aggregate"}'), () => 'a snapshot metric');

  metrics = await (await fetch(`${base}/metrics`)).text();
  t.false(metrics.includes('eventide_unhandled_messages_total{'), 'no routine message of the pipeline is unhandled by any actor');
  t.true(metrics.includes('eventide_instrumentation_listener_errors 0'));

  // A listener that throws is counted and logged; the partitions go on.
  node.instrumentation.on('records.in', () => {
    throw new Error('a broken metrics listener');
  });
  const before = metricValue(metrics, 'eventide_records_in_total', 'stage="ingest"');
  await fixture.produceRaw(1, Buffer.from('{still not json'));
  await waitFor(async () => metricValue(await (await fetch(`${base}/metrics`)).text(), 'eventide_records_in_total', 'stage="ingest"') === before + 1, () => 'the record after the throwing listener');
  t.true(node.instrumentation.listenerErrors >= 1);
  t.true((await (await fetch(`${base}/metrics`)).text()).includes(`eventide_instrumentation_listener_errors ${node.instrumentation.listenerErrors}`));

  const status = (await (await fetch(`${base}/status`)).json()) as { nodeId: string; partitions: { stage: string; partition: number; state: string }[] };
  t.is(status.nodeId, node.nodeId);
  t.deepEqual(status.partitions.filter((p) => p.stage === 'aggregate').map((p) => p.state), ['running', 'running', 'running', 'running']);
});
