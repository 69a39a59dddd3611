/**
 * A query actor: one registered query on one aggregate partition. It sorts
 * matched events into event-time windows (one window actor each), decides
 * lateness, closes windows when the watermark passes their end (or on idle
 * ticks), and ends when its query is cancelled or expires, after its windows
 * are published.
 *
 * ```
 *   active ──query.end──▶ ending ──(last window published)──▶ (finished: the supervisor stops it)
 * ```
 *
 * Replay: `closed` remembers, per closed window, the input offset reached
 * when it closed; a replayed event below it was already counted and is
 * skipped, one at or above it is late.
 */
import { enqueueActions, sendParent, setup } from 'xstate';
import type { MatchedEvent } from '../protocols/matched-events/index.ts';
import type { QueryDefinition } from '../protocols/nrql/index.ts';
import type { DeadLetterRequest } from '../protocols/stage.ts';
import { windowMachine, type WindowPublishRequest } from './window.ts';

export interface QueryInput {
  readonly queryId: string;
  readonly resultsTopic: string;
  readonly definition: QueryDefinition;
}

export interface QueryContext extends QueryInput {
  /** Start times of open windows (by child id `w:<start>`). */
  readonly open: Readonly<Record<string, true>>;
  /** Windows asked to publish and not yet acknowledged. */
  readonly publishing: Readonly<Record<string, true>>;
  /** Closed windows: start → input offset reached when it closed. */
  readonly closed: Readonly<Record<string, number>>;
  readonly ending: null | 'cancelled' | 'expired';
  readonly late: number;
}

/** An event with where it came from and the watermark it found. */
export interface PlacedEvent {
  readonly event: MatchedEvent;
  /** Offset of the matched-events record on this partition. */
  readonly offset: number;
  /** The partition's watermark (no lateness applied) before this event. */
  readonly watermark: number;
}

export type QueryMessage =
  | { readonly type: 'query.events'; readonly events: readonly PlacedEvent[]; readonly watermark: number; readonly nextOffset: number }
  | { readonly type: 'query.tick'; readonly now: number; readonly watermark: number; readonly quiet: boolean; readonly idleTimeoutMs: number; readonly nextOffset: number }
  | { readonly type: 'query.end'; readonly reason: 'cancelled' | 'expired' }
  | { readonly type: 'query.published'; readonly key: string; readonly nextOffset: number }
  | { readonly type: 'query.resume' }
  | WindowPublishRequest;

/** What a query tells its supervisor. */
export type QueryReport =
  | { readonly type: 'query.publish'; readonly queryId: string; readonly key: string; readonly records: WindowPublishRequest['records'] }
  | { readonly type: 'query.deadletter'; readonly letters: readonly DeadLetterRequest[] }
  | { readonly type: 'query.finished'; readonly queryId: string; readonly reason: 'cancelled' | 'expired' };

export const windowId = (start: number | string): string => `w:${start}`;

/** How long closed windows are remembered, in windows, for replay and lateness checks. */
const CLOSED_WINDOWS_KEPT = 64;

const lateLetter = (queryId: string, placed: PlacedEvent, windowStart: number, windowMs: number): DeadLetterRequest => ({
  reason: 'late',
  message: `event at ${new Date(placed.event.timestamp).toISOString()} arrived after window [${new Date(windowStart).toISOString()}, ${new Date(windowStart + windowMs).toISOString()}) of query ${queryId} closed`,
  offset: placed.offset,
  original: JSON.stringify(placed.event),
});

