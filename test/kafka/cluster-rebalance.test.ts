/**
 * Nodes as separate processes started through the CLI, on a real broker:
 * partitions move when a node joins, is killed (SIGKILL) or stopped
 * (SIGTERM); they are restored from snapshots wherever they land, and the
 * results topic holds exactly the expected window results, none missing and
 * none twice.
 */
import test, { type ExecutionContext } from 'ava';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { TOPICS, pipelineTopics } from '../../pipeline/topics.ts';
import type { WindowResult } from '../../protocols/result/index.ts';
import { clusterStatus } from '../../cli/observe.ts';
import { STANDARD_QUERIES, compareResults, expectedResults } from '../helpers/expected-results.ts';
import { CliCluster, knownEvents, spreadQueries, loadBase, produceRaw, produceTrailing, readResults, registerQueries, until, type CliNode, type LogLine } from '../helpers/cli-cluster.ts';
import { startKafka, type KafkaTestCluster } from './harness/index.ts';

const RAW_PARTITIONS = 3;
const MATCHED_PARTITIONS = 4;
const SPAN_MS = 20 * 60_000;
const EVENTS = 30_000;
const QUERIES = spreadQueries(STANDARD_QUERIES, MATCHED_PARTITIONS);

let kafka: KafkaTestCluster | undefined;
let transport: Transport | undefined;

test.before(async () => {
  kafka = await startKafka();
  transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'cluster-rebalance-test' });
});

test.after.always(async () => {
  await transport?.close();
  await kafka?.stop();
});

/** A scenario: fresh topics (their names are fixed), the standard queries, a known load split in two halves, a trailing batch. */
async function scenario(t: ExecutionContext, group: string, seed: number) {
  t.timeout(240_000);
  const admin = transport!.admin();
  await admin.deleteTopics(pipelineTopics().map((spec) => spec.name));
  const cluster = new CliCluster(kafka!.brokers, group);
  t.teardown(() => cluster.killAll());
  await cluster.runOk(['topics', 'create', '--partitions', String(RAW_PARTITIONS), '--matched-partitions', String(MATCHED_PARTITIONS)]);
  await registerQueries(cluster, QUERIES);
  const base = loadBase();
  const events = knownEvents(EVENTS, SPAN_MS, base, seed);
  const expected = expectedResults(QUERIES, events);
  const half = events.length / 2;
  let lastResults: WindowResult[] = [];
  const compareResultsPreview = () => compareResults(lastResults, expected).slice(0, 5).join('; ');
  void readResults(transport!).then((results) => (lastResults = results));
  return {
    cluster,
    produceFirstHalf: () => produceRaw(transport!, events.slice(0, half), RAW_PARTITIONS),
    produceSecondHalf: () => produceRaw(transport!, events.slice(half), RAW_PARTITIONS),
    produceTrailing: () => produceTrailing(transport!, base + SPAN_MS + 10 * 60_000, RAW_PARTITIONS),
    caughtUp: () => cluster.caughtUp(transport!, MATCHED_PARTITIONS, RAW_PARTITIONS),
    /** Waits until the pipeline caught up and every expected result is out, then compares. */
    async expectExactResults(): Promise<void> {
      let seen = 0;
      let status = '';
      await until(
        async () => {
          lastResults = await readResults(transport!);
          seen = lastResults.length;
          status = JSON.stringify((await clusterStatus(transport!, group, Date.now())).partitions.map((p) => `${p.stage}[${p.partition}] ${p.owner} ${p.committed}/${p.end} lag ${p.lag}`));
          return (await cluster.caughtUp(transport!, MATCHED_PARTITIONS, RAW_PARTITIONS)) && seen >= expected.size;
        },
        () => `every expected result (${expected.size}, ${seen} so far) and the pipeline caught up (${status}); missing: ${compareResultsPreview()}; nodes' logs in ${cluster.logDir}`,
        120_000,
        500,
      );
      t.deepEqual(compareResults(await readResults(transport!), expected), []);
      for (const node of cluster.nodes) t.deepEqual(node.errors(), [], `node ${node.id} logged no error`);
    },
  };
}

