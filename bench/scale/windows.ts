/**
 * Windows and live state at scale (issue 10): how long one aggregate
 * partition holding 100,000 open windows takes to restore, how much memory
 * 100,000 open windows take, and how long the event loop stalls while 5,000
 * queries with live state are snapshotted and restored.
 *
 * The state is built by the aggregate stage's own machines (the partition
 * supervisor, its query and window actors) from matched-event batches,
 * snapshotted as the runtime does (`SnapshotPolicy`, the machine's persisted
 * snapshot, chunks and a commit) onto a memory-transport snapshots topic, and
 * restored as the runtime does (`restorePartition` reads the partition from
 * its earliest offset, then the machine is created from the seed, started,
 * and sent its table and `eventide.restored`).
 *
 *   npx tsx bench/scale/windows.ts [windows=100000] [queries=5000]
 */
import { performance } from 'node:perf_hooks';
import { createActor, type Actor } from 'xstate';
import { partitionSupervisorMachine } from '../../actors/partition-supervisor.ts';
import type { MatchedEvent } from '../../protocols/matched-events/index.ts';
import type { QueryRecord } from '../../protocols/query-record/index.ts';
import type { TableChange } from '../../protocols/stage.ts';
import { MemoryLog, memoryTransport, type MemoryTransport } from '../../runtime/memory/index.ts';
import { SnapshotPolicy } from '../../runtime/partition/snapshot-policy.ts';
import { restorePartition } from '../../runtime/partition/restorer.ts';
import { encodeInSlices } from '../../runtime/partition/snapshot-slices.ts';
import { systemClock } from '../../runtime/clock.ts';

const STAGE = 'aggregate';
const INPUT = 'events.matched';
const SNAPSHOTS = 'snapshots';
const NOW = 1_700_000_000_000;
const BATCH = 500;

type Supervisor = Actor<typeof partitionSupervisorMachine>;

export interface PartitionShape {
  readonly queries: number;
  readonly windowsPerQuery: number;
  /** FACET groups per window (0: no FACET). @default 0 */
  readonly groupsPerWindow?: number;
}

const queryTable = (shape: PartitionShape): TableChange<QueryRecord>[] =>
  Array.from({ length: shape.queries }, (_, i) => {
    const facet = (shape.groupsPerWindow ?? 0) > 0 ? ' FACET country' : '';
    const nrql = `SELECT count(*), sum(duration) FROM PageView${facet} TIMESERIES 1 second WITH LATENESS 2 days`;
    return { key: `q${i}`, value: { v: 1, id: `q${i}`, nrql, createdAt: NOW, expiresAt: NOW + 30 * 86_400_000 } };
  });

const supervisorInput = { stage: STAGE, partition: 0, inputPartitions: 1, maxRecordBytes: {}, now: NOW, resultsTopic: 'results', idleTimeoutMs: 3_600_000 };

/** A running supervisor holding `queries × windowsPerQuery` open windows, one second each, built from batches of 500 events. */
export function buildPartition(shape: PartitionShape): Supervisor {
  const actor = createActor(partitionSupervisorMachine, { input: supervisorInput as never });
  actor.start();
  actor.send({ type: 'eventide.table', table: 'queries', reset: true, changes: queryTable(shape), now: NOW });
  actor.send({ type: 'eventide.restored', from: 'earliest', published: [], now: NOW });
  const first = NOW - shape.windowsPerQuery * 1000;
  const groups = Math.max(1, shape.groupsPerWindow ?? 0);
  let offset = 0;
  for (let q = 0; q < shape.queries; q++) {
    const perWindow = groups;
    const total = shape.windowsPerQuery * perWindow;
    for (let i = 0; i < total; i += BATCH) {
      const events: MatchedEvent[] = [];
      for (let j = i; j < Math.min(total, i + BATCH); j++) {
        events.push({ offset: j, index: 0, timestamp: first + Math.floor(j / perWindow) * 1000, attributes: { country: `c${j % perWindow}`, duration: j % 97 } });
      }
      const value = { v: 1 as const, queryId: `q${q}`, source: { topic: 'events.parsed', partition: 0, partitions: 1 }, events };
      actor.send({ type: 'eventide.batch', partition: 0, records: [{ offset, key: null, headers: {}, timestamp: NOW, value }], nextOffset: ++offset, now: NOW });
    }
  }
  if (actor.getSnapshot().status !== 'active') throw new Error(`the supervisor failed while building: ${String(actor.getSnapshot().error)}`);
  return actor;
}

