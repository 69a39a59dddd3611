/**
 * Scaling out and failing over on a real broker (issue 11), with nodes as
 * CLI processes under a live load (`eventide produce`, events stamped now,
 * queries with 1-second windows so results flow every second):
 *
 * - a second node joins a one-node cluster: time from the join to a
 *   balanced group (every aggregate partition running, on both nodes), the
 *   hand-overs by kind with the records they replayed, and the longest gap
 *   between two results a consumer of the results topic saw around the join
 *   (beside the longest gap before it);
 * - that node is then killed with SIGKILL: time from the kill to its
 *   partitions running again on the survivor, the restores' durations and
 *   snapshot records read, without and with a standby (`--standbys 1`).
 *
 *   npm run bench:scale-out            # writes bench/results/scale-out.json and .md
 *
 * The kill's figure is mostly the group's session timeout (6 s here): the
 * survivor learns of the death only then. Benchmarks report; nothing here
 * fails because a figure is poor.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startKafka } from '../test/kafka/harness/index.ts';
import { kafkaTransport } from '../runtime/kafka/index.ts';
import { pipelineTopics, TOPICS } from '../pipeline/topics.ts';
import { CliCluster, spreadQueries, type CliNode, type LogLine } from '../test/helpers/cli-cluster.ts';
import type { Transport } from '../protocols/transport.ts';

const RATE = 2000;
const SESSION_TIMEOUT = '6s';
const MATCHED_PARTITIONS = 4;
const QUERIES = spreadQueries(
  [
    { id: 'views', nrql: 'SELECT count(*) FROM PageView FACET country TIMESERIES 1 second' },
    { id: 'apps', nrql: 'SELECT count(*), average(duration) FROM Transaction FACET appName TIMESERIES 1 second' },
    { id: 'errors', nrql: 'SELECT count(*) FROM Transaction WHERE error = true TIMESERIES 1 second' },
    { id: 'pages', nrql: 'SELECT uniqueCount(page) FROM PageView TIMESERIES 1 second' },
  ],
  MATCHED_PARTITIONS,
);

interface HandOverFigure {
  readonly partition: number;
  readonly kind: string;
  readonly replayed: number | null;
  readonly durationMs: number;
  readonly snapshotRecordsRead: number;
}

interface ScenarioFigures {
  readonly standbys: number;
  readonly joinToBalancedMs: number;
  readonly joinHandOvers: HandOverFigure[];
  readonly longestResultsGapBeforeJoinMs: number;
  readonly longestResultsGapDuringJoinMs: number;
  readonly killToResumedMs: number;
  readonly failoverHandOvers: HandOverFigure[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

const runningAggregates = async (node: CliNode): Promise<number[]> =>
  (await node.status()).partitions.filter((p) => p.stage === 'aggregate' && p.state === 'running').map((p) => p.partition).sort();

const handOverOf = (line: LogLine): HandOverFigure => ({
  partition: line.partition as number,
  kind: String(line.handOver),
  replayed: (line.replayed as number | null | undefined) ?? null,
  durationMs: line.durationMs as number,
  snapshotRecordsRead: line.snapshotRecordsRead as number,
});

/** The longest time between two results a consumer saw within [from, until]. */
function longestGap(arrivals: readonly number[], from: number, until: number): number {
  const within = arrivals.filter((at) => at >= from && at <= until);
  let longest = 0;
  for (let i = 1; i < within.length; i++) longest = Math.max(longest, within[i]! - within[i - 1]!);
  return longest;
}

