/**
 * Start-up with many registered queries (issue 10: 100,000 read in under
 * 2 s, no synchronous slice over 20 ms): the queries are written to the
 * `queries` changelog on the harness broker (or KAFKA_BROKERS), then a
 * queries table reads it from the earliest offset as a node does, and the
 * match stage's machine takes the table as a partition's start message and
 * builds its index. Timed from the table's start until the machine is ready
 * to match; the longest slice is the largest gap of a 1 ms timer meanwhile
 * (in CPU time, see `watchSlices`).
 * Then match throughput (events/s through the match stage's matching) with
 * those queries registered.
 *
 *   npx tsx bench/scale/queries.ts [queries=100000] [runs=3]
 */
import { createActor } from 'xstate';
import { startKafka } from '../../test/kafka/harness/index.ts';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { TableStore } from '../../runtime/table-store.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { encodeQueryRecord, type QueryRecord } from '../../protocols/query-record/index.ts';
import { queriesTableOf } from '../../pipeline/stages.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { LoadGenerator } from '../../pipeline/load-generator.ts';
import { matchMachine, matchRecords } from '../../actors/match.ts';
import type { Transport } from '../../protocols/transport.ts';
import { decodeMatchedEventBatch } from '../../protocols/matched-events/index.ts';
import type { StageRecord } from '../../protocols/stage.ts';
import type { Event } from '../../protocols/event.ts';
import { mixedQuery, mixedQueryId } from './query-mix.ts';

export interface QueriesStartup {
  /** Median over the runs: from the table's start to the match machine ready with its index. */
  readonly ms: number;
  /** Median over the runs of the longest synchronous slice seen meanwhile. */
  readonly maxSliceMs: number;
  readonly runs: readonly { readonly ms: number; readonly maxSliceMs: number }[];
  /** Events/s through the match stage's matching with every query registered (median of the runs). */
  readonly matchEventsPerS: number;
  /** Matched events per event, so the throughput can be read against the work done. */
  readonly matchesPerEvent: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * The longest synchronous slice until stopped: the largest gap of a 1 ms
 * timer, counted as the CPU time the process spent in it (at most the gap),
 * so that time the operating system gave other processes on a shared
 * machine is not taken for a slice. Helper threads (GC, libuv) count too,
 * so it errs long.
 */
function watchSlices(): () => number {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let longest = 0;
  const gap = (): number => {
    const at = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const slice = Math.min(at - last, (cpu.user + cpu.system) / 1000) - 1;
    last = at;
    lastCpu = process.cpuUsage();
    return slice;
  };
  const timer = setInterval(() => (longest = Math.max(longest, gap())), 1);
  return () => {
    clearInterval(timer);
    return Math.max(longest, gap());
  };
}

async function writeQueries(transport: Transport, topic: string, count: number): Promise<void> {
  const now = Date.now();
  const producer = transport.producer();
  await producer.connect();
  for (let from = 0; from < count; from += 5000) {
    const records = [];
    for (let i = from; i < Math.min(count, from + 5000); i++) {
      const id = mixedQueryId(i);
      records.push({ topic, partition: 0, key: id, value: encodeQueryRecord({ v: 1, id, nrql: mixedQuery(i), createdAt: now, expiresAt: now + 3_600_000 }) });
    }
    await producer.send(records);
  }
  await producer.disconnect();
}

type MatchActor = ReturnType<typeof createActor<typeof matchMachine>>;

/** One start: the table read from the earliest offset, then the match machine given it as a partition's start message. */
async function startOnce(transport: Transport, topic: string): Promise<{ ms: number; maxSliceMs: number; caughtUpMs: number; indexMs: number; actor: MatchActor; table: TableStore<QueryRecord> }> {
  const table = new TableStore(queriesTableOf({ ...TOPICS, queries: topic }), ({ error }) => { throw error; });
  const stopWatching = watchSlices();
  const started = performance.now();
  await table.start(transport.reader(), silentLogger);
  const caughtUpMs = performance.now() - started;
  const actor = createActor(matchMachine, { input: { stage: 'match', partition: 0, inputPartitions: 1, now: Date.now(), inputTopic: TOPICS.raw, matchedTopic: TOPICS.matched } });
  actor.start();
  const indexStarted = performance.now();
  actor.send({ type: 'eventide.table', table: 'queries', reset: true, changes: table.snapshot(), now: Date.now() });
  const indexMs = performance.now() - indexStarted;
  await new Promise((resolve) => setImmediate(resolve));
  const ms = performance.now() - started;
  const maxSliceMs = stopWatching();
  return { ms, maxSliceMs, caughtUpMs, indexMs, actor, table };
}

/** Matches batches of 100 of the generator's events for about a second (with 100,000 queries an event may be tested against tens of thousands). */
function measureMatching(actor: MatchActor): { eventsPerS: number; matchesPerEvent: number } {
  const generator = new LoadGenerator({ batchSize: 100 });
  const now = Date.now();
  const context = actor.getSnapshot().context;
  let events = 0;
  let matched = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    const records: StageRecord<Event>[] = Array.from({ length: 100 }, (_, i) => ({ offset: events + i, key: null, value: generator.event(now), headers: {}, timestamp: now }));
    const { outputs } = matchRecords(context, records, now);
    for (const output of outputs) matched += decodeMatchedEventBatch(output.value as Buffer).events.length;
    events += records.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerS: events / seconds, matchesPerEvent: matched / events };
}

