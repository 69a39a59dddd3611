/**
 * The partition supervisor of the aggregate stage: the root actor of one
 * `events.matched` partition. It keeps the queries table and each query's
 * event-time progress per source partition, spawns a query actor per query
 * with matched events here, routes each batch to them (one message per query
 * per batch), turns ticks into watermarks and expiries, routes publish
 * markers to the window they name, and relays what its children publish or
 * dead-letter to the runtime.
 *
 * ```
 *   restoring ──eventide.restored──▶ running ──eventide.revoke──▶ revoking
 *                                      │ eventide.batch / tick              │ eventide.published (in-flight publications)
 *                                      │ eventide.published                 │ eventide.snapshot (the final one)
 *                                      │ eventide.snapshot                  │
 *   any state ──eventide.restored──▶ running   (a snapshot restores in the state it was taken in: running, or revoking for a final one)
 *   any state: eventide.table (the queries table), eventide.snapshot, what the query actors report
 * ```
 *
 * The runtime stops the actor after the final snapshot of a revoked
 * partition; a restored actor always passes through `eventide.restored`,
 * which also shifts its clock times by the time the partition had no owner.
 */
import { assign, emit, enqueueActions, setup, type ActorRefFrom, type DoneActorEvent } from 'xstate';
import type { MatchedEventBatch } from '../protocols/matched-events/index.ts';
import type { QueryRecord } from '../protocols/query-record/index.ts';
import type { DeadLetterRequest, PartitionInput, PublishedNotice, RuntimeMessage, StageEmission } from '../protocols/stage.ts';
import { decodePublicationKey, type PublicationKey } from '../protocols/publication-key.ts';
import { parseQuery, type QueryDefinition } from '../protocols/nrql/index.ts';
import type { PlacedEvent, QueryMessage, QueryOutput, QueryReport } from './query.ts';
import { queryLogic } from './query-logic.ts';
import { NO_WATERMARK, sourceKey, watermarkOf, type SourceProgress } from './watermark.ts';

export interface SupervisorContext {
  readonly partition: number;
  /** The topic window results are published to. */
  readonly resultsTopic: string;
  readonly now: number;
  readonly nextOffset: number;
  /** The queries table as last received. */
  readonly queries: Readonly<Record<string, QueryRecord>>;
  /** Query ids with a query actor (child id `q:<id>`), running or ending. */
  readonly active: Readonly<Record<string, true>>;
  /** Queries that ended here, so later events are dead-lettered with the reason. */
  readonly ended: Readonly<Record<string, EndedReason>>;
  /** Event-time progress of each query's events, per source partition (see `QueryProgress`). */
  readonly progress: Readonly<Record<string, QueryProgress>>;
  readonly sourceTopics: Readonly<Record<string, number>>;
  /** Clock time of the last matched event, for idle closing. */
  readonly lastEventAt: number | null;
  readonly idleTimeoutMs: number;
  /** Clock time of the last `eventide.snapshot`: on restore, the time since is time without an owner. */
  readonly persistedAt: number | null;
}

type EndedReason = 'cancelled' | 'expired' | 'invalid';

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

export type SupervisorMessage = RuntimeMessage<MatchedEventBatch, QueryRecord> | QueryReport | DoneActorEvent<QueryOutput>;

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

/** The window a publication notice names, if it names one (a key of another format names none). */
function publicationOf(notice: PublishedNotice): PublicationKey | null {
  try {
    return decodePublicationKey(notice.key);
  } catch {
    return null;
  }
}

/** The watermark of one query's events at `now` (no lateness applied). */
const queryWatermark = (context: Pick<SupervisorContext, 'sourceTopics' | 'idleTimeoutMs'>, progress: QueryProgress | undefined, now: number): number =>
  progress === undefined ? NO_WATERMARK : watermarkOf({ ...progress, sourceTopics: context.sourceTopics }, now, context.idleTimeoutMs);

/** The queries a batch starts here (parsed), and those it names that do not parse (with why). */
interface Admissions {
  readonly spawn: ReadonlyMap<string, QueryDefinition>;
  readonly invalid: ReadonlyMap<string, string>;
}

/** Admissions by the batch message they were decided for: `spawnQueries` and `routeBatch` read the same one. */
const admissionsByBatch = new WeakMap<object, Admissions>();