const aggregatePartitions = async (node: CliNode): Promise<number[]> =>
  (await node.status()).partitions.filter((p) => p.stage === 'aggregate' && p.state === 'running').map((p) => p.partition).sort();

/** Waits until the nodes' aggregate partitions are each owned once and every node owns some; returns them per node. */
async function settledOwnership(nodes: readonly CliNode[]): Promise<number[][]> {
  let owned: number[][] = [];
  return until(
    async () => {
      owned = await Promise.all(nodes.map(aggregatePartitions));
      const all = owned.flat().sort();
      return all.length === MATCHED_PARTITIONS && all.every((p, i) => p === i) && owned.every((list) => list.length > 0) ? owned : undefined;
    },
    () => `every aggregate partition to run on exactly one of ${nodes.map((n) => n.id).join(', ')}: ${JSON.stringify(owned)}`,
  );
}

const restoreFields = (line: LogLine) => ({ seq: line.seq, offset: line.offset, ageMs: line.ageMs, bytes: line.bytes, durationMs: line.durationMs });

test.serial('a third node joins a two-node cluster: moved partitions are restored from snapshots and the results are exact', async (t) => {
  const run = await scenario(t, 'join', 1);
  const [a, b] = await Promise.all([run.cluster.startNode('a'), run.cluster.startNode('b')]);
  const started = Date.now();
  await run.produceFirstHalf();
  await until(run.caughtUp, () => 'the two nodes to catch up with the first half', 120_000, 500);
  t.log(`two nodes: ${EVENTS / 2} events produced and processed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const c = await run.cluster.startNode('c');
  const restored = await c.waitForLog(/^restored aggregate\[\d+\] from snapshot$/);
  for (const line of restored) {
    t.true(typeof line.seq === 'number' && (line.offset as number) > 0, `restored at a snapshot past the start: ${JSON.stringify(restoreFields(line))}`);
    for (const field of ['ageMs', 'bytes', 'durationMs'] as const) t.is(typeof line[field], 'number', `${field} is logged`);
    t.log(`c restored aggregate[${line.partition}]: ${JSON.stringify(restoreFields(line))}`);
  }
  await run.produceSecondHalf();
  await run.produceTrailing();
  await run.expectExactResults();

  const owned = await settledOwnership([a, b, c]);
  t.true(owned[2]!.length > 0, 'the new node aggregates');
});

test.serial('a node joins under load: every partition it takes is released first, none is fenced and no record is replayed', async (t) => {
  const run = await scenario(t, 'join-load', 4);
  const [a, b] = await Promise.all([run.cluster.startNode('a'), run.cluster.startNode('b')]);
  await settledOwnership([a, b]);
  await run.produceFirstHalf();
  await until(async () => (await a.status()).partitions.some((p) => p.stage === 'aggregate' && p.nextOffset > 0), () => 'a to aggregate some of the load');
  // The join while both nodes work through the first half, the second half right behind it.
  const joinedAt = Date.now();
  const c = await run.cluster.startNode('c');
  await run.produceSecondHalf();
  const takenOver = await c.waitForLog(/^restored (aggregate|ingest)\[\d+\] from /);
  await settledOwnership([a, b, c]);
  await run.produceTrailing();
  await run.expectExactResults();

  const restores = c.lines(/^restored (aggregate|ingest)\[\d+\] from /);
  t.true(restores.some((line) => line.stage === 'aggregate'), 'c took aggregate partitions over');
  t.true(takenOver.length > 0);
  for (const line of restores) {
    t.log(`c restored ${line.stage as string}[${line.partition as number}]: ${JSON.stringify({ handOver: line.handOver, releaseWaitMs: line.releaseWaitMs, replayed: line.replayed, offset: line.offset })}`);
    t.is(line.handOver, 'clean', `${line.stage as string}[${line.partition as number}] was released by its last owner before c took it`);
    t.is(line.replayed, 0, `${line.stage as string}[${line.partition as number}] replayed no record`);
  }
  const released = [...a.lines(/^released /), ...b.lines(/^released /)].filter((line) => (line.time as number) >= joinedAt);
  t.deepEqual(released.map((line) => `${line.stage as string}[${line.partition as number}]`).sort(), restores.map((line) => `${line.stage as string}[${line.partition as number}]`).sort(), 'a or b released each partition c took, and no other');
  for (const node of [a, b]) t.deepEqual(node.lines(/fenced|final writes failed/), [], `${node.id} was never fenced`);
});

/** Kills `victim` with SIGKILL, writes the trailing batch, and waits until `survivor` restored each of `partitions` from a snapshot; its restores since the kill. */
async function killAndAwaitTakeOver(t: ExecutionContext, run: Awaited<ReturnType<typeof scenario>>, victim: CliNode, survivor: CliNode, partitions: readonly number[]): Promise<LogLine[]> {
  const before = survivor.restores().length;
  victim.kill('SIGKILL');
  t.is((await victim.exited()).signal, 'SIGKILL');
  await run.produceTrailing();
  const takenOver = () => survivor.restores().slice(before);
  await until(
    () => partitions.every((partition) => takenOver().some((line) => line.partition === partition && line.msg.endsWith('from snapshot'))),
    () => `${survivor.id} to restore aggregate ${JSON.stringify(partitions)} from snapshots; its restores: ${JSON.stringify(takenOver())}`,
  );
  return takenOver();
}

test.serial('a node killed with SIGKILL mid-load: its partitions are restored on the other node and the results are exact', async (t) => {
  const run = await scenario(t, 'kill', 2);
  const [a, b] = await Promise.all([run.cluster.startNode('a'), run.cluster.startNode('b')]);
  const [killed] = await settledOwnership([a, b]);
  await run.produceFirstHalf();
  await until(async () => (await readResults(transport!)).length > 0, () => 'the first published results');
  await run.produceSecondHalf();
  const takenOver = await killAndAwaitTakeOver(t, run, a, b, killed!);
  for (const line of takenOver) {
    t.log(`b restored aggregate[${line.partition}]: ${JSON.stringify({ ...restoreFields(line), handOver: line.handOver })}`);
    // Its owner died without releasing it. A partition it never wrote to after it got it still carries the
    // release of the owner before (clean: nothing was committed after it, so nothing is replayed).
    t.true(line.handOver === 'lost' || (line.handOver === 'clean' && line.replayed === 0), `aggregate[${line.partition as number}] is lost, or left as its previous owner released it: ${JSON.stringify(line)}`);
  }
  t.true(takenOver.some((line) => line.handOver === 'lost'), 'the partitions a wrote to after it got them are counted lost');
  await run.expectExactResults();
  t.deepEqual(await aggregatePartitions(b), [0, 1, 2, 3]);
});

test.serial('a node killed with SIGKILL mid-load, with a standby of each partition: the other node resumes from its warm copies, reading only the tail of the snapshots partitions, and the results are exact', async (t) => {
  const run = await scenario(t, 'kill-standby', 6);
  const [a, b] = await Promise.all([run.cluster.startNode('a', { standbys: 1 }), run.cluster.startNode('b', { standbys: 1 })]);
  const [killed] = await settledOwnership([a, b]);
  await run.produceFirstHalf();
  await until(async () => (await readResults(transport!)).length > 0, () => 'the first published results');
  await run.produceSecondHalf();
  let standbys: Awaited<ReturnType<CliNode['status']>>['standbys'] = [];
  await until(
    async () => {
      standbys = (await b.status()).standbys;
      return standbys.map((s) => s.partition).join() === killed!.join() && standbys.every((s) => s.snapshotTakenAt !== null);
    },
    () => `b to follow a's partitions ${JSON.stringify(killed)} and hold a snapshot of each: ${JSON.stringify(standbys)}`,
  );
  const status = await run.cluster.runOk(['status']);
  for (const partition of killed!) t.regex(status, new RegExp(`aggregate\\[${partition}\\]  owner a .*  standby b \\(\\d+ behind\\)`), `status names b as the standby of aggregate[${partition}]:\n${status}`);
  const metrics = await (await fetch(`http://127.0.0.1:${b.inspectPort}/metrics`)).text();
  for (const partition of killed!) t.regex(metrics, new RegExp(`eventide_standby_lag_records\\{stage="aggregate",partition="${partition}"\\} \\d+`));
  const snapshotEnds = await transport!.reader().endOffsets(TOPICS.snapshots, 'read_committed');
  const takenOver = await killAndAwaitTakeOver(t, run, a, b, killed!);
  for (const line of takenOver) {
    const partition = line.partition as number;
    t.log(`b restored aggregate[${partition}]: ${JSON.stringify({ ...restoreFields(line), handOver: line.handOver, warm: line.warm, snapshotRecordsRead: line.snapshotRecordsRead, snapshotRecordsAtKill: snapshotEnds.get(partition) })}`);
    t.true(line.warm === true, `aggregate[${partition}] resumed from b's standby`);
    t.true(line.handOver === 'standby' || (line.handOver === 'clean' && line.replayed === 0), `aggregate[${partition}] is taken over from the standby, or left as its previous owner released it: ${JSON.stringify(line)}`);
    t.true((line.snapshotRecordsRead as number) < snapshotEnds.get(partition)!, `aggregate[${partition}] read only the tail of its snapshots partition`);
  }
  t.true(takenOver.some((line) => line.handOver === 'standby'), 'the partitions a wrote to after it got them are taken over from the standby');
  await run.expectExactResults();
  t.deepEqual(await aggregatePartitions(b), [0, 1, 2, 3]);
  t.deepEqual((await b.status()).standbys, [], 'alone, b follows nothing');
});

