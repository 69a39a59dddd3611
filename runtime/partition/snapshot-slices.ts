/**
 * The encoding of a snapshot in slices: a state of tens of megabytes (5,000
 * queries with live windows: 28 MB of JSON, about 1.5 s to encode) written
 * in one step would hold the event loop that long, and every partition,
 * heartbeat and tick of the node with it. Here it is encoded for at most
 * `sliceMs` at a time, yielding to the event loop in between; a small one is
 * done within the first slice, synchronously.
 */
import type { WriteJob } from '../partition-writer.ts';
import type { PendingSnapshot } from './snapshot-policy.ts';

export interface SnapshotSliceOptions {
  /** Longest synchronous slice. @default 8 */
  readonly sliceMs?: number;
  /** Checked after every yield: true when the partition stopped meanwhile, and its snapshot is no longer its to write. */
  readonly stopped?: () => boolean;
  /** When the step that took the snapshot began (`performance.now()`): the first slice is what is left of its time. @default now */
  readonly startedAt?: number;
}

/** Values encoded between looks at the clock (about a millisecond of work). */
const STEP_VALUES = 4096;

/** Slices (synchronous ones included) the last encoding in slices took, and how long from its start (logs). */
export interface SlicedEncoding {
  readonly slices: number;
  readonly ms: number;
}

/**
 * The snapshot's write job: at once when it fits in one slice, otherwise a
 * promise of it (`null` when the partition stopped first), settled after the
 * slices it needed. The state must not change until then.
 */
export function encodeInSlices(pending: PendingSnapshot, options: SnapshotSliceOptions = {}, onSliced?: (encoding: SlicedEncoding) => void): WriteJob | Promise<WriteJob | null> {
  const sliceMs = options.sliceMs ?? 8;
  const first = encodeFor(pending, sliceMs - (performance.now() - (options.startedAt ?? performance.now())));
  if (first !== null) return first;
  return (async () => {
    const started = performance.now();
    let slices = 1;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (options.stopped?.() === true) return null;
      slices++;
      const job = encodeFor(pending, sliceMs);
      if (job !== null) {
        onSliced?.({ slices, ms: performance.now() - started });
        return job;
      }
    }
  })();
}

function encodeFor(pending: PendingSnapshot, ms: number): WriteJob | null {
  const until = performance.now() + ms;
  do pending.write(STEP_VALUES);
  while (pending.job === null && performance.now() < until);
  return pending.job;
}
