/**
 * The live rate: the highest input rate a cluster of 1, 2 or 3 node
 * processes (`eventide node`, as users start them) sustains with its lag
 * bounded while `eventide produce` processes write at that rate, on one machine with
 * the broker. Lag is sampled every second from the broker: for ingest the
 * raw records written and not yet committed by the ingest group, for
 * aggregate the matched records not yet committed by the aggregate group
 * (which commits with its snapshots, every 5 s, so its lag swings by up to
 * 5 s of input). A run is sustained when the producer delivered what was
 * asked and neither lag grows: the mean of the last quarter of the samples is
 * at most the first quarter's plus two seconds of input, and ingest never
 * fell more than ten seconds of input behind.
 */
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { pipelineTopicNames, pipelineTopics } from '../../pipeline/topics.ts';
import { benchQueryRecords, BATCH_EVENTS } from './kafka-input.ts';
import type { TopicFollower } from '../../protocols/transport.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { percentile } from './stats.ts';
import { cpuMeter, pidListeningOn, startEventide, type CliProcess } from './processes.ts';

export interface SustainedRun {
  readonly nodes: number;
  readonly rate: number;
  readonly seconds: number;
  readonly sustained: boolean;
  /** Why not, when not. */
  readonly reason: string | null;
  readonly deliveredEventsPerS: number;
  /** Largest lag after the warm-up, in seconds of input. */
  readonly maxIngestLagS: number;
  /** Latest result after its window could close, ms (the median of them too). */
  readonly maxResultDelayMs: number;
  readonly medianResultDelayMs: number;
  /** Cores each process used meanwhile. */
  readonly cores: Record<string, number>;
}

