/**
 * The payload of a hosted partition's snapshot, as the runtime writes it
 * (serialised by `encodeSnapshot`): the partition machine's persisted xstate
 * snapshot, children included, in a `{ machine }` wrapper so the format can
 * grow without breaking readers.
 *
 * Before the window actor owned whether it is published, the payload also
 * listed the publications in flight (`pending`). The actor's own snapshot
 * holds them now (it asks again after `eventide.restored`), so that field is
 * read past: an old snapshot still restores.
 *
 * @example
 * ```ts
 * encodeSnapshot(meta, hostedState(actor.getPersistedSnapshot()), 512 * 1024);
 * const { machine } = decodeHostedState(restored.state);
 * ```
 */
import { DecodeError } from '../errors.ts';

/** What a hosted partition persists. */
export interface HostedState {
  /** The partition machine's persisted snapshot (`actor.getPersistedSnapshot()`). */
  readonly machine: unknown;
}

/** The payload to snapshot for a machine's persisted snapshot. */
export function hostedState(machine: unknown): HostedState {
  return { machine };
}

/**
 * Reads a restored payload (after its JSON round trip). Throws
 * `DecodeError('corrupt-snapshot')` when it is not an object holding a
 * `machine`: a payload with a valid checksum that is not a hosted state was
 * written by something else, and restoring it as a fresh actor would publish
 * its windows again.
 */
export function decodeHostedState(payload: unknown): HostedState {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !('machine' in payload)) {
    throw new DecodeError('corrupt-snapshot', 'hosted state: the snapshot payload must be an object with a "machine" field');
  }
  const machine = (payload as { machine: unknown }).machine;
  if (typeof machine !== 'object' || machine === null) {
    throw new DecodeError('corrupt-snapshot', 'hosted state: field "machine" must be a persisted machine snapshot (an object)');
  }
  return { machine };
}