async function scenario(brokers: readonly string[], transport: Transport, standbys: number): Promise<ScenarioFigures> {
  await transport.admin().deleteTopics(pipelineTopics().map((spec) => spec.name));
  const cluster = new CliCluster(brokers, `scale-out-${standbys}-${Date.now()}`);
  const arrivals: number[] = [];
  await cluster.runOk(['topics', 'create', '--partitions', '3', '--matched-partitions', String(MATCHED_PARTITIONS)]);
  const follower = await transport.reader().follow(TOPICS.results, { onRecords: (records) => { for (const _ of records) arrivals.push(Date.now()); } });
  try {
    for (const query of QUERIES) await cluster.runOk(['query', 'add', query.nrql, '--id', query.id]);
    const options = { sessionTimeout: SESSION_TIMEOUT, standbys, idleTimeout: '30s' };
    const a = await cluster.startNode('a', options);
    const load = cluster.run(['produce', '--rate', String(RATE), '--duration', '75'], 120_000);
    await pollUntil(async () => (arrivals.length > 20 ? true : undefined), 'results to flow');
    const steadyFrom = Date.now();
    await sleep(8000);

    const joinAt = Date.now();
    const b = await cluster.startNode('b', options);
    await pollUntil(async () => {
      const [onA, onB] = await Promise.all([runningAggregates(a), runningAggregates(b)]);
      return onA.length > 0 && onB.length > 0 && onA.length + onB.length === MATCHED_PARTITIONS ? true : undefined;
    }, 'a balanced group');
    const balancedAt = Date.now();
    const joinHandOvers = b.restores().map(handOverOf);
    await sleep(8000);
    if (standbys > 0) {
      await pollUntil(async () => ((await a.status()).standbys.length > 0 && (await a.status()).standbys.every((s) => s.snapshotTakenAt !== null) ? true : undefined), "a's standbys to hold snapshots");
    }

    const moved = await runningAggregates(b);
    const restoresBefore = a.restores().length;
    const killAt = Date.now();
    b.kill('SIGKILL');
    await b.exited();
    await pollUntil(async () => {
      const running = await runningAggregates(a);
      return moved.every((p) => running.includes(p)) && a.restores().length - restoresBefore >= moved.length ? true : undefined;
    }, "the killed node's partitions to run on the survivor");
    const resumedAt = Date.now();
    const failoverHandOvers = a.restores().slice(restoresBefore).map(handOverOf);
    a.kill('SIGTERM');
    await a.exited();
    await load.catch(() => undefined);
    return {
      standbys,
      joinToBalancedMs: balancedAt - joinAt,
      joinHandOvers,
      longestResultsGapBeforeJoinMs: longestGap(arrivals, steadyFrom, joinAt),
      longestResultsGapDuringJoinMs: longestGap(arrivals, joinAt, balancedAt + 3000),
      killToResumedMs: resumedAt - killAt,
      failoverHandOvers,
    };
  } finally {
    await follower.stop();
    cluster.killAll();
  }
}

function markdown(runs: readonly ScenarioFigures[]): string {
  const kinds = (list: readonly HandOverFigure[]) => {
    const counts = new Map<string, number>();
    for (const h of list) counts.set(h.kind, (counts.get(h.kind) ?? 0) + 1);
    return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  };
  const replayed = (list: readonly HandOverFigure[]) => list.map((h) => (h.replayed === null ? '?' : String(h.replayed))).join(', ');
  const rows = runs.map((r) =>
    `| ${r.standbys} | ${(r.joinToBalancedMs / 1000).toFixed(2)} s | ${kinds(r.joinHandOvers)} | ${replayed(r.joinHandOvers)} | ${r.longestResultsGapBeforeJoinMs} ms | ${r.longestResultsGapDuringJoinMs} ms | ${(r.killToResumedMs / 1000).toFixed(2)} s | ${kinds(r.failoverHandOvers)} | ${r.failoverHandOvers.map((h) => `${h.durationMs} ms / ${h.snapshotRecordsRead}`).join(', ')} |`,
  );
  return [
    `Scale-out on one local broker (the test harness's Kafka), ${RATE} events/s, 4 queries with 1 s windows, 3 raw and ${MATCHED_PARTITIONS} aggregate partitions, session timeout ${SESSION_TIMEOUT}; ${new Date().toISOString()}.`,
    '',
    '| standbys | join to balanced | join hand-overs | records replayed | longest results gap before the join | longest results gap during the join | SIGKILL to resumed | failover hand-overs | restore duration / snapshot records read |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const kafka = await startKafka();
  const transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'bench-scale-out' });
  try {
    const runs: ScenarioFigures[] = [];
    for (const standbys of [0, 1]) runs.push(await scenario(kafka.brokers, transport, standbys));
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(out, { recursive: true });
    await writeFile(`${out}scale-out.json`, `${JSON.stringify(runs, null, 2)}\n`);
    const table = markdown(runs);
    await writeFile(`${out}scale-out.md`, table);
    process.stdout.write(table);
  } finally {
    await transport.close();
    await kafka.stop();
  }
}

await main();
