/**
 * A query pipeline on the memory transport for tests: topics, queries, raw
 * batches in, decoded results out, and nodes that can be stopped, crashed
 * and added.
 */
import type { Event, AttributeValue } from '../../protocols/event.ts';
import { rawBatchRecords } from './raw-batches.ts';
import { encodeQueryRecord } from '../../protocols/query-record/index.ts';
import { decodeWindowResult, type WindowResult } from '../../protocols/result/index.ts';
import { decodeDeadLetter, type DeadLetter } from '../../protocols/dead-letter/index.ts';
import type { ConsumedRecord, Transport } from '../../protocols/transport.ts';
import { encodeMatchedEventBatch, type MatchedEvent } from '../../protocols/matched-events/index.ts';
import type { FaultPoint } from '../../runtime/memory/node.ts';
import { partitionForKey } from '../../protocols/partitioner.ts';
import { MemoryLog, memoryTransport, type HandOver, type MemoryTransport, type MemoryTransportOptions } from '../../runtime/memory/index.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { createNode, type EventideNode } from '../../runtime/node.ts';
import type { Logger } from '../../runtime/logger.ts';
import { pipelineStages, queriesTable, type PipelineOptions, type Role } from '../../pipeline/stages.ts';
import { pipelineTopics, TOPICS } from '../../pipeline/topics.ts';

export const T0 = 1_700_000_040_000;

/** A node of the fixture and its transport. */
export interface NodeEntry {
  readonly node: EventideNode;
  readonly transport: MemoryTransport;
  readonly roles: readonly Role[];
}

/** A node that dies just before its `crashAt`-th write operation (see `startCrashingNode`). */
export interface CrashingNode extends NodeEntry {
  /** Write operations (send, transaction.send, sendOffsets, commit, commitOffsets) it attempted. */
  readonly operations: () => number;
  readonly crashed: () => boolean;
  /** The operation it died at, if it did. */
  readonly crashedAt: () => FaultPoint | null;
  /**
   * Where it died, in words: the operation and what its transaction held
   * (`transaction.commit of publish`, `transaction.sendOffsets of outputs`,
   * `transaction.send of snapshot`); null if it did not.
   */
  readonly crashedIn: () => string | null;
  /** Write operations of transactions holding a publication, a snapshot or plain outputs. */
  readonly operationsWithin: (content: 'publish' | 'snapshot' | 'outputs') => number;
}

/** What a transaction's records are: a publication (results), a snapshot, or plain outputs. */
function describeRecords(records: readonly { topic: string }[]): string {
  if (records.some((record) => record.topic === TOPICS.results)) return 'publish';
  if (records.some((record) => record.topic === TOPICS.snapshots)) return 'snapshot';
  return 'outputs';
}

export interface FixtureQuery {
  readonly id: string;
  readonly nrql: string;
  readonly ttlMs?: number;
}

/** Reads a whole topic (committed records) from every partition. */
export async function readTopic(transport: Transport, topic: string): Promise<ConsumedRecord[]> {
  const reader = transport.reader();
  const [start, end] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  const records: ConsumedRecord[] = [];
  for (const [partition, until] of end) {
    const from = start.get(partition) ?? 0;
    if (until <= from) continue;
    for await (const chunk of reader.read({ topic, partition, offset: from }, until, { isolation: 'read_committed' })) records.push(...chunk);
  }
  return records;
}

