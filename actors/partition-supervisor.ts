/**
 * The partition supervisor of the aggregate stage: the root actor of one
 * `events.matched` partition. It keeps the queries table and per-source
 * event-time progress, spawns a query actor per query with matched events on
 * the partition, routes each batch to them (one message per query per batch),
 * turns ticks into watermark and expiry checks, and relays what its children
 * publish or dead-letter to the runtime.
 */
import { assign, emit, enqueueActions, setup, type ActorRefFrom } from 'xstate';
import type { MatchedEventBatch } from '../protocols/matched-events/index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import type { DeadLetterRequest, RuntimeMessage, StageEmission } from '../protocols/stage.ts';
import { parseQuery, type QueryDefinition } from '../protocols/nrql/index.ts';
import type { PartitionInput } from '../protocols/stage.ts';
import { queryMachine, type PlacedEvent, type QueryMessage, type QueryReport } from './query.ts';
import { NO_WATERMARK, sourceKey, watermarkOf, type SourceProgress } from './watermark.ts';

export interface SupervisorContext {
  readonly partition: number;
  /** The topic window results are published to. */
  readonly resultsTopic: string;
  readonly now: number;
  readonly nextOffset: number;
  /** The queries table as last received. */
  readonly queries: Readonly<Record<string, QueryRecord>>;
  /** Query ids with a running query actor (child id `q:<id>`). */
  readonly active: Readonly<Record<string, true>>;
  /** Queries that ended here, so later events are dead-lettered with the reason. */
  readonly ended: Readonly<Record<string, 'cancelled' | 'expired' | 'invalid'>>;
  /** Event-time progress of each query's events, per source partition (see `QueryProgress`). */
  readonly progress: Readonly<Record<string, QueryProgress>>;
  readonly sourceTopics: Readonly<Record<string, number>>;
  /** Clock time of the last matched event, for idle closing. */
  readonly lastEventAt: number | null;
  readonly idleTimeoutMs: number;
  /** Clock time of the last `eventide.snapshot`: on restore, the time since is time without an owner. */
  readonly persistedAt: number | null;
}

/**
 * How far one query's events got on this partition, per source partition.
 *
 * Tracked per query because only one query's events from one source are in
 * event-time order here: the match stage writes one record per query per
 * batch it read, so a later record for query B can hold older events than an
 * earlier one for query A from the same source. A watermark shared by all
 * queries would call B's events late whenever a message boundary fell
 * between the two records, so results would depend on fetch and restore
 * boundaries (found by the crash/restore tests).
 */
export interface QueryProgress {
  readonly sources: Readonly<Record<string, SourceProgress>>;
  /** Clock time of the query's first event here: sources it never heard from hold its watermark back until they are idle too. */
  readonly firstEventAt: number;
}

export type SupervisorInput = PartitionInput & { readonly resultsTopic: string; readonly idleTimeoutMs?: number };

export type SupervisorMessage = RuntimeMessage<MatchedEventBatch, QueryRecord> | QueryReport;

export const queryActorId = (queryId: string): string => `q:${queryId}`;