/** Writes `queries` query records to a fresh topic of the harness broker and times `runs` start-ups against it. */
export async function measureQueriesStartup({ queries = 100_000, runs = 3, brokers }: { queries?: number; runs?: number; brokers?: string[] } = {}): Promise<QueriesStartup> {
  const kafka = brokers === undefined ? await startKafka() : undefined;
  const transport = kafkaTransport({ brokers: brokers ?? kafka!.brokers, clientId: 'bench-queries' });
  try {
    const topic = `queries-${queries}-${Date.now()}`;
    await transport.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } }]);
    await writeQueries(transport, topic, queries);
    const measured: { ms: number; maxSliceMs: number }[] = [];
    const matching: { eventsPerS: number; matchesPerEvent: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const { ms, maxSliceMs, caughtUpMs, indexMs, actor, table } = await startOnce(transport, topic);
      if (table.size !== queries) throw new Error(`the table holds ${table.size} queries, not ${queries}`);
      measured.push({ ms, maxSliceMs });
      console.error(`run ${run + 1}: start-up ${ms.toFixed(0)} ms (table caught up ${caughtUpMs.toFixed(0)} ms, the match machine's index ${indexMs.toFixed(0)} ms in one message), longest slice ${maxSliceMs.toFixed(1)} ms`);
      matching.push(measureMatching(actor));
      actor.stop();
      await table.stop();
    }
    return {
      ms: median(measured.map((m) => m.ms)),
      maxSliceMs: median(measured.map((m) => m.maxSliceMs)),
      runs: measured,
      matchEventsPerS: median(matching.map((m) => m.eventsPerS)),
      matchesPerEvent: median(matching.map((m) => m.matchesPerEvent)),
    };
  } finally {
    await transport.close();
    await kafka?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const queries = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.argv[3] ?? 3);
  const result = await measureQueriesStartup({ queries, runs, ...(process.env.KAFKA_BROKERS ? { brokers: process.env.KAFKA_BROKERS.split(',') } : {}) });
  const range = (key: 'ms' | 'maxSliceMs') => `${Math.min(...result.runs.map((r) => r[key])).toFixed(0)}-${Math.max(...result.runs.map((r) => r[key])).toFixed(0)}`;
  console.log(`${queries.toLocaleString('en')} queries: start-up ${result.ms.toFixed(0)} ms (${range('ms')}), longest slice ${result.maxSliceMs.toFixed(1)} ms (${range('maxSliceMs')}); matching ${Math.round(result.matchEventsPerS).toLocaleString('en')} events/s (${result.matchesPerEvent.toFixed(2)} matches per event)`);
  console.log(JSON.stringify(result));
}
