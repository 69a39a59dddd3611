/**
 * The match stage's partition machine: events in, matched events out on the
 * matched topic (its name comes in the input, `matchedTopic`), batched per
 * query and keyed by query id (so one query's events meet on one aggregate
 * partition). The queries table arrives as table messages; expiry is checked
 * against the runtime clock's `now` of the batch being matched, so the stage
 * needs no ticks.
 *
 * The same machine runs fused with parse (input: raw batches, no
 * `events.parsed` hop) or alone (input: single parsed events). It handles
 * every message the runtime sends a stage without snapshots or publications
 * (batches, tables, `restored`, `revoke`), so none is reported as unhandled.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Event } from '../protocols/event.ts';
import type { DecodedEventBatch } from '../protocols/event-batch/index.ts';
import { encodeMatchedEventBatch, MATCHED_EVENTS_VERSION, type MatchedEvent } from '../protocols/matched-events/index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import type { DeadLetterRequest, OutputRecord, PartitionInput, RuntimeMessage, StageEmission, StageRecord } from '../protocols/stage.ts';
import { emptyQueryIndex, project, updateQueryIndex, type QueryIndex } from './query-index.ts';
import { rejectedLetters } from './parse.ts';
import { eventTimeBounds, eventTimeLetter, type EventTimeBounds } from './event-time.ts';
import { producedRecordBytes } from '../protocols/record-size.ts';
import { recordLimitOf, tooLargeLetter } from './record-limit.ts';
import { shortJson } from '../protocols/json/bounded-json.ts';

/** Most events in one matched-events record, so records stay well under Kafka's message size limit. */
export const MAX_EVENTS_PER_MATCHED_RECORD = 2000;

export interface MatchContext {
  readonly partition: number;
  readonly inputTopic: string;
  readonly inputPartitions: number;
  /** Where matched events go (`events.matched`, prefixed or renamed). */
  readonly matchedTopic: string;
  /** The queries table, compiled (see `updateQueryIndex`). */
  readonly index: QueryIndex;
  /** How far from the clock a raw event's timestamp may be (checked when the stage reads raw batches, fused with parse). */
  readonly eventTime: EventTimeBounds;
  /** The largest record the matched topic takes: larger batches are split, a single event above it is dead-lettered `too-large`. */
  readonly maxMatchedRecordBytes: number;
}

/** What the match stage supplies besides `PartitionInput`: the topic it reads (named in every matched batch's source) and the one it writes. */
export type MatchInput = PartitionInput & { readonly inputTopic: string; readonly matchedTopic: string; readonly eventTime?: Partial<EventTimeBounds> };

/** What a record of the match stage's input carries: one parsed event, or a whole raw batch (fused). */
export type MatchValue = Event | DecodedEventBatch;

const isBatch = (value: MatchValue): value is DecodedEventBatch => (value as DecodedEventBatch).events !== undefined;

/** Matches a batch of records against the index: one output record per query (chunked), plus dead letters. */
export function matchRecords(context: MatchContext, records: readonly StageRecord<MatchValue>[], now: number): { outputs: OutputRecord[]; letters: DeadLetterRequest[] } {
  const perQuery = new Map<string, MatchedEvent[]>();
  const letters: DeadLetterRequest[] = [];
  const { byEventType } = context.index;
  for (const record of records) {
    const value = record.value;
    const events = isBatch(value) ? value.events : [value];
    const raw = isBatch(value);
    if (raw) letters.push(...rejectedLetters(record.offset, value));
    for (let index = 0; index < events.length; index++) {
      const event = events[index]!;
      // Raw events are screened here when parse runs fused; parsed ones were screened by parse. An event keeps its index either way.
      if (raw) {
        const outOfBounds = eventTimeLetter(event, now, context.eventTime, record.offset, `an event (${event.eventType}) of the batch`);
        if (outOfBounds !== null) {
          letters.push(outOfBounds);
          continue;
        }
      }
      const candidates = byEventType.get(event.eventType);
      if (candidates === undefined) continue;
      for (const query of candidates) {
        if (query.expiresAt <= now || !query.test(event)) continue;
        let matched = perQuery.get(query.id);
        if (matched === undefined) perQuery.set(query.id, (matched = []));
        matched.push({ offset: record.offset, index, timestamp: event.timestamp, attributes: project(event, query.attributes) });
      }
    }
  }
  const outputs: OutputRecord[] = [];
  const source = { topic: context.inputTopic, partition: context.partition, partitions: context.inputPartitions };
  for (const [queryId, events] of perQuery) {
    const write = (chunk: readonly MatchedEvent[]): void => {
      const value = encodeMatchedEventBatch({ v: MATCHED_EVENTS_VERSION, queryId, source, events: chunk });
      const bytes = producedRecordBytes({ key: queryId, value });
      if (bytes <= context.maxMatchedRecordBytes) outputs.push({ topic: context.matchedTopic, key: queryId, value });
      else if (chunk.length === 1) {
        const what = `event ${chunk[0]!.index} of the record matched query ${shortJson(queryId)}`;
        letters.push(tooLargeLetter(what, { topic: context.matchedTopic, value, bytes, limit: context.maxMatchedRecordBytes }, chunk[0]!.offset));
      }
      else {
        // Halving keeps order, and its depth is the logarithm of the chunk's length (at most 11 for 2000 events).
        const half = Math.ceil(chunk.length / 2);
        write(chunk.slice(0, half));
        write(chunk.slice(half));
      }
    };
    for (let from = 0; from < events.length; from += MAX_EVENTS_PER_MATCHED_RECORD) write(events.slice(from, from + MAX_EVENTS_PER_MATCHED_RECORD));
  }
  return { outputs, letters };
}


export const matchMachine = setup({
  types: {
    input: {} as MatchInput,
    context: {} as MatchContext,
    events: {} as RuntimeMessage<MatchValue, QueryRecord>,
    emitted: {} as StageEmission,
  },
}).createMachine({
  id: 'match',
  context: ({ input }) => ({
    partition: input.partition,
    inputTopic: input.inputTopic,
    inputPartitions: input.inputPartitions,
    matchedTopic: input.matchedTopic,
    index: emptyQueryIndex(),
    eventTime: eventTimeBounds(input.eventTime),
    maxMatchedRecordBytes: recordLimitOf(input, input.matchedTopic),
  }),
  on: {
    'eventide.table': {
      guard: ({ event }) => event.table === 'queries',
      // The index holds the queries: a copy of the table per message made a table of 100,000 arriving in parts quadratic.
      actions: assign(({ context, event }) => ({ index: updateQueryIndex(context.index, event.changes, event.reset) })),
    },
    'eventide.batch': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { outputs, letters } = matchRecords(context, event.records, event.now);
        if (outputs.length > 0) enqueue.emit({ type: 'eventide.output', records: outputs });
        if (letters.length > 0) enqueue.emit({ type: 'eventide.deadletter', letters });
      }),
    },
    // Sent on every start, after the tables: the registry came with them, and a stateless machine publishes nothing, so nothing to drop.
    'eventide.restored': {},
    // The partition leaves: each batch's outputs were committed with its input offsets, so nothing is left to flush.
    'eventide.revoke': {},
  },
});
