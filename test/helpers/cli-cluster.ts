/**
 * eventide nodes as separate OS processes, started through the CLI as a user
 * would (`node bin/eventide.js node ...`), with their JSON logs (stderr is not
 * a terminal) parsed line by line; one-off CLI commands; known raw load with
 * explicit event times; and "has the pipeline caught up" read from Kafka as
 * `eventide status` reads it. Every process started here is killed when the
 * test process exits, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event } from '../../protocols/event.ts';
import { encodeEventBatch } from '../../protocols/event-batch/index.ts';
import { rawBatchRecords } from './raw-batches.ts';
import { decodeWindowResult, type WindowResult } from '../../protocols/result/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { TOPICS } from '../../pipeline/topics.ts';
import { clusterStatus } from '../../cli/observe.ts';
import type { Role } from '../../pipeline/stages.ts';
import { freePort } from '../kafka/harness/free-port.ts';
import { generateEvents, readTopic, T0 } from './pipeline-fixture.ts';
import type { QuerySpec } from './expected-results.ts';
import { partitionForKey } from '../../protocols/partitioner.ts';
import type { StandbyStats } from '../../runtime/standby-replicas.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = join(ROOT, 'bin', 'eventide.js');

/** One JSON log line of a node (pino: level, time, msg, fields). */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

const children = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (exitHook) return;
  exitHook = true;
  // Nothing started here outlives the test process, even when a test fails or times out.
  process.on('exit', () => {
    for (const running of children) running.kill('SIGKILL');
  });
}

/** Polls `condition` (real time) until it returns a value other than undefined/false. */
export async function until<T>(condition: () => Promise<T | undefined | false> | T | undefined | false, describe: () => string, timeoutMs = 90_000, stepMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${describe()}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, stepMs));
  }
}

/** A node process. */
export class CliNode {
  readonly id: string;
  readonly inspectPort: number;
  readonly logFile: string;
  readonly logs: LogLine[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(id: string, inspectPort: number, child: ChildProcess, logFile: string) {
    this.id = id;
    this.inspectPort = inspectPort;
    this.#child = child;
    this.logFile = logFile;
    const file: WriteStream = createWriteStream(logFile);
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      file.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 50, msg: `(not JSON) ${line}` });
        }
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => file.write(chunk));
    this.#exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        file.end();
        resolveExit({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#exit === null;
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exited;
  }

  /** Sends a signal (SIGTERM: orderly leave with final snapshots; SIGKILL: a crash). */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Log lines whose message matches. */
  lines(message: RegExp): LogLine[] {
    return this.logs.filter((line) => message.test(line.msg));
  }

  /** Waits for a log line; fails early if the process exits first. */
  async waitForLog(message: RegExp, timeoutMs = 90_000, count = 1): Promise<LogLine[]> {
    return until(
      () => {
        const found = this.lines(message);
        if (found.length >= count) return found;
        if (!this.running) throw new Error(`node ${this.id} exited (${JSON.stringify(this.#exit)}) before logging ${message}; last lines:\n${this.tail()}`);
        return undefined;
      },
      () => `node ${this.id} to log ${message} (${count}x); its log is ${this.logFile}, last lines:\n${this.tail()}`,
      timeoutMs,
    );
  }

  /** The node's /status (partitions it hosts, their offsets and restores). */
  async status(): Promise<{ nodeId: string; state: string; partitions: { stage: string; partition: number; state: string; nextOffset: number; restore: unknown }[]; standbys: StandbyStats[] }> {
    const response = await fetch(`http://127.0.0.1:${this.inspectPort}/status`);
    return (await response.json()) as never;
  }

  /**
   * The ids of the queries in this node's `queries` table, as its inspector's
   * `queries` view lists them (a query is listed once the node read its record).
   */
  async registeredQueryIds(): Promise<string[]> {
    const response = await fetch(`http://127.0.0.1:${this.inspectPort}/api/views/queries`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`node ${this.id}: GET /api/views/queries answered ${response.status}`);
    return ((await response.json()) as { rows: { id: string }[] }).rows.map((row) => row.id);
  }

  /** Restore log lines of the aggregate stage: `restored aggregate[p] from snapshot|committed-offset|earliest`. */
  restores(): LogLine[] {
    return this.lines(/^restored aggregate\[\d+\] from /);
  }

  /** Errors the node logged (level error or above). */
  errors(): LogLine[] {
    return this.logs.filter((line) => line.level >= 50);
  }

  tail(lines = 15): string {
    return this.logs.slice(-lines).map((line) => JSON.stringify(line)).join('\n');
  }
}