test.serial('a node stopped with SIGTERM writes final snapshots; its successor restores exactly where it stopped', async (t) => {
  const run = await scenario(t, 'term', 3);
  // Snapshots of the stopped node only on stop: its interval is out of reach.
  const a = await run.cluster.startNode('a', { snapshotEvery: '1h' });
  const b = await run.cluster.startNode('b');
  const [handed] = await settledOwnership([a, b]);
  await run.produceFirstHalf();
  await until(async () => (await a.status()).partitions.some((p) => p.stage === 'aggregate' && p.nextOffset > 0), () => 'a to aggregate some of the load');

  const before = b.restores().length;
  a.kill('SIGTERM');
  t.deepEqual(await a.exited(), { code: 0, signal: null }, 'a leaves cleanly');
  const left = new Map(a.lines(/^left aggregate\[\d+\] at offset \d+$/).map((line) => [line.partition as number, line]));
  t.deepEqual([...left.keys()].sort(), handed, 'a says where it left each of its aggregate partitions');
  for (const [partition, line] of left) t.true((line.snapshots as number) >= 1, `a wrote a final snapshot of aggregate[${partition}]`);

  const takenOver = () => b.restores().slice(before);
  await until(
    () => handed!.every((partition) => takenOver().some((line) => line.partition === partition)),
    () => `b to restore aggregate ${JSON.stringify(handed)}; b's restores: ${JSON.stringify(takenOver())}`,
  );
  for (const partition of handed!) {
    const restore = takenOver().find((line) => line.partition === partition)!;
    t.is(restore.msg, `restored aggregate[${partition}] from snapshot`);
    t.is(restore.offset, left.get(partition)!.offset, `aggregate[${partition}] resumes at the offset a reached`);
    t.log(`b restored aggregate[${partition}]: ${JSON.stringify(restoreFields(restore))}`);
  }
  await run.produceSecondHalf();
  await run.produceTrailing();
  await run.expectExactResults();
});

