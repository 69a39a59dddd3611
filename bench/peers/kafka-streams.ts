/**
 * The Kafka Streams peer of the benchmark suite, driven from TypeScript:
 * builds the Java application under `bench/peers/kafka-streams/` once, runs
 * it on a topic of raw batches, reads what it publishes, and reads eventide's
 * own `results` into the same shape so that the two can be compared window
 * by window and facet by facet before their speeds are.
 *
 * @example
 * ```ts
 * const peer = await runKafkaStreamsPeer({ brokers, inputTopic: 'events.raw', partitions: 6, graceMs: 120_000, events: 1_000_000 });
 * const ours = await readEventideResults(transport, 'results');
 * const diff = compareWindowCounts(ours, peer.results); // diff.same, diff.differences
 * ```
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { decodeWindowResult } from '../../protocols/result/index.ts';
import { resultKey } from '../suite/results-map.ts';

const PEER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'kafka-streams');
const MAIN_CLASS = 'eventide.bench.kstreams.PeerMain';

/**
 * The ids the peer publishes its results under, in `DEMO_QUERIES` order
 * (cli/demo.ts): register eventide's queries under the same ids to compare.
 */
export const PEER_QUERY_IDS = ['q1', 'q2', 'q3'] as const;

/** How to start the built peer: a classpath of its classes and its dependencies (from the local Maven repository). */
export interface KafkaStreamsPeerBuild {
  readonly classpath: string;
  readonly mainClass: string;
}

let building: Promise<KafkaStreamsPeerBuild> | undefined;

/**
 * Compiles the peer with Maven and resolves its classpath, once per process
 * and only when a source or the pom is newer than the last build (kept in
 * `bench/peers/kafka-streams/target`). Tries offline first (`-o`), then with
 * the network for what the local repository lacks.
 */