export interface StartNodeOptions {
  readonly roles?: readonly Role[];
  /** @default '1s' */
  readonly snapshotEvery?: string;
  /**
   * Long, so no source or partition counts as idle while a node restarts or
   * a broker is down: windows then close by event time only, and results are
   * deterministic. @default '10m'
   */
  readonly idleTimeout?: string;
  /** @default '10s' (so a killed node's partitions move on quickly) */
  readonly sessionTimeout?: string;
  /** `--standbys`. @default 0 */
  readonly standbys?: number;
}

/** A cluster of CLI node processes sharing brokers and a group. */
export class CliCluster {
  readonly brokers: readonly string[];
  readonly group: string;
  readonly nodes: CliNode[] = [];
  readonly logDir: string;
  /** Variables every process of this cluster gets besides the brokers and the group (credentials, a config file). */
  readonly #extraEnv: NodeJS.ProcessEnv;

  /**
   * @param env variables every process gets besides the brokers and the group (credentials, a config file)
   * @param logDir where the nodes' logs go; @default `<tmpdir>/eventide-cli-cluster-<group>`
   */
  constructor(brokers: readonly string[], group: string, env: NodeJS.ProcessEnv = {}, logDir = join(tmpdir(), `eventide-cli-cluster-${group}`)) {
    this.brokers = brokers;
    this.group = group;
    this.#extraEnv = env;
    this.logDir = logDir;
    mkdirSync(this.logDir, { recursive: true });
  }

  get #env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.#extraEnv, EVENTIDE_BROKERS: this.brokers.join(','), EVENTIDE_GROUP: this.group, NO_COLOR: '1' };
  }

  /**
   * Starts `eventide node` and waits until it joined (its tables read, its
   * groups joined). A node started again with the id of an earlier one (a
   * restart) logs to `<id>.<n>.log`, so the earlier log is kept.
   */
  async startNode(id: string, options: StartNodeOptions = {}): Promise<CliNode> {
    const port = await freePort();
    const args = [
      BIN, 'node',
      '--node-id', id,
      '--roles', (options.roles ?? ['parse', 'match', 'aggregate']).join(','),
      '--inspect', `127.0.0.1:${port}`,
      '--snapshot-every', options.snapshotEvery ?? '1s',
      '--idle-timeout', options.idleTimeout ?? '10m',
      '--session-timeout', options.sessionTimeout ?? '10s',
      '--log-level', 'info',
      ...(options.standbys === undefined ? [] : ['--standbys', String(options.standbys)]),
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const incarnation = this.nodes.filter((earlier) => earlier.id === id).length + 1;
    const node = new CliNode(id, port, child, join(this.logDir, incarnation === 1 ? `${id}.log` : `${id}.${incarnation}.log`));
    this.nodes.push(node);
    await node.waitForLog(new RegExp(`^node ${id} joined$`), 120_000);
    return node;
  }

  /** Runs a one-off CLI command (`topics create`, `query add`, `status`...) to its end. */
  run(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      track(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`eventide ${args.join(' ')} did not finish in ${timeoutMs / 1000} s; stderr: ${stderr}`));
      }, timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolveRun({ code, stdout, stderr });
      });
    });
  }

  /** Runs a CLI command that must succeed, returning its stdout. */
  async runOk(args: readonly string[]): Promise<string> {
    const { code, stdout, stderr } = await this.run(args);
    if (code !== 0) throw new Error(`eventide ${args.join(' ')} exited ${code}: ${stderr}${stdout}`);
    return stdout;
  }

  /** SIGKILLs every node still running and waits for them to go. */
  async killAll(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        node.kill('SIGKILL');
        await node.exited();
      }),
    );
  }

  running(): CliNode[] {
    return this.nodes.filter((node) => node.running);
  }

  /**
   * Whether the pipeline handled everything on its inputs, as `eventide
   * status` reports it: every ingest and aggregate partition has an owner and
   * no committed record left after its group's committed offset.
   */
  async caughtUp(transport: Transport, matchedPartitions: number, rawPartitions: number): Promise<boolean> {
    const status = await clusterStatus(transport, this.group, Date.now());
    const done = (stage: string, partitions: number) => {
      const rows = status.partitions.filter((p) => p.stage === stage);
      return rows.length === partitions && rows.every((p) => p.owner !== null && p.lag === 0);
    };
    return done('ingest', rawPartitions) && done('aggregate', matchedPartitions);
  }

  /** Waits until at least `expected` results are published and the pipeline caught up with its inputs. */
  async untilAllResults(transport: Transport, expected: number, partitions: { matched: number; raw: number }, timeoutMs: number): Promise<void> {
    let seen = 0;
    await until(
      async () => {
        seen = (await readResults(transport)).length;
        return seen >= expected && (await this.caughtUp(transport, partitions.matched, partitions.raw));
      },
      () => `${expected} results (${seen} so far) and the pipeline caught up; logs in ${this.logDir}`,
      timeoutMs,
      500,
    );
  }
}