async function snapshotsLog(): Promise<MemoryTransport> {
  const transport = memoryTransport(new MemoryLog(), { clientId: 'bench' });
  await transport.admin().createTopics([{ name: INPUT, partitions: 1 }, { name: SNAPSHOTS, partitions: 1 }]);
  return transport;
}

/** Takes a snapshot as the runtime does (encoded in slices, the event loop running between them) and writes it to the snapshots topic; the time from taking it to its write (what the partition waits for). */
export async function writeSnapshot(transport: MemoryTransport, actor: Supervisor, seq: number): Promise<{ takeMs: number; bytes: number }> {
  const policy = new SnapshotPolicy({
    stage: STAGE, partition: 0, nodeId: 'bench', generation: 1, settings: { topic: SNAPSHOTS }, clock: systemClock, restoredSeq: seq - 1,
    toRecord: (record) => ({ topic: SNAPSHOTS, partition: 0, key: record.key, value: record.value, headers: record.headers }),
  });
  policy.changed();
  const started = performance.now();
  actor.send({ type: 'eventide.snapshot', now: NOW });
  const job = await encodeInSlices(policy.pendingSnapshot(actor.getPersistedSnapshot(), actor.getSnapshot().context.nextOffset, [], 'bench'), { startedAt: started });
  const takeMs = performance.now() - started;
  if (job === null) throw new Error('the snapshot was not encoded');
  await transport.producer().send(job.records);
  return { takeMs, bytes: job.records.reduce((sum, record) => sum + (record.value?.length ?? 0), 0) };
}