function admissionsOf(context: SupervisorContext, event: Extract<SupervisorMessage, { type: 'eventide.batch' }>): Admissions {
  const cached = admissionsByBatch.get(event);
  if (cached !== undefined) return cached;
  const spawn = new Map<string, QueryDefinition>();
  const invalid = new Map<string, string>();
  for (const record of event.records) {
    const queryId = record.value.queryId;
    if (context.active[queryId] !== undefined || context.ended[queryId] !== undefined || spawn.has(queryId) || invalid.has(queryId)) continue;
    const query = context.queries[queryId];
    if (query === undefined) continue;
    try {
      spawn.set(queryId, parseQuery(query.nrql));
    } catch (error) {
      invalid.set(queryId, error instanceof Error ? error.message : String(error));
    }
  }
  const decided = { spawn, invalid };
  admissionsByBatch.set(event, decided);
  return decided;
}

export const partitionSupervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorMessage,
    emitted: {} as StageEmission,
  },
  actors: { query: queryLogic },
  actions: {
    /**
     * Spawns the query actors a batch needs, all in one assignment: xstate copies a parent's children once per
     * `spawnChild` action but once per `assign`, so a first batch reaching 5,000 queries copied 5,000 children
     * records of up to 5,000 entries.
     */
    spawnQueries: assign(({ context, event, spawn }) => {
      if (event.type !== 'eventide.batch') return {};
      const { spawn: definitions } = admissionsOf(context, event);
      if (definitions.size === 0) return {};
      const active: Record<string, true> = { ...context.active };
      for (const [queryId, definition] of definitions) {
        active[queryId] = true;
        spawn('query', { id: queryActorId(queryId), input: { queryId, resultsTopic: context.resultsTopic, definition } });
      }
      return { active };
    }),
    /**
     * Places every event of the batch with the watermark it found, spawns the
     * query actors the batch needs, and sends each query one message.
     */
    routeBatch: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'eventide.batch') return;
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
      const watermarks = new Map<string, number>();
      const perQuery = new Map<string, PlacedEvent[]>();
      const letters: DeadLetterRequest[] = [];
      const admissions = admissionsOf(context, event);
      const active = context.active;
      const ended: Record<string, EndedReason> = { ...context.ended };
      for (const record of event.records) {
        const batch = record.value;
        const queryId = batch.queryId;
        if (active[queryId] === undefined) {
          const parseError = admissions.invalid.get(queryId);
          if (parseError !== undefined && ended[queryId] === undefined) {
            ended[queryId] = 'invalid';
            letters.push(letter('invalid-query', `query ${queryId} does not parse: ${parseError}`, record.offset, batch));
            continue;
          }
          const reason = ended[queryId];
          const why = reason === undefined ? '' : ` (it ${reason === 'invalid' ? 'does not parse' : `was ${reason}`})`;
          letters.push(letter(reason === undefined ? 'unknown-query' : `query-${reason}`, `no running query ${queryId} on aggregate partition ${context.partition}${why}`, record.offset, batch));
          continue;
        }
        const key = sourceKey(batch.source.topic, batch.source.partition);
        if (sourceTopics[batch.source.topic] !== batch.source.partitions) sourceTopics[batch.source.topic] = batch.source.partitions;
        const current = progressOf(queryId);
        const watermarkNow = (): number => queryWatermark({ sourceTopics, idleTimeoutMs: context.idleTimeoutMs }, current, event.now);
        let watermark = watermarkNow();
        let placed = perQuery.get(queryId);
        if (placed === undefined) perQuery.set(queryId, (placed = []));
        for (const matched of batch.events) {
          placed.push({ event: matched, offset: record.offset, watermark });
          const source = current.sources[key];
          if (source === undefined || matched.timestamp > source.maxEventTime || source.seenAt !== event.now) {
            current.sources[key] = { maxEventTime: Math.max(matched.timestamp, source?.maxEventTime ?? NO_WATERMARK), seenAt: event.now };
            watermark = watermarkNow();
          }
        }
        watermarks.set(queryId, watermark);
      }
      enqueue.assign({ progress: { ...context.progress, ...Object.fromEntries(progress) }, sourceTopics, ended, nextOffset: event.nextOffset, now: event.now, lastEventAt: event.now });
      for (const [queryId, events] of perQuery) {
        enqueue.sendTo(queryActorId(queryId), { type: 'query.events', events, watermark: watermarks.get(queryId)!, nextOffset: event.nextOffset } satisfies QueryMessage);
      }
      if (letters.length > 0) enqueue.emit({ type: 'eventide.deadletter', letters });
    }),
    /** Time goes on to every query with its watermark; queries past their expiry end (windows this tick closes first, complete). */
    passTickOn: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'eventide.tick') return;
      const quiet = context.lastEventAt === null || event.now - context.lastEventAt >= context.idleTimeoutMs;
      for (const queryId of Object.keys(context.active)) {
        const watermark = queryWatermark(context, context.progress[queryId], event.now);
        enqueue.sendTo(queryActorId(queryId), { type: 'query.tick', now: event.now, watermark, quiet, idleTimeoutMs: context.idleTimeoutMs, nextOffset: context.nextOffset } satisfies QueryMessage);
        const query = context.queries[queryId];
        if (query !== undefined && query.expiresAt <= event.now) enqueue.sendTo(queryActorId(queryId), { type: 'query.end', reason: 'expired' } satisfies QueryMessage);
      }
      enqueue.assign({ now: event.now });
    }),
    /** The queries table changed: a query gone from it was cancelled. */
    applyTable: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'eventide.table') return;
      // Only the queries table is this machine's; another table of the stage must not cancel every query.
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
    /** A publish marker is durable: tell the query of the window it names. */
    routePublished: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'eventide.published') return;
      const publication = publicationOf(event)!;
      enqueue.sendTo(queryActorId(publication.queryId), { type: 'query.published', windowStart: publication.windowStart, nextOffset: event.nextOffset } satisfies QueryMessage);
    }),
    recordSnapshotTime: assign({ persistedAt: ({ event }) => (event.type === 'eventide.snapshot' ? event.now : null) }),
    /**
     * Rebuilt from a snapshot (or fresh): shift clock times by the time the
     * partition had no owner, tell queries which windows the previous owner
     * published, and let windows still publishing ask again.
     */
    resumeAfterRestore: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'eventide.restored') return;
      // The time between the snapshot and now is not quiet time of the sources, or replayed input would find
      // them idle, the watermark would run ahead of the slower sources and their replayed events would be
      // called late (results would differ from a run without the crash).
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
        const publication = publicationOf(notice);
        if (publication === null || context.active[publication.queryId] === undefined) continue;
        enqueue.sendTo(queryActorId(publication.queryId), { type: 'query.published', windowStart: publication.windowStart, nextOffset: notice.nextOffset } satisfies QueryMessage);
      }
      for (const queryId of Object.keys(context.active)) enqueue.sendTo(queryActorId(queryId), { type: 'query.resume' } satisfies QueryMessage);
      enqueue.assign({ now: event.now });
    }),
    relayPublication: emit(({ event }) => {
      const request = event as Extract<QueryReport, { type: 'query.publish' }>;
      return { type: 'eventide.publish' as const, key: request.key, records: request.records };
    }),
    relayDeadLetters: emit(({ event }) => ({ type: 'eventide.deadletter' as const, letters: (event as Extract<QueryReport, { type: 'query.deadletter' }>).letters })),
    /** A query ended and every window of it is published: remember why, so its later events are dead-lettered with the reason. */
    forgetQuery: enqueueActions(({ context, event, enqueue }) => {
      const { queryId, reason } = (event as DoneActorEvent<QueryOutput>).output;
      const active = { ...context.active };
      delete active[queryId];
      const ended: Record<string, EndedReason> = { ...context.ended, [queryId]: reason };
      const keys = Object.keys(ended);
      for (const key of keys.slice(0, Math.max(0, keys.length - ENDED_QUERIES_KEPT))) delete ended[key];
      const progress = { ...context.progress };
      delete progress[queryId];
      enqueue.stopChild(queryActorId(queryId));
      enqueue.assign({ active, ended, progress });
    }),
  },
  guards: {
    /** The notice names a window of a query that has an actor here. */
    namesActiveQuery: ({ context, event }) => {
      if (event.type !== 'eventide.published') return false;
      const publication = publicationOf(event);
      return publication !== null && context.active[publication.queryId] !== undefined;
    },
  },
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
  initial: 'restoring',
  on: {
    'eventide.restored': { target: '.running', actions: 'resumeAfterRestore' },
    'eventide.snapshot': { actions: 'recordSnapshotTime' },
    // Tables arrive before `eventide.restored`, whatever state the snapshot was taken in.
    'eventide.table': { actions: 'applyTable' },
    'query.publish': { actions: 'relayPublication' },
    'query.deadletter': { actions: 'relayDeadLetters' },
    'xstate.done.actor.*': { actions: 'forgetQuery' },
  },
  states: {
    restoring: {},
    running: {
      on: {
        'eventide.batch': { actions: ['spawnQueries', 'routeBatch'] },
        'eventide.tick': { actions: 'passTickOn' },
        // A notice for a query that ended here already, or for a key of another format, is answered by nothing: it is reported as unhandled.
        'eventide.published': { guard: 'namesActiveQuery', actions: 'routePublished' },
        'eventide.revoke': { target: 'revoking' },
      },
    },
    revoking: {
      on: {
        'eventide.published': { guard: 'namesActiveQuery', actions: 'routePublished' },
      },
    },
  },
});

export type PartitionSupervisorActor = ActorRefFrom<typeof partitionSupervisorMachine>;