export interface SustainedOptions {
  readonly brokers: readonly string[];
  readonly nodes: number;
  readonly rate: number;
  /** Measured seconds, after `warmupSeconds`. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly partitions: number;
}

/** The rate one `eventide produce` process is asked for at most. */
const LOAD_PER_PRODUCER = 30_000;

/** A result later than this after its window could close means aggregate is behind. */
export const MAX_RESULT_DELAY_MS = 5_000;
/** The demo queries' WITH LATENESS. */
const LATENESS_MS = 2_000;

const sum = (offsets: Map<number, number>): number => [...offsets.values()].reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

export async function measureSustained(options: SustainedOptions): Promise<SustainedRun> {
  const { brokers, nodes, rate, seconds, warmupSeconds, partitions } = options;
  const prefix = `bench.live.${nodes}n.${rate}.${Date.now()}.`;
  const names = pipelineTopicNames({ prefix });
  const group = 'live';
  const transport = kafkaTransport({ brokers: [...brokers], clientId: 'bench-live' });
  const started: CliProcess[] = [];
  let following: TopicFollower | null = null;
  try {
    const admin = transport.admin();
    await admin.createTopics(pipelineTopics({ prefix, partitions }));
    const producer = transport.producer();
    await producer.connect();
    await producer.send(benchQueryRecords(names.queries));
    await producer.disconnect();
    const common = ['--brokers', brokers.join(','), '--topic-prefix', prefix];
    for (let i = 0; i < nodes; i++) {
      started.push(startEventide(['node', ...common, '--group', group, '--node-id', `live-${i + 1}`, '--log-level', 'warn']));
    }
    await waitForMembers(admin, [`${prefix}${group}.ingest`, `${prefix}${group}.aggregate`], nodes, started);
    // One `eventide produce` delivers about 40,000 events/s here (each send of 100 batches waits for its acks), so faster loads take several.
    const producers = Math.ceil(rate / LOAD_PER_PRODUCER);
    const loads = Array.from({ length: producers }, () =>
      // They outlive the measurement, so that their CPU time is still there to read when it ends.
      startEventide(['produce', ...common, '--rate', String(Math.round(rate / producers)), '--duration', String(warmupSeconds + seconds + 30)]),
    );
    started.push(...loads);
    const brokerPid = pidListeningOn(Number(brokers[0]!.split(':')[1]));
    await sleep(warmupSeconds * 1000);
    const meter = cpuMeter({ broker: brokerPid, ...Object.fromEntries(loads.map((load, i) => [`load${i + 1}`, load.pid])), ...Object.fromEntries(started.slice(0, nodes).map((node, i) => [`node${i + 1}`, node.pid])) });
    const ingestLag: number[] = [];
    const resultDelays: number[] = [];
    const measuredFrom = Date.now();
    const results = await transport.reader().follow(names.results, {
      onRecords: (records) => {
        const arrivedAt = Date.now();
        for (const record of records) {
          if (record.value === null) continue;
          const closeAt = decodeWindowResult(record.value).windowEnd + LATENESS_MS;
          if (closeAt >= measuredFrom) resultDelays.push(arrivedAt - closeAt);
        }
      },
    });
    following = results;
    const rawAtStart = sum(await transport.reader().endOffsets(names.raw));
    const measureStarted = performance.now();
    while (performance.now() - measureStarted < seconds * 1000) {
      await sleep(1000);
      const [rawEnd, ingested] = await Promise.all([transport.reader().endOffsets(names.raw), admin.fetchCommittedOffsets(`${prefix}${group}.ingest`, names.raw)]);
      ingestLag.push(((sum(rawEnd) - sum(ingested)) * BATCH_EVENTS) / rate);
      for (const process of started.slice(0, nodes)) {
        if (process.child.exitCode !== null) throw new Error(`bench: a node exited (${process.child.exitCode}): ${process.stderr().slice(-2000)}`);
      }
    }
    const cores = meter.end();
    const delivered = ((sum(await transport.reader().endOffsets(names.raw)) - rawAtStart) * BATCH_EVENTS) / ((performance.now() - measureStarted) / 1000);
    const quarter = Math.max(1, Math.floor(ingestLag.length / 4));
    const grows = (lag: number[]): boolean => mean(lag.slice(-quarter)) > mean(lag.slice(0, quarter)) + 2;
    const reason =
      delivered < 0.95 * rate ? `the load generator delivered ${Math.round(delivered)} events/s of ${rate}`
      : Math.max(...ingestLag) > 10 ? `ingest fell ${Math.max(...ingestLag).toFixed(1)} s of input behind`
      : grows(ingestLag) ? 'ingest lag grew'
      : resultDelays.length === 0 ? 'no result was published'
      : Math.max(...resultDelays) > MAX_RESULT_DELAY_MS ? `a result came ${(Math.max(...resultDelays) / 1000).toFixed(1)} s after its window closed`
      : null;
    return {
      nodes, rate, seconds, sustained: reason === null, reason,
      deliveredEventsPerS: Math.round(delivered),
      maxIngestLagS: Math.round(Math.max(...ingestLag) * 10) / 10,
      maxResultDelayMs: Math.max(...resultDelays),
      medianResultDelayMs: percentile(resultDelays, 50),
      cores,
    };
  } finally {
    await Promise.allSettled([...started.map((process) => process.stop()), following?.stop()]);
    await transport.close();
  }
}

export interface SustainedSearch {
  readonly nodes: number;
  /** The highest rate that was sustained in a probe and then in the confirming run. */
  readonly sustainedEventsPerS: number;
  readonly confirmed: SustainedRun | null;
  readonly probes: readonly SustainedRun[];
}

/**
 * Finds the highest sustained rate: probes from `startRate` up by a quarter
 * while they hold (down by 30 % while they fail), then halves the gap between
 * the best that held and the first that failed twice,
 * then confirms the best for `confirmSeconds` (stepping down a tenth while
 * the confirmation fails).
 */
export async function searchSustainedRate(
  options: Omit<SustainedOptions, 'rate' | 'seconds'> & { readonly startRate: number; readonly probeSeconds: number; readonly confirmSeconds: number; /** @default 8 */ readonly maxProbes?: number; readonly log?: (line: string) => void },
): Promise<SustainedSearch> {
  const probes: SustainedRun[] = [];
  const log = options.log ?? (() => {});
  const probe = async (rate: number, seconds: number): Promise<SustainedRun> => {
    const run = await measureSustained({ ...options, rate: Math.round(rate / 1000) * 1000, seconds });
    probes.push(run);
    log(`live rate, ${options.nodes} node(s): ${run.rate} events/s for ${seconds} s: ${run.sustained ? 'sustained' : `not sustained (${run.reason})`}; lag ingest ≤ ${run.maxIngestLagS} s, results ≤ ${run.maxResultDelayMs} ms after their window closed; cores ${JSON.stringify(run.cores)}`);
    return run;
  };
  let good = 0;
  let bad = Number.POSITIVE_INFINITY;
  let rate = options.startRate;
  const maxProbes = options.maxProbes ?? 8;
  for (let i = 0; i < maxProbes; i++) {
    const run = await probe(rate, options.probeSeconds);
    if (run.sustained) {
      good = run.rate;
      if (bad !== Number.POSITIVE_INFINITY) break;
      rate = run.rate * 1.25;
    } else {
      bad = run.rate;
      if (good > 0) break;
      rate = run.rate * 0.7;
      if (rate < 1000) break;
    }
  }
  for (let i = 0; i < 2 && probes.length < maxProbes && good > 0 && bad / good > 1.1; i++) {
    const middle = (good + bad) / 2;
    const run = await probe(middle, options.probeSeconds);
    if (run.sustained) good = run.rate;
    else bad = run.rate;
  }
  // A probe as long as the confirmation confirms itself.
  let confirmed: SustainedRun | null = options.confirmSeconds <= options.probeSeconds ? (probes.find((run) => run.sustained && run.rate === good) ?? null) : null;
  for (let i = 0; i < 3 && good > 0 && confirmed === null; i++) {
    const run = await probe(good, options.confirmSeconds);
    if (run.sustained) {
      confirmed = run;
      break;
    }
    good = Math.round((good * 0.9) / 1000) * 1000;
  }
  return { nodes: options.nodes, sustainedEventsPerS: confirmed?.rate ?? 0, confirmed, probes };
}

async function waitForMembers(admin: ReturnType<ReturnType<typeof kafkaTransport>['admin']>, groups: readonly string[], members: number, processes: readonly CliProcess[]): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const described = await Promise.all(groups.map((group) => admin.describeGroup(group).catch(() => null)));
    if (described.every((group) => group !== null && group.members.length === members)) return;
    for (const process of processes) if (process.child.exitCode !== null) throw new Error(`bench: a node exited (${process.child.exitCode}): ${process.stderr().slice(-2000)}`);
    if (performance.now() > deadline) throw new Error(`bench: ${members} node(s) did not join ${groups.join(' and ')} in 120 s`);
    await sleep(500);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
