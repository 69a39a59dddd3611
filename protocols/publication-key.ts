/**
 * The key of a publication of the query pipeline: one window of one query,
 * `<queryId>/<windowStart>`. The window actor builds it, the publish marker on
 * the snapshots partition carries it, and the partition supervisor reads it
 * back to route the marker's acknowledgement to the window. One codec, so the
 * three agree.
 */
import { DecodeError } from './errors.ts';

export interface PublicationKey {
  readonly queryId: string;
  /** The window's start, epoch ms. */
  readonly windowStart: number;
}

export const encodePublicationKey = (key: PublicationKey): string => `${key.queryId}/${key.windowStart}`;

/** Reads a key back; a query id may itself contain `/`, the window start never does. */
export function decodePublicationKey(key: string): PublicationKey {
  const slash = key.lastIndexOf('/');
  const start = key.slice(slash + 1);
  const windowStart = Number(start);
  if (slash <= 0 || start === '' || !Number.isSafeInteger(windowStart) || String(windowStart) !== start) {
    throw new DecodeError('invalid-publication-key', `'${key.length > 200 ? `${key.slice(0, 200)}…` : key}' is not a publication key (<queryId>/<windowStart>)`);
  }
  return { queryId: key.slice(0, slash), windowStart };
}