// ------------------------------------------------------------------ load and expectations

/** The load of a test: events in time order from `base`, over `spanMs`, dealt round-robin to the raw partitions. */
export function knownEvents(count: number, spanMs: number, base: number, seed: number): Event[] {
  return generateEvents(count, spanMs, seed).map((event) => ({ ...event, timestamp: event.timestamp - T0 + base }));
}

/**
 * One event per raw partition and query kind at `at`, far after the load:
 * it lifts every query's watermark on every aggregate partition past the
 * load's windows, so they all close by event time (no wall-clock idling),
 * while the trailing windows themselves stay open.
 */
export function trailingEvents(at: number): Event[] {
  return [
    { eventType: 'PageView', timestamp: at, attributes: { appName: 'shop', country: 'DE', duration: 0.1 } },
    { eventType: 'PageView', timestamp: at, attributes: { appName: 'blog', country: 'DE', duration: 0.1 } },
    { eventType: 'Transaction', timestamp: at, attributes: { appName: 'api', country: 'DE', duration: 0.1 } },
  ];
}

/** Raw batches of `batchSize`, event i to partition `i % partitions`, so each partition stays in event-time order. */
export async function produceRaw(transport: Transport, events: readonly Event[], partitions: number, batchSize = 50): Promise<void> {
  const records = rawBatchRecords(events, partitions, batchSize);
  const producer = transport.producer();
  await producer.connect();
  for (let from = 0; from < records.length; from += 200) await producer.send(records.slice(from, from + 200));
  await producer.disconnect();
}

/** The trailing events (see `trailingEvents`) as one raw batch on every raw partition. */
export async function produceTrailing(transport: Transport, at: number, partitions: number): Promise<void> {
  const producer = transport.producer();
  await producer.connect();
  await producer.send(Array.from({ length: partitions }, (_, partition) => ({ topic: TOPICS.raw, partition, value: encodeEventBatch(trailingEvents(at)) })));
  await producer.disconnect();
}

/** Every committed result on the results topic. */
export async function readResults(transport: Transport): Promise<WindowResult[]> {
  return (await readTopic(transport, TOPICS.results)).map((record) => decodeWindowResult(record.value!));
}

/**
 * The queries with ids suffixed (`-<k>`, the smallest k that works) so that
 * they land on distinct matched partitions: with as many queries as
 * partitions, every aggregate partition has data, and whichever partition
 * moves has state to restore.
 */
export function spreadQueries<Q extends Pick<QuerySpec, 'id'>>(queries: readonly Q[], partitions: number): Q[] {
  for (let k = 1; k < 10_000; k++) {
    const renamed = queries.map((query) => ({ ...query, id: `${query.id}-${k}` }));
    const used = new Set(renamed.map((query) => partitionForKey(query.id, partitions)));
    if (used.size === Math.min(queries.length, partitions)) return renamed;
  }
  throw new Error(`no suffix spreads ${queries.length} queries over ${partitions} partitions`);
}

/** `eventide query add` for each query, with its fixed id. */
export async function registerQueries(cluster: CliCluster, queries: readonly QuerySpec[]): Promise<void> {
  for (const query of queries) await cluster.runOk(['query', 'add', query.nrql, '--id', query.id]);
}

/** A whole minute two hours before now, where a test's load starts in event time. */
export function loadBase(now = Date.now()): number {
  return Math.floor((now - 2 * 3_600_000) / 60_000) * 60_000;
}
