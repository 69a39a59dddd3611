/**
 * Matched events on `events.matched`, keyed by query id, as the match stage
 * writes them and the aggregate stage reads them. One record holds the events
 * of one source partition that matched one query; each event carries the
 * offset and index it came from, so downstream can recognise replayed input.
 * The record's bytes are v1 (JSON) or v2 (binary); `v` says which.
 */
import type { AttributeValue } from '../event.ts';

/** An event that matched a query. */
export interface MatchedEvent {
  /** Offset of the source record. */
  readonly offset: number;
  /** Index of the event within that source record (a raw batch holds many). */
  readonly index: number;
  /** Event time, milliseconds since the epoch. */
  readonly timestamp: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** The wire versions: 1 is JSON (still read), 2 is binary (what the match stage writes). */
export type MatchedEventsVersion = 1 | 2;

/** The events of one source partition that matched one query. */
export interface MatchedEventBatch {
  /** The version the batch was read in, or is to be written in. */
  readonly v: MatchedEventsVersion;
  readonly queryId: string;
  /** Where the events came from; `partitions` is the source topic's partition count, so the consumer knows every source it must wait for. */
  readonly source: { readonly topic: string; readonly partition: number; readonly partitions: number };
  readonly events: readonly MatchedEvent[];
}
