/**
 * A partition's history as its snapshots partition holds it: every snapshot
 * commit (sequence, offsets, age, size, writer and generation), every
 * publish marker, and on request the actor tree one snapshot holds. Read
 * from the log on each request, the way a new owner reads it to restore;
 * chunks are counted, and kept only for the snapshot asked for.
 */
import type { AnyStateMachine } from 'xstate';
import type { PartitionReader } from '../../protocols/transport.ts';
import { SnapshotHeaders, SnapshotLogReader, decodeHostedState, decodePublishMarker, decodeSnapshotCommit } from '../../protocols/snapshot/index.ts';
import type { HistoricActor, HistoricSnapshot, MarkerEntry, PartitionHistory, SnapshotEntry } from './api.ts';
import { childActorId, describeState, rootActorId } from './actor-paths.ts';
import { plainJson } from './plain-json.ts';

/** Snapshots and markers kept in an answer (the newest). */
export const HISTORY_SNAPSHOTS_KEPT = 200;
export const HISTORY_MARKERS_KEPT = 500;

/** Which snapshots partition to read, for which stage. */
export interface HistorySource {
  readonly reader: PartitionReader;
  readonly topic: string;
  readonly stage: string;
  readonly partition: number;
}

interface Scan {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly snapshots: SnapshotEntry[];
  readonly markers: MarkerEntry[];
  readonly ignored: { incomplete: number; corrupt: number };
  readonly problems: { offset: number; error: string }[];
}

/** `GET /api/partitions/:stage/:partition/history`. */
export async function readPartitionHistory(source: HistorySource, now: number): Promise<PartitionHistory> {
  const scan = await scanHistory(source);
  return {
    stage: source.stage,
    partition: source.partition,
    topic: source.topic,
    startOffset: scan.startOffset,
    endOffset: scan.endOffset,
    snapshots: scan.snapshots.slice(-HISTORY_SNAPSHOTS_KEPT),
    markers: scan.markers.slice(-HISTORY_MARKERS_KEPT),
    ignored: scan.ignored,
    problems: scan.problems.slice(-100),
    now,
  };
}

/**
 * `GET /api/partitions/:stage/:partition/history/:seq`: the actor tree the
 * snapshot holds, or null when the partition has no complete snapshot with
 * that sequence. `machine` is the stage's partition machine, to name the
 * machines of the children it spawned.
 */
export async function readHistoricSnapshot(source: HistorySource, seq: number, machine: AnyStateMachine): Promise<HistoricSnapshot | null> {
  const scan = await scanHistory(source);
  const entry = scan.snapshots.find((snapshot) => snapshot.seq === seq);
  if (entry === undefined) return null;
  // Reading up to the commit makes it the newest complete snapshot there.
  const log = new SnapshotLogReader({ stage: source.stage });
  for await (const chunk of source.reader.read({ topic: source.topic, partition: source.partition, offset: scan.startOffset }, entry.offset + 1)) {
    for (const record of chunk) {
      try {
        log.add(record);
      } catch {
        // A marker that does not decode is listed among the history's problems.
      }
    }
  }
  const restored = log.latest();
  if (restored === null || restored.meta.seq !== seq) return null;
  const persisted = decodeHostedState(restored.state).machine as PersistedActor;
  const next = scan.snapshots.find((snapshot) => snapshot.offset > entry.offset);
  return {
    snapshot: entry,
    root: historicActor(persisted, rootActorId(source.stage, source.partition), null, machine),
    markers: scan.markers.filter((marker) => marker.offset > entry.offset && (next === undefined || marker.offset < next.offset)),
  };
}

