/**
 * A query actor: one registered query on one aggregate partition. It sorts
 * the query's matched events into event-time windows (a window actor each),
 * decides which events are late, passes time on to its open windows, and
 * ends when its query is cancelled or expires, once every window is published.
 *
 * ```
 *   active ──query.end (cancelled / expired: open windows close incomplete)──▶ ending ──last window published──▶ ended (final)
 *     │ query.events: route to windows, late ones to the dead-letter topic             │ query.events: dead-lettered (query-ended)
 *     │ query.tick: on to the open windows                                             │
 *     └──query.end with no window left──────────────────────────────────────────────────────────────────────▶ ended
 * ```
 *
 * Whether a window is published is the window's own state; the query keeps
 * only what routing needs: the windows alive (`windows`) and, per closed
 * window, the input offset reached when it closed (`closed`). A replayed
 * event below that offset was already counted and is skipped, one at or
 * above it is late.
 */
import { assign, enqueueActions, sendParent, setup, type DoneActorEvent } from 'xstate';
import type { MatchedEvent } from '../protocols/matched-events/index.ts';
import type { QueryDefinition } from '../protocols/nrql/index.ts';
import type { DeadLetterRequest } from '../protocols/stage.ts';
import type { WindowInput, WindowMessage, WindowOutput, WindowReport } from './window.ts';
import { windowLogic, type PersistedWindow, type WindowLogicInput } from './window-logic.ts';

export interface QueryInput {
  readonly queryId: string;
  readonly resultsTopic: string;
  readonly definition: QueryDefinition;
}

export type QueryEndReason = 'cancelled' | 'expired';

export interface QueryContext extends QueryInput {
  /** Windows alive, by start (child id `w:<start>`): open, or closed and not yet published; an actor each, or asleep. */
  readonly windows: Readonly<Record<string, true>>;
  /**
   * Windows restored from a snapshot that no message reached since, by start: what each persisted, spawned as
   * its actor when a message first reaches it (a restore of 100,000 windows built 100,000 actors, 5 s). The
   * persisted snapshot lists them as children, as it lists the windows that are actors (./query-logic.ts).
   */
  readonly asleep?: Readonly<Record<string, PersistedWindow>>;
  /** Closed windows by start: the input offset reached when each closed (null: closed because the query ended). */
  readonly closed: Readonly<Record<string, number | null>>;
  /** The latest window start forgotten from `closed` (null: none yet): windows up to it closed long ago, so their events are late. */
  readonly forgottenThrough: number | null;
  readonly ending: QueryEndReason | null;
  /** Events dead-lettered as late. */
  readonly late: number;
}

/** An event with where it came from and the watermark it found. */
export interface PlacedEvent {
  readonly event: MatchedEvent;
  /** Offset of the matched-events record on this partition. */
  readonly offset: number;
  /** The partition's watermark for this query (no lateness applied) before this event. */
  readonly watermark: number;
}

export type QueryMessage =
  | { readonly type: 'query.events'; readonly events: readonly PlacedEvent[]; readonly watermark: number; readonly nextOffset: number }
  | { readonly type: 'query.tick'; readonly now: number; readonly watermark: number; readonly quiet: boolean; readonly idleTimeoutMs: number; readonly nextOffset: number }
  | { readonly type: 'query.end'; readonly reason: QueryEndReason }
  /** A window's publish marker is durable (acknowledged, or found after the snapshot on restore). */
  | { readonly type: 'query.published'; readonly windowStart: number; readonly nextOffset: number }
  /** Restored: windows still publishing ask again. */
  | { readonly type: 'query.resume' }
  | WindowReport
  | DoneActorEvent<WindowOutput>;

/** What a query tells its supervisor. */
export type QueryReport =
  | { readonly type: 'query.publish'; readonly queryId: string; readonly key: string; readonly records: Extract<WindowReport, { type: 'window.publish' }>['records'] }
  | { readonly type: 'query.deadletter'; readonly letters: readonly DeadLetterRequest[] };

/** An ended query's output, read by its supervisor from the done event. */
export interface QueryOutput {
  readonly queryId: string;
  readonly reason: QueryEndReason;
}

export const windowId = (start: number | string): string => `w:${start}`;

/** How many closed windows are remembered (beyond those still publishing), for replay and lateness checks. */
const CLOSED_WINDOWS_KEPT = 64;

