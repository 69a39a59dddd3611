/**
 * `npm run chaos`: the chaos suite. Three KRaft brokers and three eventide
 * nodes on loopback, started through the CLI as a user would; a seeded load
 * and, during it, a seeded schedule of faults; then the results topic, read
 * read-committed, compared with an oracle that computes the expected results
 * from the seed alone, and every poison record looked up in `deadletter`.
 *
 *   npm run chaos                      the short profile (also run by `npm test`)
 *   npm run chaos -- --long            the long profile, by hand
 *   npm run chaos -- --seed 42         replay a seed
 *   npm run chaos -- --keep            leave brokers and nodes up after the verdict, until SIGINT (to look into them)
 *
 * It ends with one line,
 * `chaos: faults F, events E, windows W, missing M, duplicated D, wrong X, dead letters L (expected L)`,
 * and exits 1 when M, D or X is not 0 or L differs (2 when the run itself failed).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { decodeDeadLetter } from '../../protocols/dead-letter/index.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { CliCluster, until } from '../../test/helpers/cli-cluster.ts';
import { readTopic } from '../../test/helpers/pipeline-fixture.ts';
import { defaultKafkaVersion } from '../../test/kafka/harness/index.ts';
import { startLocalJvmCluster } from '../../test/kafka/harness/local-jvm-cluster.ts';
import { matchedEventsTwice, rawRecordsNotOnce } from './log-evidence.ts';
import { initialNodeIds, runFault, type FaultTargets } from './faults.ts';
import { RawProducer } from './raw-producer.ts';
import { expectedOutcome, resultKey } from './oracle.ts';
import { longestPause, longestPauseByKind, outputPauses, type FaultSpan, type OutputPause } from './output-pauses.ts';
import { planChaosRun, type ChaosPlan } from './plan.ts';
import { LONG_PROFILE, SHORT_PROFILE } from './profile.ts';
import { nrqlOf } from './queries.ts';
import { FAULT_KINDS } from './schedule.ts';
import { judge, passed, summaryLine, type PublishedResult, type ReadDeadLetter } from './verdict.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseArguments(argv: readonly string[]): { long: boolean; seed: number; keep: boolean } {
  let long = false;
  let keep = false;
  let seed = Math.floor(Math.random() * 2 ** 31);
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--long') long = true;
    else if (argument === '--keep') keep = true;
    else if (argument === '--seed') {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--seed needs a non-negative integer, got ${argv[i]}`);
      seed = value;
    } else throw new Error(`unknown argument ${argument} (use --long, --seed N, --keep)`);
  }
  return { long, seed, keep };
}

const startedAt = Date.now();
const clock = () => `+${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`[${clock()}] ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function readResults(transport: Transport): Promise<PublishedResult[]> {
  return (await readTopic(transport, TOPICS.results)).map((record) => {
    const result = decodeWindowResult(record.value!);
    return { ...result, partition: record.partition, offset: record.offset, timestamp: record.timestamp };
  });
}

async function readDeadLetters(transport: Transport): Promise<ReadDeadLetter[]> {
  return (await readTopic(transport, TOPICS.deadletter)).map((record) => ({ ...decodeDeadLetter(record.value!), offset: record.offset }));
}

/** Reads a topic, trying again while a broker is away. */
async function patiently<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(1_000);
    }
  }
}

