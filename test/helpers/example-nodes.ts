/**
 * What the example tests share, on either transport: nodes that are started
 * and stopped by name, waiting for a node to read its input to the end, and
 * reading an output topic.
 */
import { createNode, partitionForKey, type EventideNode, type ManualClock, type StageDefinition, type TableDefinition, type Transport } from 'eventide';
import { readTopic, waitFor } from './pipeline-fixture.ts';

/** A transport per node (a node closes its own) and one for the test's own reads and writes. */
export interface ExampleEnvironment {
  readonly admin: Transport;
  readonly transportFor: (nodeId: string) => Transport;
  readonly clock: ManualClock;
  /** Names the consumer groups, so runs on a shared broker do not meet. */
  readonly group: string;
}

export interface StartedNode {
  readonly node: EventideNode;
  readonly transport: Transport;
}

export async function startExampleNode(env: ExampleEnvironment, nodeId: string, stages: readonly StageDefinition<any>[], tables: readonly TableDefinition<any>[] = []): Promise<StartedNode> {
  const transport = env.transportFor(nodeId);
  const node = createNode({ transport, group: env.group, nodeId, stages, tables, clock: env.clock });
  await node.start();
  return { node, transport };
}

export async function stopExampleNode({ node, transport }: StartedNode): Promise<void> {
  await node.stop();
  await transport.close();
}

/** Writes JSON values keyed by `keyOf`, each to its key's partition (as Kafka's default partitioner). */
export async function produceKeyed<T>(env: ExampleEnvironment, topic: string, values: readonly T[], keyOf: (value: T) => string): Promise<void> {
  const partitions = (await env.admin.admin().describeTopics([topic]))[0]!.partitions;
  await env.admin.producer().send(values.map((value) => ({ topic, partition: partitionForKey(keyOf(value), partitions), key: keyOf(value), value: Buffer.from(JSON.stringify(value)) })));
}

/** Waits until `node` hosts every partition of `stage` running and has handled its input to the end. */
export async function waitUntilCaughtUp(env: ExampleEnvironment, node: EventideNode, stage: StageDefinition<any>, timeoutMs = 90_000): Promise<void> {
  const topic = stage.input.topic;
  const partitions = (await env.admin.admin().describeTopics([topic]))[0]!.partitions;
  const ends = await env.admin.reader().endOffsets(topic);
  const describe = (): string => JSON.stringify({ ends: [...ends], hosts: node.partitions().map((host) => `${host.stage}[${host.partition}] ${host.state} @${host.nextOffset}`) });
  await waitFor(() => {
    const hosts = node.partitions().filter((host) => host.stage === stage.name && host.state === 'running');
    return hosts.length === partitions && hosts.every((host) => host.nextOffset >= (ends.get(host.partition) ?? 0));
  }, describe, timeoutMs);
  await node.idle();
}

/** The committed records of a topic, values decoded. */
export async function readValues<T>(env: ExampleEnvironment, topic: string, decode: (value: Buffer) => T): Promise<T[]> {
  return (await readTopic(env.admin, topic)).map((record) => decode(record.value!));
}

/** Advances the clock a second at a time, letting the nodes run, until `condition` holds. */
export async function advanceUntil(env: ExampleEnvironment, condition: () => Promise<boolean>, describe: () => Promise<string>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out advancing the clock: ${await describe()}`);
    await env.clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