const RESTORED = /^restored \w+\[\d+\] from /;
const partitionName = (line: LogLine) => `${line.stage as string}[${line.partition as number}]`;

/** Every partition each node runs, by stage. */
const ownership = async (nodes: readonly CliNode[]): Promise<Record<string, string[]>> =>
  Object.fromEntries(
    await Promise.all(nodes.map(async (node) => [node.id, (await node.status()).partitions.filter((p) => p.state === 'running').map((p) => `${p.stage}[${p.partition}]`).sort()] as const)),
  );

/** The hand-overs every incarnation of the nodes logged after `since`: each must be clean, with nothing replayed, and no node fenced. */
function assertOnlyCleanHandOvers(t: ExecutionContext, incarnations: readonly CliNode[], since: number): LogLine[] {
  const restores = incarnations.flatMap((node) => node.lines(RESTORED)).filter((line) => (line.time as number) >= since);
  for (const line of restores) {
    t.is(line.handOver, 'clean', `${partitionName(line)} on ${line.node as string} was released by its last owner`);
    t.is(line.replayed, 0, `${partitionName(line)} on ${line.node as string} replayed no record`);
  }
  for (const node of incarnations) t.deepEqual(node.lines(/fenced|final writes failed|did not release/), [], `${node.id} was never fenced`);
  return restores;
}

