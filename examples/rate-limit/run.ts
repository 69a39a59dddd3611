/**
 * Runs the rate-limit stage on one node: creates its topics, sets a limit
 * for one key in the `rate-limits` table, writes a minute of requests, and
 * prints every alert as it is published.
 *
 *   npx tsx --conditions=eventide-source examples/rate-limit/run.ts --transport memory
 *   npx tsx --conditions=eventide-source examples/rate-limit/run.ts --transport kafka --brokers localhost:9092
 *
 * Options: --requests N (600), --limit N (30, the default limit per 10 s window), --group NAME (rate-limit-example).
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createNode, kafkaTransport, MemoryLog, memoryTransport, partitionForKey, type Transport } from 'eventide';
import type { Request } from './rate-limit-machine.ts';
import { decodeAlert, limitsTable, rateLimitStage, rateLimitTopics, RATE_TOPICS } from './stage.ts';

const { values: args } = parseArgs({
  options: {
    transport: { type: 'string', default: 'memory' },
    brokers: { type: 'string', default: 'localhost:9092' },
    requests: { type: 'string', default: '600' },
    limit: { type: 'string', default: '30' },
    group: { type: 'string', default: 'rate-limit-example' },
  },
});

function transportFromArgs(): Transport {
  if (args.transport === 'memory') return memoryTransport(new MemoryLog());
  if (args.transport === 'kafka') return kafkaTransport({ brokers: args.brokers.split(','), clientId: 'rate-limit-example' });
  throw new Error(`--transport is memory or kafka, not '${args.transport}'`);
}

const transport = transportFromArgs();
await transport.admin().createTopics(rateLimitTopics(3));

// This run's keys carry a prefix, to tell their alerts from earlier runs'. `partner` may do five times the default.
const run = randomUUID().slice(0, 8);
const limit = Number(args.limit);
const keys = [`${run}-crawler`, `${run}-partner`, `${run}-app`];
await transport.producer().send([{ topic: RATE_TOPICS.limits, partition: 0, key: keys[1]!, value: Buffer.from(String(limit * 5)) }]);
const count = Number(args.requests);
const from = Date.now() - 60_000;
const requests: Request[] = Array.from({ length: count }, (_, i) => ({ apiKey: keys[Math.floor(Math.random() * 10) < 6 ? 0 : Math.floor(Math.random() * 2) + 1]!, at: from + Math.floor((i * 60_000) / count) }));
const partitions = (await transport.admin().describeTopics([RATE_TOPICS.requests]))[0]!.partitions;
await transport.producer().send(requests.map((request) => ({ topic: RATE_TOPICS.requests, partition: partitionForKey(request.apiKey, partitions), key: request.apiKey, value: Buffer.from(JSON.stringify(request)) })));
console.log(`wrote ${count} requests of ${keys.join(', ')} to '${RATE_TOPICS.requests}'`);

const node = createNode({ transport, group: args.group, stages: [rateLimitStage({ windowMs: 10_000, defaultLimit: limit })], tables: [limitsTable] });
await node.start();
console.log(`node ${node.nodeId} running on the ${transport.kind} transport`);

// Every key with requests in its partition shows up once the node has read them all; print the alerts of this run.
const keepAlive = setInterval(() => {}, 1000);
const follower = await transport.reader().follow(RATE_TOPICS.alerts, {
  onRecords(records) {
    for (const record of records) {
      const alert = decodeAlert(record.value!);
      if (alert.apiKey.startsWith(`${run}-`)) console.log(`alert: ${alert.apiKey} passed ${alert.limit} requests in the window from ${new Date(alert.windowStart).toISOString()}`);
    }
  },
});
const ends = await transport.reader().endOffsets(RATE_TOPICS.requests);
while (!node.partitions().every((host) => host.state === 'running' && host.nextOffset >= (ends.get(host.partition) ?? 0)) || node.partitions().length < partitions) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await node.idle();
await new Promise((resolve) => setTimeout(resolve, 500));
clearInterval(keepAlive);
await follower.stop();
await node.stop();
await transport.close();
console.log('done');