async function scanHistory(source: HistorySource): Promise<Scan> {
  const { reader, topic, stage, partition } = source;
  const [starts, ends] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  const endOffset = ends.get(partition);
  if (endOffset === undefined) throw new RangeError(`topic '${topic}' has no partition ${partition}`);
  const startOffset = starts.get(partition) ?? 0;
  const snapshots: SnapshotEntry[] = [];
  const markers: MarkerEntry[] = [];
  const problems: { offset: number; error: string }[] = [];
  const ignored = { incomplete: 0, corrupt: 0 };
  /** Chunks seen per snapshot id since the last commit. */
  let chunks = new Map<string, number>();
  for await (const chunk of reader.read({ topic, partition, offset: startOffset }, endOffset)) {
    for (const record of chunk) {
      if (record.headers[SnapshotHeaders.stage] !== stage || record.value === null) continue;
      const kind = record.headers[SnapshotHeaders.kind];
      if (kind === 'chunk') {
        const id = record.headers[SnapshotHeaders.snapshotId] ?? '';
        chunks.set(id, (chunks.get(id) ?? 0) + 1);
      } else if (kind === 'commit') {
        try {
          const commit = decodeSnapshotCommit(record.value);
          const id = `${commit.stage}/${commit.partition}/${commit.seq}`;
          const found = chunks.get(id) ?? 0;
          chunks.delete(id);
          ignored.incomplete += chunks.size;
          chunks = new Map();
          if (found < commit.chunks) {
            ignored.incomplete++;
            problems.push({ offset: record.offset, error: `snapshot ${commit.seq} has ${found} of its ${commit.chunks} chunks` });
            continue;
          }
          snapshots.push({
            seq: commit.seq, offset: record.offset, nextOffset: commit.nextOffset, takenAt: commit.takenAt, bytes: commit.bytes, chunks: commit.chunks,
            nodeId: commit.nodeId, generation: commit.generation, markersAfter: 0,
          });
        } catch (error) {
          ignored.corrupt++;
          problems.push({ offset: record.offset, error: `commit record does not decode: ${error instanceof Error ? error.message : String(error)}` });
        }
      } else if (kind === 'marker') {
        try {
          const marker = decodePublishMarker(record.value);
          const last = snapshots.at(-1);
          markers.push({ offset: record.offset, key: marker.key, inputOffset: marker.nextOffset, publishedAt: marker.publishedAt, afterSeq: last?.seq ?? null });
          if (last !== undefined) (last as { markersAfter: number }).markersAfter++;
        } catch (error) {
          problems.push({ offset: record.offset, error: `publish marker does not decode (a restore stops here): ${error instanceof Error ? error.message : String(error)}` });
        }
      }
    }
  }
  ignored.incomplete += chunks.size;
  return { startOffset, endOffset, snapshots, markers, ignored, problems };
}

/** An actor as `getPersistedSnapshot()` writes it. */
interface PersistedActor {
  readonly status?: string;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly children?: Readonly<Record<string, { readonly snapshot?: PersistedActor; readonly src?: unknown }>>;
}

function historicActor(persisted: PersistedActor, id: string, parent: string | null, machine: AnyStateMachine | null, src?: string): HistoricActor {
  const children: HistoricActor[] = [];
  for (const [childId, child] of Object.entries(persisted.children ?? {})) {
    if (child?.snapshot === undefined) continue;
    const childSrc = typeof child.src === 'string' ? child.src : undefined;
    const childMachine = childSrc === undefined ? null : logicOf(machine, childSrc);
    children.push(historicActor(child.snapshot, childActorId(id, childId), id, childMachine, childSrc));
  }
  return {
    id,
    parent,
    machine: machine?.id ?? src ?? 'unknown',
    state: describeState(persisted.value),
    status: persisted.status ?? 'unknown',
    context: plainJson(persisted.context),
    children,
  };
}

/** The machine a parent's `setup({ actors })` names `src`, if it is one. */
function logicOf(parent: AnyStateMachine | null, src: string): AnyStateMachine | null {
  const logic = (parent?.implementations.actors as Record<string, unknown> | undefined)?.[src];
  return logic !== undefined && typeof (logic as AnyStateMachine).toJSON === 'function' ? (logic as AnyStateMachine) : null;
}
