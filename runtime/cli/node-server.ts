/**
 * A node's HTTP port: Prometheus metrics at `/metrics` and the node's
 * partitions as JSON at `/status`. Metrics are read from the node when
 * scraped, so the runtime carries no metrics code on its hot path.
 */
import { createServer, type Server } from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventideNode } from '../node.ts';

export function nodeMetrics(node: EventideNode): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = ['stage', 'partition'] as const;
  const gauge = (name: string, help: string, read: (stats: ReturnType<EventideNode['partitions']>[number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of node.partitions()) {
          const value = read(stats);
          if (value !== null) this.set({ stage: stats.stage, partition: String(stats.partition) }, value);
        }
      },
    });
  gauge('eventide_records_in_total', 'Input records handled by the partition since it was assigned here', (s) => s.recordsIn);
  gauge('eventide_input_offset', 'Next input offset of the partition', (s) => s.nextOffset);
  gauge('eventide_transactions_total', 'Transactions committed by the partition writer', (s) => s.transactions);
  gauge('eventide_snapshots_total', 'Snapshots written by the partition', (s) => s.snapshots);
  gauge('eventide_snapshot_age_seconds', 'Age of the newest snapshot written here', (s) => (s.lastSnapshotAt === null ? null : (Date.now() - s.lastSnapshotAt) / 1000));
  gauge('eventide_restore_duration_seconds', 'How long the last restore of the partition took', (s) => (s.restore === null ? null : s.restore.durationMs / 1000));
  gauge('eventide_restore_bytes', 'Snapshot bytes read by the last restore', (s) => (s.restore === null ? null : s.restore.bytes));
  return registry;
}

export async function serveNode(node: EventideNode, address: string): Promise<Server> {
  const [host, portText] = address.includes(':') ? [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)] : ['127.0.0.1', address];
  const registry = nodeMetrics(node);
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    if (request.url === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nodeId: node.nodeId, state: node.state, partitions: node.partitions() }, null, 2));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('eventide node: /metrics, /status\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => resolve());
  });
  return server;
}