test.serial('a rolling restart of every node under load: each node gets its own partitions back, nothing is fenced or replayed', async (t) => {
  const run = await scenario(t, 'rolling', 5);
  const ids = ['a', 'b', 'c'];
  const incarnations = await Promise.all(ids.map((id) => run.cluster.startNode(id)));
  let nodes = [...incarnations];
  await settledOwnership(nodes);
  const before = await ownership(nodes);
  await run.produceFirstHalf();
  const restartsBegan = Date.now();
  for (const [index, id] of ids.entries()) {
    nodes[index]!.kill('SIGTERM');
    t.deepEqual(await nodes[index]!.exited(), { code: 0, signal: null }, `${id} stops cleanly`);
    const back = await run.cluster.startNode(id);
    incarnations.push(back);
    nodes = nodes.map((node, i) => (i === index ? back : node));
    let now: Record<string, string[]> = {};
    await until(
      async () => JSON.stringify((now = await ownership(nodes))) === JSON.stringify(before),
      () => `after ${id} restarted, every node to run what it ran before: ${JSON.stringify(before)}, now ${JSON.stringify(now)}`,
    );
    if (index === 0) await run.produceSecondHalf();
  }
  await run.produceTrailing();
  await run.expectExactResults();
  const restores = assertOnlyCleanHandOvers(t, incarnations, restartsBegan);
  t.log(`${restores.length} hand-overs in the rolling restart, all clean: release waits ${JSON.stringify(restores.map((line) => line.releaseWaitMs))} ms`);
});

test.serial('scaling from one node to four and back to one under load: every hand-over is clean and the results are exact', async (t) => {
  t.timeout(360_000);
  const run = await scenario(t, 'scale', 6);
  const a = await run.cluster.startNode('a');
  await settledOwnership([a]);
  const scalingBegan = Date.now();
  await run.produceFirstHalf();
  const nodes = [a];
  for (const id of ['b', 'c', 'd']) {
    nodes.push(await run.cluster.startNode(id));
    await settledOwnership(nodes);
  }
  await run.produceSecondHalf();
  while (nodes.length > 1) {
    const leaving = nodes.pop()!;
    leaving.kill('SIGTERM');
    t.deepEqual(await leaving.exited(), { code: 0, signal: null }, `${leaving.id} stops cleanly`);
    await settledOwnership(nodes);
  }
  t.deepEqual(await aggregatePartitions(a), [0, 1, 2, 3], 'a runs every aggregate partition again');
  await run.produceTrailing();
  await run.expectExactResults();
  const incarnations = run.cluster.nodes;
  const restores = assertOnlyCleanHandOvers(t, incarnations, scalingBegan);
  t.true(restores.length >= 2 * 3, `partitions moved out and back (${restores.length} hand-overs)`);
});