/** An instant for a message: ISO-8601 where `Date` can show it, else the epoch milliseconds. */
const instant = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);

const lateLetter = (queryId: string, placed: PlacedEvent, windowStart: number, windowMs: number): DeadLetterRequest => ({
  reason: 'late',
  message: `event at ${instant(placed.event.timestamp)} arrived after window [${instant(windowStart)}, ${instant(windowStart + windowMs)}) of query ${queryId} closed`,
  offset: placed.offset,
  original: JSON.stringify(placed.event),
});

/**
 * The context as this version keeps it. A query actor restored from a
 * snapshot of eventide 0.1.0 kept `open` and `publishing` sets instead of
 * `windows`; its windows are read from those (and its publishing ones count
 * as closed) until the first change writes the new fields.
 */
function live(context: QueryContext): Pick<QueryContext, 'windows' | 'closed'> {
  if (context.windows !== undefined) return context;
  const legacy = context as unknown as { open?: Record<string, true>; publishing?: Record<string, true>; closed?: Record<string, number> };
  const closed: Record<string, number | null> = { ...legacy.closed };
  for (const start of Object.keys(legacy.publishing ?? {})) closed[start] ??= null;
  return { windows: { ...legacy.open, ...legacy.publishing }, closed };
}

const numerically = (a: string, b: string): number => Number(a) - Number(b);

/** Starts of the windows still accepting events (those starting at or before `through`), oldest first (so windows closing together publish in event-time order). */
function openWindows(context: QueryContext, through = Number.POSITIVE_INFINITY): string[] {
  const { windows, closed } = live(context);
  return Object.keys(windows).filter((start) => closed[start] === undefined && Number(start) <= through).sort(numerically);
}

/** Windows the watermark of a batch, or a tick, closes: the watermark passed them, or (a tick on a quiet partition) the clock passed them by the idle timeout. */
function closedByTime(context: QueryContext, event: QueryMessage): string[] {
  const { windowMs, latenessMs } = context.definition;
  if (event.type === 'query.events') return openWindows(context, event.watermark - windowMs - latenessMs);
  if (event.type === 'query.tick') return openWindows(context, Math.max(event.watermark, event.quiet ? event.now - event.idleTimeoutMs : Number.NEGATIVE_INFINITY) - windowMs - latenessMs);
  return [];
}

/** The windows a message reaches: those it opens or adds to, and those it closes, ends, acknowledges or resumes. */
function windowsReached(context: QueryContext, event: QueryMessage): readonly string[] {
  switch (event.type) {
    case 'query.events':
      return [...placementOf(context, event).eventsByStart.keys(), ...closedByTime(context, event)];
    case 'query.tick':
      return closedByTime(context, event);
    case 'query.end':
      return openWindows(context);
    case 'query.published':
      return [String(event.windowStart)];
    case 'query.resume':
      return Object.keys(live(context).windows).filter((start) => live(context).closed[start] !== undefined);
    default:
      return [];
  }
}

const windowInput = (context: QueryContext, start: string): WindowInput => ({ queryId: context.queryId, resultsTopic: context.resultsTopic, start: Number(start), definition: context.definition });

/**
 * Records a closed window and forgets the oldest beyond the limit, never one
 * still alive (it is not published yet). What is forgotten is summed up in
 * `forgottenThrough`: a window at or before it is never opened again.
 */
function recordClosed(context: QueryContext, start: string, closedAt: number | null): Pick<QueryContext, 'closed' | 'forgottenThrough'> {
  const closed = { ...live(context).closed, [start]: closedAt };
  const { windows } = live(context);
  const published = Object.keys(closed).filter((key) => windows[key] === undefined);
  // Sorted only when there is something to forget: windows closing together (all still publishing) sorted every one
  // of them on each closing, 1,000 windows closed by one watermark took 1.1 s.
  const forgettable = published.length <= CLOSED_WINDOWS_KEPT ? [] : published.sort(numerically).reverse().slice(CLOSED_WINDOWS_KEPT);
  let forgottenThrough = context.forgottenThrough;
  for (const key of forgettable) {
    delete closed[key];
    forgottenThrough = Math.max(forgottenThrough ?? Number.MIN_SAFE_INTEGER, Number(key));
  }
  return { closed, forgottenThrough };
}