/** Polls `condition` until it holds, failing with `describe()` after `timeoutMs` of real time. */
export async function waitFor(condition: () => Promise<boolean> | boolean, describe: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Both hand-over modes of the memory log. Pipeline, crash and rebalance
 * scenarios run once in each: `revoke-first` (a planned hand-over never
 * fences) and `eager` (the old owner's final snapshot races the new owner and
 * is fenced, as on Kafka).
 *
 * @example
 * for (const handOver of HAND_OVERS) {
 *   test(`${handOver}: a second node takes partitions over`, async (t) => {
 *     const fixture = new PipelineFixture({ snapshotEveryMs: 2000 }, { handOver });
 *   });
 * }
 */
export const HAND_OVERS: readonly HandOver[] = ['revoke-first', 'eager'];

/** A line a node logged, kept by the fixture so a test can say how hand-overs went. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that appends every line, with its inherited fields, to `lines`. */
function recordingLogger(lines: LoggedLine[], inherited: Readonly<Record<string, unknown>> = {}): Logger {
  const record = (level: LoggedLine['level']) => (fields: object, message: string) => {
    lines.push({ level, message, fields: { ...inherited, ...fields } });
  };
  return { debug: () => {}, info: record('info'), warn: record('warn'), error: record('error'), child: (fields) => recordingLogger(lines, { ...inherited, ...fields }) };
}

/** How the fixture's memory log behaves. */
export interface FixtureOptions {
  /** @default 'revoke-first' */
  readonly handOver?: HandOver;
}

export class PipelineFixture {
  readonly log: MemoryLog;
  readonly clock = new ManualClock(T0);
  readonly admin: MemoryTransport;
  readonly nodes: NodeEntry[] = [];
  readonly options: PipelineOptions;
  readonly errors: unknown[] = [];
  /** Everything the nodes logged (info and above), in order. */
  readonly logged: LoggedLine[] = [];

  constructor(options: PipelineOptions = {}, fixture: FixtureOptions = {}) {
    this.options = { idleTimeoutMs: 10_000, snapshotEveryMs: 5000, ...options };
    this.log = new MemoryLog({ handOver: fixture.handOver ?? 'revoke-first' });
    this.admin = memoryTransport(this.log, { clientId: 'admin' });
  }

  async createTopics(partitions = 3, matchedPartitions = 4): Promise<void> {
    await this.admin.admin().createTopics(pipelineTopics({ partitions, matchedPartitions }));
  }

  async addQueries(queries: readonly FixtureQuery[]): Promise<void> {
    await this.admin.producer().send(
      queries.map((query) => ({
        topic: TOPICS.queries,
        partition: 0,
        key: query.id,
        value: encodeQueryRecord({ v: 1, id: query.id, nrql: query.nrql, createdAt: this.clock.now(), expiresAt: this.clock.now() + (query.ttlMs ?? 3_600_000) }),
      })),
    );
  }

  async cancelQuery(id: string): Promise<void> {
    await this.admin.producer().send([{ topic: TOPICS.queries, partition: 0, key: id, value: null }]);
  }

  /** Writes events as raw batches of `batchSize`, event i to partition `i % partitions` keeping each partition in time order. */
  async produceEvents(events: readonly Event[], partitions = 3, batchSize = 25): Promise<void> {
    await this.admin.producer().send(rawBatchRecords(events, partitions, batchSize));
  }

  async produceRaw(partition: number, value: Buffer | null): Promise<void> {
    await this.admin.producer().send([{ topic: TOPICS.raw, partition, value }]);
  }

  async startNode(roles: readonly Role[] = ['parse', 'match', 'aggregate'], transportOptions: Omit<MemoryTransportOptions, 'onError'> = {}, nodeOptions: { readonly standbys?: number } = {}): Promise<NodeEntry> {
    const transport = memoryTransport(this.log, { ...transportOptions, onError: (error) => this.errors.push(error) });
    const node = createNode({ transport, group: 'test', nodeId: `node-${this.nodes.length}`, stages: pipelineStages(roles, this.options), tables: [queriesTable], clock: this.clock, logger: recordingLogger(this.logged), ...nodeOptions });
    const entry = { node, transport, roles };
    this.nodes.push(entry);
    await node.start();
    return entry;
  }

  /**
   * Starts a node that crashes (as `crash`) at its `crashAt`-th write
   * operation, before the operation happens: the operation fails and the
   * node writes nothing more. `crashAt` beyond what the run needs: it never
   * crashes. With `within`, only operations of transactions holding a
   * publication (results), a snapshot, or plain outputs are counted.
   */
  async startCrashingNode(roles: readonly Role[], crashAt: number, options: { readonly within?: 'publish' | 'snapshot' | 'outputs' } = {}): Promise<CrashingNode> {
    let operations = 0;
    let counted = 0;
    let crashedAt: FaultPoint | null = null;
    let crashedIn: string | null = null;
    let entry: NodeEntry | null = null;
    const transactions = new Map<string, string>();
    const within = new Map<string, number>();
    const faults = (operation: FaultPoint): void => {
      operations++;
      if (operation.kind === 'transaction.send') transactions.set(operation.transactionalId, describeRecords(operation.records));
      if (operation.kind === 'transaction.sendOffsets' && !transactions.has(operation.transactionalId)) transactions.set(operation.transactionalId, 'offsets only');
      const content = 'transactionalId' in operation ? transactions.get(operation.transactionalId) : undefined;
      if (content !== undefined) within.set(content, (within.get(content) ?? 0) + 1);
      if (options.within === undefined || content === options.within) counted++;
      if (counted !== crashAt || (options.within !== undefined && content !== options.within)) {
        if (operation.kind === 'transaction.commit') transactions.delete(operation.transactionalId);
        return;
      }
      crashedAt = operation;
      crashedIn = 'transactionalId' in operation ? `${operation.kind} of ${transactions.get(operation.transactionalId) ?? 'an empty transaction'}` : operation.kind;
      if (entry !== null) this.crash(entry);
    };
    entry = await this.startNode(roles, { faults });
    if (crashedAt !== null && !entry.transport.crashed) this.crash(entry);
    const started = entry;
    return { ...started, operations: () => operations, crashed: () => started.transport.crashed, crashedAt: () => crashedAt, crashedIn: () => crashedIn, operationsWithin: (content) => within.get(content) ?? 0 };
  }

  /** The node dies: nothing more is written by it, its partitions move to the others. */
  crash(entry: { node: EventideNode; transport: MemoryTransport }): void {
    entry.node.abandon();
    entry.transport.crash();
  }

  /** How many logged lines have this message or match it. */
  loggedCount(message: string | RegExp): number {
    return this.logged.filter((line) => (typeof message === 'string' ? line.message === message : message.test(line.message))).length;
  }

  /** Nodes that have not crashed or stopped. */
  liveNodes(): NodeEntry[] {
    return this.nodes.filter(({ node, transport }) => node.state === 'running' && !transport.crashed);
  }

  /**
   * Whether the pipeline has handled everything on its input topics: each
   * stateless stage has committed its input's end, and every aggregate
   * partition has a running host on a live node that has read to the end.
   */
  async caughtUp(): Promise<boolean> {
    const admin = this.admin.admin();
    const live = this.liveNodes();
    const stages = new Map(this.nodes.flatMap(({ roles }) => pipelineStages(roles, this.options).map((stage) => [stage.name, stage] as const)));
    for (const stage of stages.values()) {
      const topic = stage.input.topic;
      // Transaction markers take offsets too, so "read to the end" means past the last committed record.
      const ends = new Map<number, number>();
      for (const record of await readTopic(this.admin, topic)) ends.set(record.partition, Math.max(ends.get(record.partition) ?? 0, record.offset + 1));
      if (stage.snapshots === undefined) {
        const committed = await admin.fetchCommittedOffsets(`test.${stage.name}`, topic);
        for (const [partition, offset] of ends) if ((committed.get(partition) ?? 0) < offset) return false;
        continue;
      }
      const hosts = live.flatMap(({ node }) => node.partitions().filter((host) => host.stage === stage.name && host.state === 'running'));
      const partitions = (await admin.describeTopics([topic]))[0]!.partitions;
      for (let partition = 0; partition < partitions; partition++) {
        const host = hosts.find((candidate) => candidate.partition === partition);
        if (host === undefined || host.nextOffset < (ends.get(partition) ?? 0)) return false;
      }
    }
    return true;
  }

  /** Waits until the pipeline caught up (`caughtUp`), running `meanwhile` before each look (e.g. to replace a crashed node). */
  async settle(meanwhile: () => Promise<void> = async () => {}, timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => {
      await meanwhile();
      return this.caughtUp();
    }, () => `the pipeline to catch up; nodes: ${JSON.stringify(this.nodes.map(({ node }) => ({ id: node.nodeId, state: node.state, partitions: node.partitions().map((p) => `${p.stage}[${p.partition}] ${p.state} @${p.nextOffset}`) })))}`, timeoutMs);
  }

  /**
   * Produces `events` in `rounds` equal parts; after each, waits until the
   * pipeline caught up and advances the clock `advanceMs` (ticks,
   * snapshots). `betweenRounds` runs after each round (e.g. to add a node).
   */
  async produceInRounds(events: readonly Event[], rounds: number, options: { readonly meanwhile?: () => Promise<void>; readonly beforeRound?: (round: number) => Promise<void>; readonly betweenRounds?: (round: number) => Promise<void>; readonly advanceMs?: number } = {}): Promise<void> {
    const perRound = Math.ceil(events.length / rounds);
    for (let round = 0; round < rounds; round++) {
      await options.beforeRound?.(round);
      await this.produceEvents(events.slice(round * perRound, (round + 1) * perRound));
      await this.settle(options.meanwhile);
      await this.clock.advance(options.advanceMs ?? 2000);
      await options.betweenRounds?.(round);
    }
  }

  /**
   * Advances the clock (windows close by watermark, then on idle ticks) until
   * `count` results are out, then some more so a result published twice
   * would show; the pipeline catches up before each step.
   */
  async publishAll(count: number, meanwhile?: () => Promise<void>, stepMs = 5000): Promise<void> {
    for (let step = 0; ; step++) {
      await this.settle(meanwhile);
      if ((await this.results()).length >= count) break;
      if (step > 200) throw new Error(`only ${(await this.results()).length} of ${count} results after ${step} clock steps`);
      await this.clock.advance(stepMs);
    }
    for (let step = 0; step < 6; step++) {
      await this.clock.advance(stepMs);
      await this.settle(meanwhile);
    }
    await this.flushWrites();
    await this.settle(meanwhile);
    await this.flushWrites();
  }

  /** Waits until the live nodes' partitions have written everything they queued (publications, dead letters). */
  async flushWrites(): Promise<void> {
    for (const { node } of this.liveNodes()) await node.idle();
  }

  /** Writes matched events straight to `events.matched`, as a match node that had not yet seen a query change would. */
  async produceMatched(queryId: string, events: readonly Event[], source = { topic: TOPICS.raw, partition: 0, partitions: 1 }, fromOffset = 1_000_000): Promise<void> {
    const matched: MatchedEvent[] = events.map((event, index) => ({ offset: fromOffset + index, index: 0, timestamp: event.timestamp, attributes: event.attributes }));
    const partitions = (await this.admin.admin().describeTopics([TOPICS.matched]))[0]!.partitions;
    await this.admin.producer().send([{ topic: TOPICS.matched, partition: partitionForKey(queryId, partitions), key: queryId, value: encodeMatchedEventBatch({ v: 1, queryId, source, events: matched }) }]);
  }

  async results(): Promise<WindowResult[]> {
    return (await readTopic(this.admin, TOPICS.results)).map((record) => decodeWindowResult(record.value!));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return (await readTopic(this.admin, TOPICS.deadletter)).map((record) => decodeDeadLetter(record.value!));
  }

  /** Advances the clock in ticks until `condition` holds (windows close on idle ticks). */
  async advanceUntil(condition: () => Promise<boolean>, describe: () => string, stepMs = 1000, maxMs = 30 * 60_000): Promise<void> {
    for (let elapsed = 0; !(await condition()); elapsed += stepMs) {
      if (elapsed > maxMs) throw new Error(`clock advanced ${maxMs} ms without: ${describe()}`);
      await this.clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async stop(): Promise<void> {
    for (const { node, transport } of this.nodes) if (node.state === 'running' && !transport.crashed) await node.stop();
    await Promise.all(this.nodes.map(({ transport }) => transport.close()));
    await this.admin.close();
  }
}

/** A deterministic pseudo-random generator (mulberry32), so every test sees the same events. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Events in time order over `spanMs`, of two types, with app, country and duration attributes. */
export function generateEvents(count: number, spanMs: number, seed = 1): Event[] {
  const random = seededRandom(seed);
  const apps = ['shop', 'blog', 'api'];
  const countries = ['DE', 'US', 'FR', 'JP'];
  return Array.from({ length: count }, (_, i) => {
    const attributes: Record<string, AttributeValue> = {
      appName: apps[Math.floor(random() * apps.length)]!,
      country: countries[Math.floor(random() * countries.length)]!,
      duration: Math.round(random() * 2000) / 1000,
    };
    return { eventType: random() < 0.6 ? 'PageView' : 'Transaction', timestamp: T0 + Math.floor((i * spanMs) / count), attributes };
  });
}

/** A canonical string of a result (order of keys fixed), for comparing sets of results. */
export function resultKey(result: Pick<WindowResult, 'queryId' | 'windowStart' | 'facet'>): string {
  return `${result.queryId}|${result.windowStart}|${JSON.stringify(result.facet)}`;
}
