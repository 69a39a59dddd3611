/**
 * Runs the sessionize stage on one node: creates its topics, writes some
 * clicks of made-up users, and prints every session as it is published,
 * until the sessions account for every click.
 *
 *   npx tsx --conditions=eventide-source examples/sessionize/run.ts --transport memory
 *   npx tsx --conditions=eventide-source examples/sessionize/run.ts --transport kafka --brokers localhost:9092
 *
 * Options: --clicks N (200), --users N (8), --gap SECONDS (60), --group NAME (sessionize-example).
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createNode, kafkaTransport, MemoryLog, memoryTransport, partitionForKey, type Transport } from 'eventide';
import type { Click } from './session-machine.ts';
import { decodeSession, sessionizeStage, sessionTopics, SESSION_TOPICS } from './stage.ts';

const { values: args } = parseArgs({
  options: {
    transport: { type: 'string', default: 'memory' },
    brokers: { type: 'string', default: 'localhost:9092' },
    clicks: { type: 'string', default: '200' },
    users: { type: 'string', default: '8' },
    gap: { type: 'string', default: '60' },
    group: { type: 'string', default: 'sessionize-example' },
  },
});

function transportFromArgs(): Transport {
  if (args.transport === 'memory') return memoryTransport(new MemoryLog());
  if (args.transport === 'kafka') return kafkaTransport({ brokers: args.brokers.split(','), clientId: 'sessionize-example' });
  throw new Error(`--transport is memory or kafka, not '${args.transport}'`);
}

const transport = transportFromArgs();
const gapMs = Number(args.gap) * 1000;
await transport.admin().createTopics(sessionTopics(3));

// Clicks of this run's users (a prefix tells them from earlier runs on the same topics), in the past, in time order.
const run = randomUUID().slice(0, 8);
const count = Number(args.clicks);
let at = Date.now() - count * 4000 - 2 * gapMs;
const clicks: Click[] = Array.from({ length: count }, () => {
  at += Math.floor(Math.random() * 8000);
  return { user: `${run}-user-${Math.floor(Math.random() * Number(args.users))}`, at, page: `/page/${Math.floor(Math.random() * 5)}` };
});
const partitions = (await transport.admin().describeTopics([SESSION_TOPICS.clicks]))[0]!.partitions;
await transport.producer().send(
  clicks.map((click) => ({ topic: SESSION_TOPICS.clicks, partition: partitionForKey(click.user, partitions), key: click.user, value: Buffer.from(JSON.stringify(click)) })),
);
console.log(`wrote ${count} clicks of run ${run} to '${SESSION_TOPICS.clicks}'`);

const node = createNode({ transport, group: args.group, stages: [sessionizeStage({ gapMs, tickMs: 1000 })] });
await node.start();
console.log(`node ${node.nodeId} running on the ${transport.kind} transport`);

// The runtime's clock timers do not keep a process alive, and the memory log
// holds no sockets: wait on a timer of our own until the sessions are in.
const keepAlive = setInterval(() => {}, 1000);
let counted = 0;
let resolveAllCounted = (): void => {};
const allCounted = new Promise<void>((resolve) => (resolveAllCounted = resolve));
const follower = await transport.reader().follow(SESSION_TOPICS.sessions, {
  onRecords(records) {
    for (const record of records) {
      const session = decodeSession(record.value!);
      if (!session.user.startsWith(`${run}-`)) continue;
      counted += session.clicks;
      console.log(`session ${session.user} ${new Date(session.start).toISOString()} ${session.clicks} clicks over ${Math.round(session.durationMs / 1000)} s`);
    }
    if (counted >= count) resolveAllCounted();
  },
});
await allCounted;
clearInterval(keepAlive);
console.log(`all ${count} clicks are in published sessions`);
await follower.stop();
await node.stop();
await transport.close();