/** A batch's events sorted into the windows they go to, and those that are late. */
interface Placement {
  readonly eventsByStart: ReadonlyMap<string, MatchedEvent[]>;
  readonly late: readonly DeadLetterRequest[];
}

/** Placements by the batch message they were computed for: `openWindows` and `routeEvents` read the same one (before any window of the batch opens). */
const placements = new WeakMap<object, Placement>();

function placementOf(context: QueryContext, event: Extract<QueryMessage, { type: 'query.events' }>): Placement {
  const cached = placements.get(event);
  if (cached !== undefined) return cached;
  const { windowMs, latenessMs } = context.definition;
  const eventsByStart = new Map<string, MatchedEvent[]>();
  const late: DeadLetterRequest[] = [];
  for (const placed of event.events) {
    const start = Math.floor(placed.event.timestamp / windowMs) * windowMs;
    const closedAt = live(context).closed[start];
    if (closedAt !== undefined) {
      // At or after the offset where the window closed: late. Before it: replayed input, already counted.
      if (closedAt === null || placed.offset >= closedAt) late.push(lateLetter(context.queryId, placed, start, windowMs));
      continue;
    }
    const forgotten = context.forgottenThrough !== null && start <= context.forgottenThrough;
    if (live(context).windows[start] === undefined && (forgotten || start + windowMs + latenessMs <= placed.watermark)) {
      late.push(lateLetter(context.queryId, placed, start, windowMs));
      continue;
    }
    let events = eventsByStart.get(String(start));
    if (events === undefined) eventsByStart.set(String(start), (events = []));
    events.push(placed.event);
  }
  const placement = { eventsByStart, late };
  placements.set(event, placement);
  return placement;
}