export function buildKafkaStreamsPeer(): Promise<KafkaStreamsPeerBuild> {
  building ??= build().catch((error: unknown) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function build(): Promise<KafkaStreamsPeerBuild> {
  const classpathFile = join(PEER_DIR, 'target', 'classpath.txt');
  const built = join(PEER_DIR, 'target', 'classes', ...MAIN_CLASS.split('.')) + '.class';
  if (!existsSync(classpathFile) || !existsSync(built) || newestSource() > statSync(classpathFile).mtimeMs) {
    const goals = ['-q', '-B', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt', '-Dmdep.includeScope=runtime'];
    const run = promisify(execFile);
    try {
      await run('mvn', ['-o', ...goals], { cwd: PEER_DIR, maxBuffer: 16 * 1024 * 1024 });
    } catch {
      try {
        await run('mvn', goals, { cwd: PEER_DIR, maxBuffer: 16 * 1024 * 1024 });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`building the Kafka Streams peer failed (mvn ${goals.join(' ')} in ${PEER_DIR}; needs Java 17 and Maven):\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`);
      }
    }
  }
  return { classpath: `${join(PEER_DIR, 'target', 'classes')}:${readFileSync(classpathFile, 'utf8').trim()}`, mainClass: MAIN_CLASS };
}

function newestSource(): number {
  const newest = (path: string): number => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
  };
  return Math.max(newest(join(PEER_DIR, 'pom.xml')), newest(join(PEER_DIR, 'src')));
}

export interface KafkaStreamsRunOptions {
  readonly brokers: readonly string[];
  /** The raw batches, as eventide reads them from `events.raw`. */
  readonly inputTopic: string;
  /** Partitions of the input topic (the peer's tasks, repartition topics and results topic have as many). */
  readonly partitions: number;
  /** Data events in the input, for `eventsPerSecond`. */
  readonly events: number;
  /**
   * Every event the input holds (the suite's closing events included): the peer signals the end of input once
   * every one of them has reached its windows, so a count short of the truth lets the signal overtake the
   * last events. @default events
   */
  readonly inputEvents?: number;
  /** Windows that end after this event time (the suite's closing events') are left out of `results`. @default none left out */
  readonly closingTime?: number;
  /** Grace of the peer's windows: 2,000 is eventide's lateness; `graceForExactResults` gives exact results (see README). */
  readonly graceMs: number;
  /** Where the peer publishes. @default `${applicationId}-results` */
  readonly resultsTopic?: string;
  /** Kafka Streams' application.id (its group, and the prefix of its internal topics). @default `eventide-bench-ks-<time>` */
  readonly applicationId?: string;
  /** num.stream.threads. @default 2 */
  readonly threads?: number;
  /** Where each query's windows live: Kafka Streams' in-memory window store, or its default RocksDB one (both change-logged). @default 'in-memory' */
  readonly windowStore?: 'in-memory' | 'rocksdb';
  /**
   * 'shared': one repartition topic keyed by query and facet, one window store and one suppression for the three
   * queries; 'per-query': one of each per query, as the topology was first written. @default 'shared'
   */
  readonly repartition?: 'shared' | 'per-query';
  /** Further Kafka Streams (and client) settings, over the peer's own, e.g. `{ 'producer.linger.ms': '5' }`: to try others. @default none */
  readonly streamsConfig?: Readonly<Record<string, string | number>>;
  /** Give up after this long, with the peer's last output in the error. @default 300000 */
  readonly timeoutMs?: number;
}

export interface KafkaStreamsRun {
  /** From starting the JVM to the last window's result readable read_committed. */
  readonly elapsedMs: number;
  /** `events` over `elapsedMs`. */
  readonly eventsPerSecond: number;
  /** `events` over the time from Kafka Streams reporting RUNNING to the last result: without the JVM's start and the group's first join. */
  readonly runningEventsPerSecond: number;
  /** From starting the JVM to Kafka Streams reporting RUNNING. */
  readonly startupMs: number;
  /** From starting the JVM to every input event having reached its windows (when the end of input is signalled). */
  readonly drainedMs: number;
  /**
   * From the end-of-input signal (after which stream time can close every window) to the last result readable
   * read_committed: the latency of closing windows, as bench/latency.ts measures it for eventide.
   */
  readonly closeLatencyMs: number;
  /** Count of events per `windowKey` (query × window × facet); end-of-input windows, and those ending after `closingTime`, left out. */
  readonly results: Map<string, number>;
  /** What the peer says it read: events, rejected events, unreadable batches. */
  readonly progress: unknown;
}

/** The key of one query × window × facet in a results map: the suite's `resultKey` (bench/suite/results-map.ts). */
export const windowKey = (queryId: string, windowStart: number, facet: readonly unknown[] | null): string => resultKey(queryId, windowStart, facet);

/**
 * A grace for which no event of the input can be late, whatever order the partitions are read in: its whole
 * span of event time (first event to the newest, closing events included), one window and the generator's
 * jitter. Kafka Streams' results are exact at this grace; with the suite's input (60 s of data, closing
 * events 15 s after it) that is 86 s.
 */
export function graceForExactResults(input: { readonly firstEventTime: number; readonly newestEventTime: number }): number {
  return input.newestEventTime - input.firstEventTime + 10_000 + 1_000;
}

/**
 * Runs the peer on `inputTopic` until it has published every window of the
 * input, and says how long that took. The peer's application id must be new
 * (its group starts from the earliest offsets); the results topic is
 * created when missing.
 */
export async function runKafkaStreamsPeer(options: KafkaStreamsRunOptions): Promise<KafkaStreamsRun> {
  const peer = await buildKafkaStreamsPeer();
  const applicationId = options.applicationId ?? `eventide-bench-ks-${Date.now()}`;
  const resultsTopic = options.resultsTopic ?? `${applicationId}-results`;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const transport = kafkaTransport({ brokers: [...options.brokers], clientId: `${applicationId}-driver` });
  try {
    const existing = await transport.admin().describeTopics([resultsTopic]);
    if (existing.length === 0) await transport.admin().createTopics([{ name: resultsTopic, partitions: options.partitions }]);

    const results = new Map<string, number>();
    let endOfInputResults = 0;
    let lastResultAt = 0;
    let allPublished: () => void = () => {};
    const published = new Promise<void>((resolve) => (allPublished = resolve));
    // Each windowing task (one per partition of each query's repartition topic) publishes one end-of-input window last.
    const expectedEndOfInputResults = PEER_QUERY_IDS.length * options.partitions;
    const follower = await retryWhileRetriable(() => transport.reader().follow(resultsTopic, {
      isolation: 'read_committed',
      onRecords: (records) => {
        const arrivedAt = Date.now();
        for (const record of records) {
          if (record.value === null) continue;
          const result = JSON.parse(record.value.toString('utf8')) as { queryId: string; windowStart: number; windowEnd: number; facet: unknown[] | null; events: number; endOfInput: boolean };
          if (result.endOfInput) {
            endOfInputResults++;
            continue;
          }
          lastResultAt = arrivedAt;
          if (options.closingTime !== undefined && result.windowEnd > options.closingTime) continue;
          const key = windowKey(result.queryId, result.windowStart, result.facet);
          if (results.has(key)) throw new Error(`the Kafka Streams peer published ${key} twice`);
          results.set(key, result.events);
        }
        if (endOfInputResults >= expectedEndOfInputResults) allPublished();
      },
    }));
    await follower.caughtUp;

    const startedAt = Date.now();
    const java = spawn(
      'java',
      [...javaOptions(), '-cp', peer.classpath, peer.mainClass, '--brokers', options.brokers.join(','), '--input', options.inputTopic, '--results', resultsTopic,
        '--application-id', applicationId, '--grace-ms', String(options.graceMs), '--events', String(options.inputEvents ?? options.events), '--threads', String(options.threads ?? 2),
        '--window-store', options.windowStore ?? 'in-memory', '--repartition', options.repartition ?? 'shared',
        ...(options.streamsConfig ? ['--streams-config', Object.entries(options.streamsConfig).map(([name, value]) => `${name}=${value}`).join(';')] : [])],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const said: string[] = [];
    const remember = (line: string): void => {
      said.push(line);
      if (said.length > 40) said.shift();
    };
    let runningAt = 0;
    let endOfInputAt = 0;
    let progress: unknown = null;
    let failed: (error: Error) => void = () => {};
    const failure = new Promise<never>((_, reject) => (failed = reject));
    // The peer also exits when it is told to stop, after the race is decided: that rejection is nobody's concern.
    failure.catch(() => undefined);
    createInterface({ input: java.stdout }).on('line', (line) => {
      remember(line);
      let report: { state?: string; atMs?: number; endOfInputAtMs?: number; progress?: unknown; error?: string };
      try {
        report = JSON.parse(line) as typeof report;
      } catch {
        return;
      }
      if (report.state === 'RUNNING' && runningAt === 0) runningAt = report.atMs!;
      if (report.endOfInputAtMs !== undefined) {
        endOfInputAt = report.endOfInputAtMs;
        progress = report.progress;
      }
      if (report.error !== undefined) failed(new Error(`the Kafka Streams peer failed: ${report.error}\n${said.join('\n')}`));
    });
    createInterface({ input: java.stderr }).on('line', remember);
    const exited = new Promise<void>((resolve) => java.once('exit', () => resolve()));
    java.once('exit', (code, signal) => failed(new Error(`the Kafka Streams peer exited (${code ?? signal}) before publishing every window:\n${said.join('\n')}`)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the Kafka Streams peer published ${results.size} windows and ${endOfInputResults}/${expectedEndOfInputResults} end-of-input windows in ${timeoutMs} ms (did the input hold exactly ${options.events} events?):\n${said.join('\n')}`)), timeoutMs);
    });
    try {
      await Promise.race([published, failure, timeout]);
    } finally {
      clearTimeout(timer);
      java.stdin.end();
      const killer = setTimeout(() => java.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(killer);
      await follower.stop();
    }
    const elapsedMs = lastResultAt - startedAt;
    return {
      elapsedMs,
      eventsPerSecond: options.events / (elapsedMs / 1000),
      runningEventsPerSecond: options.events / ((lastResultAt - runningAt) / 1000),
      startupMs: runningAt - startedAt,
      drainedMs: endOfInputAt - startedAt,
      closeLatencyMs: lastResultAt - endOfInputAt,
      results,
      progress,
    };
  } finally {
    await transport.close();
  }
}

/** JVM options from KAFKA_STREAMS_PEER_JAVA_OPTS (space-separated), e.g. `-Xmx2g` or a flight recording to profile the peer. */
function javaOptions(): string[] {
  return (process.env.KAFKA_STREAMS_PEER_JAVA_OPTS ?? '').split(' ').filter((option) => option !== '');
}

/** A topic just created may have no leader yet: try again for up to 10 s while the error says it may pass. */
async function retryWhileRetriable<T>(attempt: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * eventide's published results (read_committed, to the end of the topic) in
 * the peer's shape: events per query × window × facet, leaving out windows that end after `closingTime`
 * when given. Throws on a window
 * published twice, which would break exactly-once.
 */
export async function readEventideResults(transport: Transport, resultsTopic: string, closingTime?: number): Promise<Map<string, number>> {
  const reader = transport.reader();
  const ends = await reader.endOffsets(resultsTopic, 'read_committed');
  const starts = await reader.startOffsets(resultsTopic);
  const results = new Map<string, number>();
  for (const [partition, end] of ends) {
    if (end <= (starts.get(partition) ?? 0)) continue;
    for await (const chunk of reader.read({ topic: resultsTopic, partition, offset: starts.get(partition) ?? 0 }, end, { isolation: 'read_committed' })) {
      for (const record of chunk) {
        if (record.value === null) continue;
        const result = decodeWindowResult(record.value);
        if (closingTime !== undefined && result.windowEnd > closingTime) continue;
        const key = windowKey(result.queryId, result.windowStart, result.facet);
        if (results.has(key)) throw new Error(`eventide published ${key} twice`);
        results.set(key, result.events);
      }
    }
  }
  return results;
}

/** One window × facet whose counts differ; `undefined` where one side has no result for it. */
export interface WindowCountDifference {
  readonly key: string;
  readonly eventide: number | undefined;
  readonly kafkaStreams: number | undefined;
}

/** Exact comparison of two results maps: `same` when every key has the same count on both sides. */
export function compareWindowCounts(eventide: ReadonlyMap<string, number>, kafkaStreams: ReadonlyMap<string, number>): { same: boolean; windows: number; differences: WindowCountDifference[] } {
  const differences: WindowCountDifference[] = [];
  for (const key of new Set([...eventide.keys(), ...kafkaStreams.keys()])) {
    if (eventide.get(key) !== kafkaStreams.get(key)) differences.push({ key, eventide: eventide.get(key), kafkaStreams: kafkaStreams.get(key) });
  }
  differences.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { same: differences.length === 0, windows: eventide.size, differences };
}
