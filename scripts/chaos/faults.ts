/**
 * Carrying out the faults of a chaos run against real processes: node
 * processes killed, stopped, restarted and added through the CLI, a broker
 * JVM killed and restarted, probe queries added and cancelled with
 * `eventide query`, poison records produced. Each fault heals before it
 * returns (a node joining stays), so the next one starts from a whole
 * cluster.
 */
import type { CliCluster, CliNode } from '../../test/helpers/cli-cluster.ts';
import { until } from '../../test/helpers/cli-cluster.ts';
import type { KafkaTestCluster } from '../../test/kafka/harness/index.ts';
import type { RawProducer } from './raw-producer.ts';
import { nrqlOf } from './queries.ts';
import type { ChaosPlan } from './plan.ts';
import { poisonRecords } from './poison.ts';
import type { PlannedFault } from './schedule.ts';

/** What the faults act on. */
export interface FaultTargets {
  readonly plan: ChaosPlan;
  readonly kafka: KafkaTestCluster;
  readonly cluster: CliCluster;
  /** A producer of the faults' own (poison, probe events), apart from the load's. */
  readonly producer: RawProducer;
  /** Starts (or restarts) a node with the run's options and waits until it joined. */
  startNode(id: string): Promise<CliNode>;
  /** Whether every complete window of a probe query is on the results topic. */
  probeWindowsOut(queryId: string): Promise<boolean>;
  /** A line of the run's narrative. */
  say(line: string): void;
}

/** The most nodes that run at once; a join beyond it first retires the oldest node that joined. */
const MAX_NODES = 4;
const INITIAL_NODES = ['a', 'b', 'c'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The nodes a run starts with. */
export function initialNodeIds(): readonly string[] {
  return INITIAL_NODES;
}

/** Carries out one fault; resolves once it healed, with a note on what it hit. */
export async function runFault(fault: PlannedFault, targets: FaultTargets): Promise<string> {
  const { cluster, kafka } = targets;
  const node = (): CliNode => {
    const running = cluster.running();
    return running[fault.target % running.length]!;
  };
  switch (fault.kind) {
    case 'sigkill': {
      const victim = node();
      victim.kill('SIGKILL');
      await victim.exited();
      await sleep(fault.downMs);
      await targets.startNode(victim.id);
      return `node ${victim.id} killed, restarted after ${fault.downMs} ms`;
    }
    case 'sigterm': {
      const victim = node();
      victim.kill('SIGTERM');
      const exit = await Promise.race([victim.exited(), sleep(90_000).then(() => null)]);
      if (exit === null) {
        victim.kill('SIGKILL');
        await victim.exited();
      }
      await sleep(fault.downMs);
      await targets.startNode(victim.id);
      return `node ${victim.id} ${exit === null ? 'did not stop in 90 s after SIGTERM (killed)' : `stopped (${exit.code ?? exit.signal})`}, restarted after ${fault.downMs} ms`;
    }
    case 'sigstop': {
      const victim = node();
      victim.kill('SIGSTOP');
      await sleep(fault.downMs);
      victim.kill('SIGCONT');
      // Woken past its session, it finds itself expelled (or fenced) and rejoins; it must answer again.
      await until(async () => (victim.running ? await victim.status().then(() => true, () => false) : 'exited'), () => `node ${victim.id} to answer after SIGCONT`, 60_000);
      if (!victim.running) {
        const exit = await victim.exited();
        await targets.startNode(victim.id);
        return `node ${victim.id} stopped ${fault.downMs} ms, EXITED after SIGCONT (${exit.code ?? exit.signal}), restarted`;
      }
      return `node ${victim.id} stopped for ${fault.downMs} ms (session timeout ${targets.plan.profile.sessionTimeoutMs} ms)`;
    }
    case 'node-join': {
      let retired = '';
      const running = cluster.running();
      if (running.length >= MAX_NODES) {
        const oldest = running.find((candidate) => !INITIAL_NODES.includes(candidate.id)) ?? running[0]!;
        oldest.kill('SIGTERM');
        await oldest.exited();
        retired = `node ${oldest.id} left for good (SIGTERM), `;
      }
      const id = `j${fault.ordinal}`;
      await targets.startNode(id);
      return `${retired}node ${id} joined`;
    }
    case 'broker-kill': {
      if (kafka.killBroker === undefined) throw new Error(`the cluster (${kafka.kind}) cannot kill a broker; the chaos suite needs local brokers`);
      const index = fault.target % kafka.brokers.length;
      await kafka.killBroker(index);
      await sleep(fault.downMs);
      await kafka.startBroker(index);
      return `broker ${index + 1} killed, restarted after ${fault.downMs} ms`;
    }
    case 'query':
      return probeFault(fault, targets);
    case 'poison': {
      const partitions = targets.plan.poisonPartitions.get(fault.ordinal)!;
      const records = poisonRecords(fault.ordinal, Date.now(), (kind) => partitions[kind]);
      for (const record of records) await targets.producer.send([record]);
      return `${records.length} poison records (${records.map((record) => `${record.kind}→${record.partition}`).join(', ')})`;
    }
  }
}

/** Adds a probe query, feeds it once every node has it, and cancels it once its complete windows are out. */
async function probeFault(fault: PlannedFault, targets: FaultTargets): Promise<string> {
  const probe = targets.plan.probes.get(fault.ordinal)!;
  const { cluster } = targets;
  const id = probe.query.id;
  await cluster.runOk(['query', 'add', nrqlOf(probe.query), '--id', id]);
  const started = Date.now();
  await until(
    async () => {
      const lists = await Promise.all(cluster.running().map((node) => node.registeredQueryIds().catch((): string[] => [])));
      return lists.every((ids) => ids.includes(id));
    },
    () => `every node to list query ${id}`,
    90_000,
  );
  const registeredIn = Date.now() - started;
  await targets.producer.send(probe.records);
  let published = true;
  await until(() => targets.probeWindowsOut(id), () => `the complete windows of ${id}`, 120_000, 500).catch((error: Error) => {
    published = false;
    targets.say(`  ${error.message}; cancelling anyway`);
  });
  await cluster.runOk(['query', 'cancel', id]);
  return `query ${id} registered on every node in ${registeredIn} ms, ${probe.records.reduce((n, r) => n + r.events.length, 0)} events, ${published ? 'its windows out' : 'its windows NOT out'}, cancelled`;
}