async function main(): Promise<number> {
  const { long, seed, keep } = parseArguments(process.argv.slice(2));
  const profile = long ? LONG_PROFILE : SHORT_PROFILE;
  const plan = planChaosRun(seed, profile, startedAt);
  const expectation = expectedOutcome(plan);
  const logDir = join(tmpdir(), `eventide-chaos-${seed}-${startedAt}`);
  mkdirSync(logDir, { recursive: true });
  say(`chaos ${profile.name}, seed ${seed} (replay: npm run chaos -- ${long ? '--long ' : ''}--seed ${seed}); node logs in ${logDir}`);
  say(`plan: ${plan.faults.length} faults (${plan.faults.map((f) => f.kind).join(', ')}); ${expectation.events} events, ${expectation.results.size} expected results, ${expectation.poison.size} poison records`);

  const kafka = await startLocalJvmCluster(defaultKafkaVersion(), 3);
  // The suite's reader is quiet: its connection errors while a broker is down are expected, and reads are retried.
  const transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'chaos', log: () => {} });
  const cluster = new CliCluster(kafka.brokers, `chaos-${seed}`, {}, logDir);
  const loadProducer = new RawProducer(kafka.brokers, say);
  const faultProducer = new RawProducer(kafka.brokers, say);
  try {
    await cluster.runOk(['topics', 'create', '--partitions', String(profile.rawPartitions), '--matched-partitions', String(profile.matchedPartitions), '--replication-factor', '3']);
    for (const query of plan.queries) await cluster.runOk(['query', 'add', nrqlOf(query), '--id', query.id]);
    const nodeOptions = { sessionTimeout: `${profile.sessionTimeoutMs / 1000}s` };
    await Promise.all(initialNodeIds().map((id) => cluster.startNode(id, nodeOptions)));
    await Promise.all([loadProducer.connect(), faultProducer.connect()]);
    say(`brokers ${kafka.brokers.join(',')}; nodes ${initialNodeIds().join(', ')} joined; ${plan.queries.length} queries`);

    // The load flows while the faults run, a chunk every chunkEveryMs; what is left when they are done goes at once.
    let faultsDone = false;
    let loadStartedAt = 0;
    let loadEndedAt = 0;
    let firstChunkSent: () => void = () => {};
    const firstChunk = new Promise<void>((resolve) => (firstChunkSent = resolve));
    const load = (async () => {
      loadStartedAt = Date.now();
      for (const [index, chunk] of plan.chunks.entries()) {
        await loadProducer.send(chunk);
        if (index === 0) firstChunkSent();
        if (!faultsDone) await sleep(profile.chunkEveryMs);
        else if (index === plan.chunks.length - 1 || index % 50 === 0) say(`load: chunk ${index + 1} of ${plan.chunks.length}`);
      }
      loadEndedAt = Date.now();
      say(`load: all ${plan.chunks.length} chunks produced${faultsDone ? '' : ' (faults still running)'}`);
    })();

    const spans: FaultSpan[] = [];
    const targets: FaultTargets = {
      plan, kafka, cluster, producer: faultProducer, say,
      startNode: (id) => cluster.startNode(id, nodeOptions),
      probeWindowsOut: async (queryId) => {
        const keys = new Set((await patiently(() => readResults(transport))).filter((r) => r.queryId === queryId).map((r) => resultKey(r.queryId, r.windowStart, r.facet)));
        return [...expectation.results.values()].filter((want) => want.queryId === queryId && want.complete).every((want) => keys.has(resultKey(want.queryId, want.windowStart, want.facet)));
      },
    };
    const faults = (async () => {
      await firstChunk;
      for (const fault of plan.faults) {
        await sleep(fault.gapBeforeMs);
        const begun = Date.now();
        say(`fault ${fault.index + 1}/${plan.faults.length} ${fault.kind}: ${FAULT_KINDS[fault.kind]}`);
        const note = await runFault(fault, targets);
        spans.push({ index: fault.index, kind: fault.kind, startedAt: begun, endedAt: Date.now() });
        say(`  ${note} (${seconds(Date.now() - begun)})`);
      }
      faultsDone = true;
    })();
    await Promise.all([load, faults]);

    await faultProducer.send(plan.trailing);
    say('trailing events produced; waiting for every result and dead letter');
    const wanted = expectation.results.size;
    const settled = await until(
      async () => {
        const [results, letters] = await Promise.all([patiently(() => readResults(transport)), patiently(() => readDeadLetters(transport))]);
        const keys = new Set(results.map((r) => resultKey(r.queryId, r.windowStart, r.facet)));
        const allThere = [...expectation.results.keys()].every((key) => keys.has(key)) && letters.length >= expectation.poison.size;
        return allThere && (await cluster.caughtUp(transport, profile.matchedPartitions, profile.rawPartitions));
      },
      () => `${wanted} results and the pipeline caught up`,
      profile.settleTimeoutMs,
      1_000,
    ).then(() => true, (error: Error) => (say(`not settled: ${error.message.split('\n')[0]}`), false));
    if (settled) {
      // A little more time, so that a window published again after catching up would show.
      await sleep(5_000);
      say('settled');
    }

    if (!settled) console.log(`eventide status:\n${(await cluster.run(['status'])).stdout}`);
    const [results, deadLetters, loadProblems] = await Promise.all([patiently(() => readResults(transport)), patiently(() => readDeadLetters(transport)), rawRecordsNotOnce(transport, plan)]);
    const verdict = judge(expectation, results, deadLetters);
    report(verdict, spans, outputPauses(results.map((r) => r.timestamp), loadStartedAt, loadEndedAt), loadProblems, cluster);
    if (verdict.wrong.length > 0 || verdict.duplicated.length > 0) {
      const twice = await matchedEventsTwice(transport);
      console.log(`evidence: ${twice.total} raw events are on events.matched (read_committed) more than once for one query${twice.examples.length > 0 ? ':' : ''}`);
      for (const example of twice.examples) console.log(`  ${example}`);
    }
    console.log(summaryLine(verdict, spans.length, expectation.events));
    if (keep) {
      say(`--keep: brokers ${kafka.brokers.join(',')} and the nodes stay up until SIGINT`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
    return passed(verdict) ? 0 : 1;
  } finally {
    await cluster.killAll();
    await Promise.allSettled([loadProducer.disconnect(), faultProducer.disconnect()]);
    await transport.close();
    await kafka.stop();
  }
}

function report(verdict: ReturnType<typeof judge>, spans: readonly FaultSpan[], pauses: readonly OutputPause[], loadProblems: readonly string[], cluster: CliCluster): void {
  const show = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return;
    console.log(`${title} (${lines.length}):`);
    for (const line of lines.slice(0, 40)) console.log(`  ${line}`);
    if (lines.length > 40) console.log(`  … and ${lines.length - 40} more`);
  };
  show('load problems (the load producer, not eventide)', loadProblems);
  show('missing', verdict.missing);
  show('duplicated', verdict.duplicated);
  show('wrong', verdict.wrong);
  show('poison', verdict.poisonProblems);
  if (verdict.otherDeadLetters.size > 0) console.log(`other dead letters: ${[...verdict.otherDeadLetters].map(([label, n]) => `${label} ${n}`).join(', ')}`);

  const byKind = longestPauseByKind(pauses, spans);
  console.log('faults by kind (count, longest time to heal, longest pause in output overlapping one):');
  for (const kind of Object.keys(FAULT_KINDS)) {
    const ofKind = spans.filter((span) => span.kind === kind);
    if (ofKind.length === 0) continue;
    const heal = Math.max(...ofKind.map((span) => span.endedAt - span.startedAt));
    const pause = byKind.get(kind) ?? null;
    console.log(`  ${kind.padEnd(12)} ${String(ofKind.length).padStart(3)}   heal ≤ ${seconds(heal).padStart(7)}   pause ${pause === null ? '—' : seconds(pause.ms)}`);
  }
  const longest = longestPause(pauses);
  if (longest === null) console.log('longest pause in output: no result was published while the load flowed');
  else {
    const during = spans.filter((span) => longest.to > span.startedAt && longest.from < span.endedAt).map((span) => `${span.index + 1} ${span.kind}`);
    console.log(`longest pause in output while the load flowed: ${seconds(longest.ms)} (${new Date(longest.from).toISOString()} to ${new Date(longest.to).toISOString()}${during.length > 0 ? `, during fault ${during.join(', ')}` : ''})`);
  }
  const restarts = cluster.nodes.reduce((n, node) => n + node.restores().length, 0);
  const errors = cluster.nodes.flatMap((node) => node.errors().map((line) => `${node.id}: ${line.msg}`));
  console.log(`nodes: ${cluster.nodes.length} processes over the run, ${restarts} aggregate restores, ${errors.length} error lines${errors.length > 0 ? ` (first: ${errors[0]})` : ''}; logs in ${cluster.logDir}`);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    console.log(`chaos: the run failed before its verdict: ${error.message.split('\n')[0]}`);
    process.exit(2);
  },
);
