/**
 * A partition's history as its snapshots partition holds it: every snapshot
 * commit (sequence, offsets, age, size, writer and generation), every
 * publish marker, and on request the actor tree one snapshot holds. Read
 * from the log on each request, the way a new owner reads it to restore;
 * chunks are counted, and kept only for the snapshot asked for.
 */
import type { AnyStateMachine } from 'xstate';
import type { PartitionReader } from '../../protocols/transport.ts';
import { SnapshotLogReader, decodeHostedState } from '../../protocols/snapshot/index.ts';
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
      log.add(record);
    }
  }
  const restored = log.latest();
  if (restored === null || restored.meta.seq !== seq) return null;
  const persisted = decodeHostedState(restored.state).machine as PersistedActor;
  const next = scan.snapshots.find((snapshot) => snapshot.offset > entry.offset);
  return {
    snapshot: entry,
    root: historicActor(persisted, rootActorId(source.stage, source.partition), null, machine, { left: HISTORIC_CONTEXT_BUDGET }),
    markers: scan.markers.filter((marker) => marker.offset > entry.offset && (next === undefined || marker.offset < next.offset)),
  };
}

/** Reads the partition through the same reader a restore uses, told of every commit and marker. */
async function scanHistory(source: HistorySource): Promise<Scan> {
  const { reader, topic, stage, partition } = source;
  const [starts, ends] = await Promise.all([reader.startOffsets(topic), reader.endOffsets(topic, 'read_committed')]);
  const endOffset = ends.get(partition);
  if (endOffset === undefined) throw new RangeError(`topic '${topic}' has no partition ${partition}`);
  const startOffset = starts.get(partition) ?? 0;
  const snapshots: SnapshotEntry[] = [];
  const markers: MarkerEntry[] = [];
  const problems: { offset: number; error: string }[] = [];
  const log = new SnapshotLogReader({
    stage,
    observer: {
      onCommit: ({ offset, commit, verdict, reason }) => {
        if (verdict !== 'complete' || commit === null) {
          problems.push({ offset, error: `${commit === null ? 'a snapshot' : `snapshot ${commit.seq}`} is ${verdict} (a restore skips it): ${reason ?? ''}` });
          return;
        }
        snapshots.push({
          seq: commit.seq, offset, nextOffset: commit.nextOffset, takenAt: commit.takenAt, bytes: commit.bytes, chunks: commit.chunks,
          nodeId: commit.nodeId, generation: commit.generation, markersAfter: 0,
        });
      },
      onUndecodableMarker: ({ offset, detail }) => {
        problems.push({ offset, error: `publish marker at offset ${offset} does not decode (a restore stops here until it is skipped): ${detail}` });
      },
      onSkip: ({ offset, skip, effect, reason }) => {
        const skipped = skip === null ? undefined : problems.find((problem) => problem.offset === skip.offset);
        if (effect === 'applied' && skipped !== undefined) skipped.error = `${skipped.error}; skipped by the skip record at offset ${offset} (${skip!.by}: ${skip!.reason})`;
        else if (effect !== 'applied') problems.push({ offset, error: `the skip record at offset ${offset} changes nothing: ${reason ?? effect}` });
      },
      onMarker: (offset, marker) => {
        const last = snapshots.at(-1);
        markers.push({ offset, key: marker.key, inputOffset: marker.nextOffset, publishedAt: marker.publishedAt, afterSeq: last?.seq ?? null });
        if (last !== undefined) (last as { markersAfter: number }).markersAfter++;
      },
    },
  });
  for await (const chunk of reader.read({ topic, partition, offset: startOffset }, endOffset)) {
    for (const record of chunk) {
      try {
        log.add(record);
      } catch (error) {
        problems.push({ offset: record.offset, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return { startOffset, endOffset, snapshots, markers, ignored: log.ignored(), problems };
}

/** An actor as `getPersistedSnapshot()` writes it. */
interface PersistedActor {
  readonly status?: string;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly children?: Readonly<Record<string, { readonly snapshot?: PersistedActor; readonly src?: unknown }>>;
}

/** Children shown per actor of a historic tree (the rest are counted). */
export const HISTORIC_CHILDREN_SHOWN = 200;
/** Values written for the contexts of a whole historic tree; past it, contexts are cut and say so. */
const HISTORIC_CONTEXT_BUDGET = 200_000;

function historicActor(persisted: PersistedActor, id: string, parent: string | null, machine: AnyStateMachine | null, budget: { left: number }, src?: string): HistoricActor {
  const children: HistoricActor[] = [];
  const entries = Object.entries(persisted.children ?? {});
  for (const [childId, child] of entries.slice(0, HISTORIC_CHILDREN_SHOWN)) {
    if (child?.snapshot === undefined) continue;
    const childSrc = typeof child.src === 'string' ? child.src : undefined;
    const childMachine = childSrc === undefined ? null : logicOf(machine, childSrc);
    children.push(historicActor(child.snapshot, childActorId(id, childId), id, childMachine, budget, childSrc));
  }
  const share = Math.max(0, Math.min(budget.left, 20_000));
  const context = plainJson(persisted.context, share);
  budget.left -= share;
  return {
    id,
    parent,
    machine: machine?.id ?? src ?? 'unknown',
    state: describeState(persisted.value),
    status: persisted.status ?? 'unknown',
    context,
    children,
    childCount: entries.length,
  };
}

/** The machine a parent's `setup({ actors })` names `src`, if it is one. */
function logicOf(parent: AnyStateMachine | null, src: string): AnyStateMachine | null {
  const logic = (parent?.implementations.actors as Record<string, unknown> | undefined)?.[src];
  return logic !== undefined && typeof (logic as AnyStateMachine).toJSON === 'function' ? (logic as AnyStateMachine) : null;
}