/**
 * How long a partition or a source may be quiet before it stops holding back
 * the watermark. Longer than the group's session timeout (30 s), so the
 * sources of a node that died are taken over by another before they count as
 * idle; otherwise their replayed events would arrive behind the watermark as
 * late. @default 60 s
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

const ENDED_QUERIES_KEPT = 1000;

const letter = (reason: string, message: string, offset: number, original: unknown): DeadLetterRequest => ({
  reason,
  message,
  offset,
  original: JSON.stringify(original),
});

export const partitionSupervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorMessage,
    emitted: {} as StageEmission,
  },
  actors: { query: queryMachine },
}).createMachine({
  id: 'partition-supervisor',
  context: ({ input }) => ({
    partition: input.partition,
    resultsTopic: input.resultsTopic,
    now: input.now,
    nextOffset: 0,
    queries: {},
    active: {},
    ended: {},
    progress: {},
    sourceTopics: {},
    lastEventAt: null,
    idleTimeoutMs: input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    persistedAt: null,
  }),
  on: {
    'eventide.batch': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const sourceTopics: Record<string, number> = { ...context.sourceTopics };
        const progress = new Map<string, { sources: Record<string, SourceProgress>; firstEventAt: number }>();
        const progressOf = (queryId: string) => {
          let current = progress.get(queryId);
          if (current === undefined) {
            const previous = context.progress[queryId];
            current = { sources: { ...previous?.sources }, firstEventAt: previous?.firstEventAt ?? event.now };
            progress.set(queryId, current);
          }
          return current;
        };
        const watermarkFor = (current: QueryProgress): number => watermarkOf({ ...current, sourceTopics }, event.now, context.idleTimeoutMs);
        const watermarks = new Map<string, number>();
        const perQuery = new Map<string, PlacedEvent[]>();
        const letters: DeadLetterRequest[] = [];
        const active: Record<string, true> = { ...context.active };
        const ended: Record<string, 'cancelled' | 'expired' | 'invalid'> = { ...context.ended };
        for (const record of event.records) {
          const batch = record.value;
          const queryId = batch.queryId;
          if (active[queryId] === undefined) {
            const reason = ended[queryId];
            const query = context.queries[queryId];
            if (reason !== undefined || query === undefined) {
              letters.push(letter(reason === undefined ? 'unknown-query' : `query-${reason}`, `no running query ${queryId} on aggregate partition ${context.partition}${reason ? ` (it ${reason === 'invalid' ? 'does not parse' : `was ${reason}`})` : ''}`, record.offset, batch));
              continue;
            }
            let definition: QueryDefinition;
            try {
              definition = parseQuery(query.nrql);
            } catch (error) {
              ended[queryId] = 'invalid';
              letters.push(letter('invalid-query', `query ${queryId} does not parse: ${error instanceof Error ? error.message : String(error)}`, record.offset, batch));
              continue;
            }
            active[queryId] = true;
            enqueue.spawnChild('query', { id: queryActorId(queryId), input: { queryId, resultsTopic: context.resultsTopic, definition } });
          }
          const key = sourceKey(batch.source.topic, batch.source.partition);
          if (sourceTopics[batch.source.topic] !== batch.source.partitions) sourceTopics[batch.source.topic] = batch.source.partitions;
          const current = progressOf(queryId);
          let watermark = watermarkFor(current);
          let placed = perQuery.get(queryId);
          if (placed === undefined) perQuery.set(queryId, (placed = []));
          for (const matched of batch.events) {
            placed.push({ event: matched, offset: record.offset, watermark });
            const source = current.sources[key];
            if (source === undefined || matched.timestamp > source.maxEventTime || source.seenAt !== event.now) {
              current.sources[key] = { maxEventTime: Math.max(matched.timestamp, source?.maxEventTime ?? NO_WATERMARK), seenAt: event.now };
              watermark = watermarkFor(current);
            }
          }
          watermarks.set(queryId, watermark);
        }
        enqueue.assign({ progress: { ...context.progress, ...Object.fromEntries(progress) }, sourceTopics, active, ended, nextOffset: event.nextOffset, now: event.now, lastEventAt: event.now });
        for (const [queryId, events] of perQuery) {
          enqueue.sendTo(queryActorId(queryId), { type: 'query.events', events, watermark: watermarks.get(queryId)!, nextOffset: event.nextOffset } satisfies QueryMessage);
        }
        if (letters.length > 0) enqueue.emit({ type: 'eventide.deadletter', letters });
      }),
    },
    'eventide.tick': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const quiet = context.lastEventAt === null || event.now - context.lastEventAt >= context.idleTimeoutMs;
        for (const queryId of Object.keys(context.active)) {
          const progress = context.progress[queryId];
          const watermark = progress === undefined ? NO_WATERMARK : watermarkOf({ ...progress, sourceTopics: context.sourceTopics }, event.now, context.idleTimeoutMs);
          // Even on the tick that ends the query: windows this tick closes are complete; only the rest are cut short.
          enqueue.sendTo(queryActorId(queryId), { type: 'query.tick', now: event.now, watermark, quiet, idleTimeoutMs: context.idleTimeoutMs, nextOffset: context.nextOffset } satisfies QueryMessage);
          const query = context.queries[queryId];
          if (query !== undefined && query.expiresAt <= event.now) {
            enqueue.sendTo(queryActorId(queryId), { type: 'query.end', reason: 'expired' } satisfies QueryMessage);
          }
        }
        enqueue.assign({ now: event.now });
      }),
    },
    'eventide.table': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (event.table !== 'queries') return;
        const queries: Record<string, QueryRecord> = event.reset ? {} : { ...context.queries };
        for (const change of event.changes) {
          if (change.value === null) delete queries[change.key];
          else queries[change.key] = change.value;
        }
        for (const queryId of Object.keys(context.active)) {
          if (queries[queryId] === undefined) enqueue.sendTo(queryActorId(queryId), { type: 'query.end', reason: 'cancelled' } satisfies QueryMessage);
        }
        enqueue.assign({ queries, now: event.now });
      }),
    },
    'eventide.published': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const queryId = event.key.slice(0, event.key.lastIndexOf('/'));
        if (context.active[queryId] === undefined) return;
        enqueue.sendTo(queryActorId(queryId), { type: 'query.published', key: event.key, nextOffset: event.nextOffset } satisfies QueryMessage);
      }),
    },
    'eventide.snapshot': {
      actions: assign({ persistedAt: ({ event }) => event.now }),
    },
    'eventide.restored': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        // The partition had no owner between its snapshot and now: that time is
        // not quiet time of its sources, or replayed input would find them idle,
        // the watermark would run ahead of the slower sources and their replayed
        // events would be called late (results would differ from a run without
        // the crash). Shift every clock time by the gap.
        const gap = Math.max(0, event.now - (context.persistedAt ?? context.now));
        if (gap > 0) {
          const progress: Record<string, QueryProgress> = {};
          for (const [queryId, current] of Object.entries(context.progress)) {
            const sources: Record<string, SourceProgress> = {};
            for (const [key, source] of Object.entries(current.sources)) sources[key] = { maxEventTime: source.maxEventTime, seenAt: source.seenAt + gap };
            progress[queryId] = { sources, firstEventAt: current.firstEventAt + gap };
          }
          enqueue.assign({ progress, lastEventAt: context.lastEventAt === null ? null : context.lastEventAt + gap });
        }
        for (const notice of event.published) {
          const queryId = notice.key.slice(0, notice.key.lastIndexOf('/'));
          if (context.active[queryId] === undefined) continue;
          enqueue.sendTo(queryActorId(queryId), { type: 'query.published', key: notice.key, nextOffset: notice.nextOffset } satisfies QueryMessage);
        }
        for (const queryId of Object.keys(context.active)) enqueue.sendTo(queryActorId(queryId), { type: 'query.resume' } satisfies QueryMessage);
        enqueue.assign({ now: event.now });
      }),
    },
    'query.publish': {
      actions: emit(({ event }) => ({ type: 'eventide.publish' as const, key: event.key, records: event.records })),
    },
    'query.deadletter': {
      actions: emit(({ event }) => ({ type: 'eventide.deadletter' as const, letters: event.letters })),
    },
    'query.finished': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const active = { ...context.active };
        delete active[event.queryId];
        const ended: Record<string, 'cancelled' | 'expired' | 'invalid'> = { ...context.ended, [event.queryId]: event.reason };
        const keys = Object.keys(ended);
        for (const key of keys.slice(0, Math.max(0, keys.length - ENDED_QUERIES_KEPT))) delete ended[key];
        const progress = { ...context.progress };
        delete progress[event.queryId];
        enqueue.stopChild(queryActorId(event.queryId));
        enqueue.assign({ active, ended, progress });
      }),
    },
  },
});

export type PartitionSupervisorActor = ActorRefFrom<typeof partitionSupervisorMachine>;