export const queryMachine = setup({
  types: {
    input: {} as QueryInput,
    context: {} as QueryContext,
    events: {} as QueryMessage,
  },
  actors: { window: windowMachine },
}).createMachine({
  id: 'query',
  context: ({ input }) => ({ ...input, open: {}, publishing: {}, closed: {}, ending: null, late: 0 }),
  initial: 'active',
  on: {
    'window.publish': {
      actions: sendParent(({ context, event }) => ({ type: 'query.publish', queryId: context.queryId, key: event.key, records: event.records }) satisfies QueryReport),
    },
    'query.published': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const start = event.key.slice(event.key.lastIndexOf('/') + 1);
        const open = { ...context.open };
        const publishing = { ...context.publishing };
        delete open[start];
        delete publishing[start];
        enqueue.stopChild(windowId(start));
        enqueue.assign({ open, publishing, closed: { ...context.closed, [start]: event.nextOffset } });
        if (context.ending !== null && Object.keys(open).length === 0 && Object.keys(publishing).length === 0) {
          enqueue.sendParent({ type: 'query.finished', queryId: context.queryId, reason: context.ending } satisfies QueryReport);
        }
      }),
    },
    'query.resume': {
      actions: enqueueActions(({ context, enqueue }) => {
        for (const start of Object.keys(context.publishing)) enqueue.sendTo(windowId(start), { type: 'window.resume' });
      }),
    },
  },
  states: {
    active: {
      on: {
        'query.events': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const { windowMs, latenessMs } = context.definition;
            const byStart = new Map<number, MatchedEvent[]>();
            const late: DeadLetterRequest[] = [];
            for (const placed of event.events) {
              const start = Math.floor(placed.event.timestamp / windowMs) * windowMs;
              const closedAt = context.closed[start];
              if (closedAt !== undefined) {
                if (placed.offset >= closedAt) late.push(lateLetter(context.queryId, placed, start, windowMs));
                continue;
              }
              if (context.open[start] === undefined && start + windowMs + latenessMs <= placed.watermark) {
                late.push(lateLetter(context.queryId, placed, start, windowMs));
                continue;
              }
              let events = byStart.get(start);
              if (events === undefined) byStart.set(start, (events = []));
              events.push(placed.event);
            }
            const open: Record<string, true> = { ...context.open };
            for (const [start, events] of byStart) {
              if (open[start] === undefined) {
                open[start] = true;
                enqueue.spawnChild('window', { id: windowId(start), input: { queryId: context.queryId, resultsTopic: context.resultsTopic, start, definition: context.definition } });
              }
              enqueue.sendTo(windowId(start), { type: 'window.add', events });
            }
            if (late.length > 0) enqueue.sendParent({ type: 'query.deadletter', letters: late } satisfies QueryReport);
            const windows = closeDue({ ...context, open }, (start) => start + windowMs + latenessMs <= event.watermark, event.nextOffset, (start) =>
              enqueue.sendTo(windowId(start), { type: 'window.close', complete: true }),
            );
            enqueue.assign({ ...windows, late: context.late + late.length });
          }),
        },
        'query.tick': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const { windowMs, latenessMs } = context.definition;
            const dueBy = (start: number): boolean =>
              start + windowMs + latenessMs <= event.watermark || (event.quiet && start + windowMs + latenessMs + event.idleTimeoutMs <= event.now);
            enqueue.assign(closeDue(context, dueBy, event.nextOffset, (start) => enqueue.sendTo(windowId(start), { type: 'window.close', complete: true })));
          }),
        },
        'query.end': {
          target: 'ending',
          actions: enqueueActions(({ context, event, enqueue }) => {
            const windows = closeDue(context, () => true, null, (start) => enqueue.sendTo(windowId(start), { type: 'window.close', complete: false }));
            enqueue.assign({ ...windows, ending: event.reason });
            if (Object.keys(context.open).length === 0 && Object.keys(context.publishing).length === 0) {
              enqueue.sendParent({ type: 'query.finished', queryId: context.queryId, reason: event.reason } satisfies QueryReport);
            }
          }),
        },
      },
    },
    ending: {
      on: {
        'query.events': {
          actions: sendParent(({ context, event }) => ({
            type: 'query.deadletter',
            letters: event.events.map((placed) => ({
              reason: 'query-ended',
              message: `query ${context.queryId} was ${context.ending}; its events are no longer aggregated`,
              offset: placed.offset,
              original: JSON.stringify(placed.event),
            })),
          }) satisfies QueryReport),
        },
      },
    },
  },
});

type WindowSets = Pick<QueryContext, 'open' | 'publishing' | 'closed'>;

/**
 * Closes the open windows `due` selects, oldest first, and returns the new
 * window sets. `closedAt` is the input offset reached (null: recorded when
 * the publication is acknowledged).
 */
function closeDue(windows: WindowSets, due: (start: number) => boolean, closedAt: number | null, close: (start: string) => void): WindowSets {
  const open: Record<string, true> = { ...windows.open };
  const publishing: Record<string, true> = { ...windows.publishing };
  const closed: Record<string, number> = { ...windows.closed };
  for (const key of Object.keys(windows.open).sort((a, b) => Number(a) - Number(b))) {
    if (!due(Number(key))) continue;
    delete open[key];
    publishing[key] = true;
    if (closedAt !== null) closed[key] = closedAt;
    close(key);
  }
  const forgotten = Object.keys(closed).sort((a, b) => Number(b) - Number(a)).slice(CLOSED_WINDOWS_KEPT);
  for (const key of forgotten) delete closed[key];
  return { open, publishing, closed };
}