/** Restores the partition from its snapshots topic as a host does; the supervisor and the time it took. */
export async function restoreFromLog(transport: MemoryTransport, shape: PartitionShape): Promise<{ actor: Supervisor; ms: number }> {
  const started = performance.now();
  const seed = await restorePartition(
    { reader: transport.reader(), committedOffsets: async () => new Map() },
    { stage: STAGE, partition: 0, inputTopic: INPUT, snapshotsTopic: SNAPSHOTS },
  );
  if (seed.from !== 'snapshot') throw new Error(`expected a restore from a snapshot, got ${seed.from}`);
  const actor = createActor(partitionSupervisorMachine, { input: supervisorInput as never, snapshot: seed.machine as never });
  actor.start();
  actor.send({ type: 'eventide.table', table: 'queries', reset: true, changes: queryTable(shape), now: NOW });
  actor.send({ type: 'eventide.restored', from: 'snapshot', published: [], now: NOW });
  const ms = performance.now() - started;
  if (actor.getSnapshot().status !== 'active') throw new Error(`the restored supervisor failed: ${String(actor.getSnapshot().error)}`);
  return { actor, ms };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Longest gap between the fires of a 1 ms interval timer while `work` runs: the longest synchronous slice. */
async function longestSlice<T>(work: () => Promise<T>): Promise<{ result: T; maxSliceMs: number }> {
  let last = performance.now();
  let maxSliceMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxSliceMs = Math.max(maxSliceMs, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  last = performance.now();
  try {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { result, maxSliceMs };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Restore of one partition holding 100,000 open windows (100 queries of
 * 1,000 windows), from the newest of `history` snapshots on its snapshots
 * topic: ms, median of 3.
 */
export async function measureRestore100kWindows(options: { windows?: number; history?: number } = {}): Promise<number> {
  const windows = options.windows ?? 100_000;
  const shape = { queries: 100, windowsPerQuery: Math.ceil(windows / 100) };
  const transport = await snapshotsLog();
  const actor = buildPartition(shape);
  for (let seq = 1; seq <= (options.history ?? 1); seq++) await writeSnapshot(transport, actor, seq);
  actor.stop();
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const { actor: restored, ms } = await restoreFromLog(transport, shape);
    times.push(ms);
    restored.stop();
  }
  await transport.close();
  return median(times);
}

const heapAfterGc = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (node --expose-gc --import tsx bench/scale/windows.ts)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Heap (after GC) that 100,000 open windows take, in MB: `live` as built by events (every window an actor), `restored` as a restore leaves them (asleep). */
export async function measureHeapPer100kWindows(options: { windows?: number } = {}): Promise<{ live: number; restored: number }> {
  const windows = options.windows ?? 100_000;
  const shape = { queries: 100, windowsPerQuery: Math.ceil(windows / 100) };
  const transport = await snapshotsLog();
  const before = heapAfterGc();
  const actor = buildPartition(shape);
  const live = heapAfterGc() - before;
  await writeSnapshot(transport, actor, 1);
  actor.stop();
  const beforeRestore = heapAfterGc();
  const { actor: restored } = await restoreFromLog(transport, shape);
  const restoredBytes = heapAfterGc() - beforeRestore;
  restored.stop();
  await transport.close();
  const perHundredThousand = (bytes: number): number => (bytes / 1024 / 1024) * (100_000 / (shape.queries * shape.windowsPerQuery));
  return { live: perHundredThousand(live), restored: perHundredThousand(restoredBytes) };
}

/**
 * 5,000 queries with live state (4 open windows each, 10 facet groups per
 * window) snapshotted and restored: the longest synchronous slice while
 * doing so (a 1 ms timer's longest gap), and the time of each.
 */
export async function measureLiveStateStall(options: { queries?: number } = {}): Promise<{ maxSliceMs: number; restoreMs: number; snapshotMs: number; snapshotMaxSliceMs: number; restoreMaxSliceMs: number }> {
  const shape = { queries: options.queries ?? 5000, windowsPerQuery: 4, groupsPerWindow: 10 };
  const transport = await snapshotsLog();
  const actor = buildPartition(shape);
  const snapshot = await longestSlice(() => writeSnapshot(transport, actor, 1));
  actor.stop();
  const restore = await longestSlice(() => restoreFromLog(transport, shape));
  restore.result.actor.stop();
  await transport.close();
  return {
    maxSliceMs: Math.max(snapshot.maxSliceMs, restore.maxSliceMs), snapshotMs: snapshot.result.takeMs, restoreMs: restore.result.ms,
    snapshotMaxSliceMs: snapshot.maxSliceMs, restoreMaxSliceMs: restore.maxSliceMs,
  };
}

/**
 * Memory per 100,000 open windows, in MB (heap after GC, run with
 * `--expose-gc`): the larger of the two states, windows built by events
 * (every one an actor); `measureHeapPer100kWindows` gives both.
 */
export async function measureRssPer100kWindows(options: { windows?: number } = {}): Promise<number> {
  const { live, restored } = await measureHeapPer100kWindows(options);
  return Math.max(live, restored);
}

async function main(): Promise<void> {
  const windows = Number(process.argv[2] ?? 100_000);
  const queries = Number(process.argv[3] ?? 5000);
  const fixed = (n: number): string => n.toFixed(0);
  console.log(`restore of ${windows} open windows (1 snapshot on the topic): ${fixed(await measureRestore100kWindows({ windows }))} ms (median of 3)`);
  console.log(`restore of ${windows} open windows (10 snapshots on the topic): ${fixed(await measureRestore100kWindows({ windows, history: 10 }))} ms (median of 3)`);
  if ((globalThis as { gc?: unknown }).gc !== undefined) {
    const memory = await measureHeapPer100kWindows({ windows });
    console.log(`heap per 100,000 open windows: ${fixed(memory.live)} MB as built by events, ${fixed(memory.restored)} MB restored`);
  } else console.log('heap per 100,000 open windows: run with node --expose-gc --import tsx to measure');
  const stall = await measureLiveStateStall({ queries });
  console.log(`${queries} queries with live state: snapshot ${fixed(stall.snapshotMs)} ms (longest synchronous slice ${fixed(stall.snapshotMaxSliceMs)} ms), restore ${fixed(stall.restoreMs)} ms (longest slice ${fixed(stall.restoreMaxSliceMs)} ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