export const queryMachine = setup({
  types: {
    input: {} as QueryInput,
    context: {} as QueryContext,
    events: {} as QueryMessage,
    output: {} as QueryOutput,
  },
  actors: { window: windowLogic },
  actions: {
    /**
     * Spawns the window actors the message reaches that are not actors yet: windows a batch opens, and windows
     * restored asleep. All in one assignment: xstate copies a parent's children once per `spawnChild` action but
     * once per `assign` however many it spawns, so opening 20,000 windows one action each copied the children
     * record 20,000 times (O(n²): 26 s for 10,000 windows in one query actor, 1.5 s now).
     */
    spawnWindows: assign(({ context, event, spawn }) => {
      const known = live(context).windows;
      const sleeping = context.asleep ?? {};
      let windows: Record<string, true> | null = null;
      let asleep: Record<string, PersistedWindow> | null = null;
      for (const start of windowsReached(context, event)) {
        const persisted = (asleep ?? sleeping)[start];
        if (persisted !== undefined) {
          delete (asleep ??= { ...sleeping })[start];
          spawn('window', { id: windowId(start), input: { ...windowInput(context, start), asleep: persisted } satisfies WindowLogicInput as WindowInput });
        } else if (event.type === 'query.events' && known[start] === undefined && windows?.[start] === undefined) {
          (windows ??= { ...known })[start] = true;
          spawn('window', { id: windowId(start), input: windowInput(context, start) });
        }
      }
      return { ...(windows === null ? {} : { windows }), ...(asleep === null ? {} : { asleep }) };
    }),
    routeEvents: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'query.events') return;
      const { eventsByStart, late } = placementOf(context, event);
      const progress = { watermark: event.watermark, nextOffset: event.nextOffset };
      // The watermark goes only to the open windows it closes (a window it does not close ignores it): a query with
      // 20,000 open windows sent 20,000 messages per batch. Oldest first, windows with events and without alike, so
      // windows this batch closes publish in event-time order.
      const due = closedByTime(context, event).filter((start) => !eventsByStart.has(start));
      for (const start of [...due, ...eventsByStart.keys()].sort(numerically)) {
        const events = eventsByStart.get(start);
        if (events === undefined) enqueue.sendTo(windowId(start), { type: 'window.watermark', ...progress } satisfies WindowMessage);
        else enqueue.sendTo(windowId(start), { type: 'window.add', events, ...progress } satisfies WindowMessage);
      }
      if (late.length > 0) enqueue.sendParent({ type: 'query.deadletter', letters: late } satisfies QueryReport);
      enqueue.assign({ late: context.late + late.length });
    }),
    passTickOn: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'query.tick') return;
      const { type: _, ...tick } = event;
      // As with batches, only to the windows the tick closes.
      for (const start of closedByTime(context, event)) enqueue.sendTo(windowId(start), { type: 'window.tick', ...tick } satisfies WindowMessage);
    }),
    endOpenWindows: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'query.end') return;
      for (const start of openWindows(context)) enqueue.sendTo(windowId(start), { type: 'window.end' } satisfies WindowMessage);
      enqueue.assign({ ending: event.reason });
    }),
    deadLetterEnded: sendParent(({ context, event }): QueryReport => ({
      type: 'query.deadletter',
      letters: (event.type === 'query.events' ? event.events : []).map((placed) => ({
        reason: 'query-ended',
        message: `query ${context.queryId} was ${context.ending}; its events are no longer aggregated`,
        offset: placed.offset,
        original: JSON.stringify(placed.event),
      })),
    })),
    recordClosed: assign(({ context, event }) => {
      if (event.type !== 'window.closing') return {};
      return recordClosed(context, String(event.start), event.closedAt);
    }),
    relayPublication: sendParent(({ context, event }): QueryReport => {
      const request = event as Extract<WindowReport, { type: 'window.publish' }>;
      return { type: 'query.publish', queryId: context.queryId, key: request.key, records: request.records };
    }),
    acknowledge: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'query.published') return;
      const start = String(event.windowStart);
      // The marker's offset is where replay stops counting this window's events. A window with no actor
      // here was published after the snapshot this partition restored: remember it, or replayed events
      // would open it again.
      enqueue.assign(recordClosed(context, start, event.nextOffset));
      if (live(context).windows[start] !== undefined) enqueue.sendTo(windowId(start), { type: 'window.published', nextOffset: event.nextOffset } satisfies WindowMessage);
    }),
    resumePublishing: enqueueActions(({ context, enqueue }) => {
      for (const start of Object.keys(live(context).windows)) {
        if (live(context).closed[start] !== undefined) enqueue.sendTo(windowId(start), { type: 'window.resume' } satisfies WindowMessage);
      }
    }),
    forgetWindow: enqueueActions(({ context, event, enqueue }) => {
      const { start } = (event as DoneActorEvent<WindowOutput>).output;
      const windows = { ...live(context).windows };
      delete windows[start];
      enqueue.stopChild(windowId(start));
      enqueue.assign({ windows });
    }),
  },
  guards: {
    noWindowLeft: ({ context }) => Object.keys(live(context).windows).length === 0,
    lastWindowDone: ({ context, event }) => {
      const starts = Object.keys(live(context).windows);
      return starts.length === 1 && starts[0] === String((event as DoneActorEvent<WindowOutput>).output.start);
    },
  },
}).createMachine({
  id: 'query',
  context: ({ input }) => ({ ...input, windows: {}, asleep: {}, closed: {}, forgottenThrough: null, ending: null, late: 0 }),
  initial: 'active',
  on: {
    'window.closing': { actions: 'recordClosed' },
    'window.publish': { actions: 'relayPublication' },
    'query.published': { actions: ['spawnWindows', 'acknowledge'] },
    'query.resume': { actions: ['spawnWindows', 'resumePublishing'] },
  },
  states: {
    active: {
      on: {
        'query.events': { actions: ['spawnWindows', 'routeEvents'] },
        'query.tick': { actions: ['spawnWindows', 'passTickOn'] },
        'query.end': [
          { guard: 'noWindowLeft', target: 'ended', actions: 'endOpenWindows' },
          { target: 'ending', actions: ['spawnWindows', 'endOpenWindows'] },
        ],
        'xstate.done.actor.*': { actions: 'forgetWindow' },
      },
    },
    ending: {
      on: {
        'query.events': { actions: 'deadLetterEnded' },
        'query.tick': { description: 'every window is closed already: time has nothing left to close' },
        'query.end': { description: 'ending already (an expired query can be cancelled too)' },
        'xstate.done.actor.*': [{ guard: 'lastWindowDone', target: 'ended', actions: 'forgetWindow' }, { actions: 'forgetWindow' }],
      },
    },
    ended: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ queryId: context.queryId, reason: context.ending ?? 'cancelled' }),
});
