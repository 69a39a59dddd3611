/**
 * The publication ledger: which publications of a partition are durable,
 * which are being written, and up to which input offset replayed input was
 * already committed. It holds the runtime's half of exactly-once publishing
 * (docs/exactly-once.md); the partition machine holds the other half, being
 * the one owner of whether a publication is done. The ledger persists
 * nothing: what it knows at start comes from the snapshots partition's
 * publish markers, and the rest from the commits it sees.
 *
 * For each request (`eventide.publish` of a key) it decides:
 *
 * - `durable`: the key has a marker after the restored snapshot, or is one
 *   of the last `COMMITTED_KEPT` this host committed, or (while the actor handles
 *   `eventide.restored`, which is when it asks again for the publications
 *   its snapshot holds in flight) has a marker anywhere in the snapshots
 *   partition, before the snapshot included: acknowledge it, never write it;
 * - `duplicate`: the key is being written; the second request is not written;
 * - `write`: the key is pending from now; its records and marker go in one
 *   transaction, and `committed` makes it durable.
 *
 * Replay: input below the highest `nextOffset` of the markers after the
 * snapshot was handled before, and its plain outputs were committed with
 * those markers, so they are not written again.
 */
import type { PublishedNotice } from '../../protocols/stage.ts';
import type { PublishMarker } from '../../protocols/snapshot/index.ts';

export type PublicationDecision =
  | { readonly kind: 'write' }
  | { readonly kind: 'durable'; readonly notice: PublishedNotice }
  | { readonly kind: 'duplicate' };

/** What the ledger starts from: the restore's markers. */
export interface LedgerSeed {
  /** Markers after the restored snapshot: durable for the host's whole life. */
  readonly markersAfter: readonly PublishMarker[];
  /** Every marker of the partition by key: consulted only while the actor handles `eventide.restored`. */
  readonly markersByKey: ReadonlyMap<string, PublishMarker>;
}

/**
 * How many publications committed by this host stay known as durable. A
 * machine asks for a publication again only after a restore (a new host and
 * ledger); the recent ones are kept against a machine that asks twice, but
 * not for the host's whole life (a busy partition commits hundreds of
 * thousands a day).
 */
export const COMMITTED_KEPT = 100_000;

const WRITE: PublicationDecision = { kind: 'write' };
const DUPLICATE: PublicationDecision = { kind: 'duplicate' };

export class PublicationLedger {
  /** Durable publications found at restore: key → the input offset its marker recorded. Kept for the host's life. */
  readonly #durable = new Map<string, number>();
  /** Publications this host committed, oldest first, at most `COMMITTED_KEPT`. */
  readonly #committed = new Map<string, number>();
  readonly #pending = new Set<string>();
  #markersByKey: ReadonlyMap<string, PublishMarker> | null;
  readonly #restoredNotices: readonly PublishedNotice[];
  readonly #replayedThrough: number;

  constructor(seed: LedgerSeed) {
    let replayedThrough = -1;
    for (const marker of seed.markersAfter) {
      this.#durable.set(marker.key, marker.nextOffset);
      if (marker.nextOffset > replayedThrough) replayedThrough = marker.nextOffset;
    }
    this.#replayedThrough = replayedThrough;
    this.#restoredNotices = [...this.#durable].map(([key, nextOffset]) => ({ key, nextOffset }));
    this.#markersByKey = seed.markersByKey.size === 0 ? null : seed.markersByKey;
  }

  /** The publications durable after the restored snapshot, for `eventide.restored`. */
  get restoredNotices(): readonly PublishedNotice[] {
    return this.#restoredNotices;
  }

  /** Input offsets below this were handled and committed before the restore (-1: none). */
  get replayedThrough(): number {
    return this.#replayedThrough;
  }

  /** Publications requested and not committed yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Durable publications known to this host. */
  get durable(): number {
    return this.#durable.size + this.#committed.size;
  }

  /** Whether input at this offset is replayed (its plain outputs are already committed). */
  isReplayed(offset: number): boolean {
    return offset < this.#replayedThrough;
  }

  /**
   * Decides what to do with a request for `key`. `restoring` is true while
   * the actor handles `eventide.restored`: then a marker from before the
   * snapshot counts too.
   */
  request(key: string, restoring: boolean): PublicationDecision {
    let nextOffset = this.#durable.get(key) ?? this.#committed.get(key);
    if (nextOffset === undefined && restoring) {
      const marker = this.#markersByKey?.get(key);
      if (marker !== undefined) this.#durable.set(key, (nextOffset = marker.nextOffset));
    }
    if (nextOffset !== undefined) return { kind: 'durable', notice: { key, nextOffset } };
    if (this.#pending.has(key)) return DUPLICATE;
    this.#pending.add(key);
    return WRITE;
  }

  /** The transaction holding `key`'s records and marker committed: it is durable. Returns the acknowledgement. */
  committed(key: string, nextOffset: number): PublishedNotice {
    this.#pending.delete(key);
    this.#committed.set(key, nextOffset);
    if (this.#committed.size > COMMITTED_KEPT) this.#committed.delete(this.#committed.keys().next().value!);
    return { key, nextOffset };
  }

  /**
   * The actor handled `eventide.restored`: the markers from before the
   * snapshot are no longer consulted (and their memory is released).
   */
  restoreHandled(): void {
    this.#markersByKey = null;
  }
}
