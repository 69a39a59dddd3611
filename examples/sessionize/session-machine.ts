/**
 * The partition machine of the sessionize example: it groups each user's
 * clicks into sessions. A session ends when the user has not clicked for
 * `gapMs`: when the user's next click comes later than that, when the
 * partition's event time (its newest click) passes the gap, or when the
 * clock's ticks do (a quiet partition). Every ended session is published
 * once, exactly, to the `sessions` topic.
 *
 * The machine is plain xstate: the runtime sends it `RuntimeMessage`s and
 * acts on the `StageEmission`s it emits; its context is what gets
 * snapshotted and restored.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { PartitionInput, PublishEmission, RuntimeMessage, StageEmission, StageRecord } from 'eventide';

/** A click, the value of a record on the `clicks` topic (keyed by user). */
export interface Click {
  readonly user: string;
  /** Event time, milliseconds since the epoch. */
  readonly at: number;
  readonly page: string;
}

/** A session, the value of a record on the `sessions` topic (keyed by user). */
export interface Session {
  readonly user: string;
  /** Time of its first click. */
  readonly start: number;
  /** Time of its last click. */
  readonly end: number;
  readonly clicks: number;
  /** `end - start`. */
  readonly durationMs: number;
}

interface OpenSession {
  readonly start: number;
  readonly last: number;
  readonly clicks: number;
}

export interface SessionContext {
  readonly gapMs: number;
  readonly sessionsTopic: string;
  /** Sessions still collecting clicks, by user. */
  readonly open: Readonly<Record<string, OpenSession>>;
  /** Ended sessions whose publication is not yet acknowledged, by publication key. */
  readonly closing: Readonly<Record<string, Session>>;
  /**
   * After a restore: clicks of these users below this input offset were
   * already counted in a session published after the snapshot, so replayed
   * ones are skipped rather than counted twice.
   */
  readonly skipBelow: Readonly<Record<string, number>>;
  /** The newest click time seen on the partition (its event time). */
  readonly eventTime: number;
}

/** What the stage passes the machine besides `PartitionInput`. */
export interface SessionInput extends PartitionInput {
  readonly gapMs: number;
  readonly sessionsTopic: string;
}

/** The publication key of a session: a user has one session starting at a given time. */
export const sessionKey = (user: string, start: number): string => `${user}@${start}`;

function ended(user: string, session: OpenSession): Session {
  return { user, start: session.start, end: session.last, clicks: session.clicks, durationMs: session.last - session.start };
}

function publication(session: Session, topic: string): PublishEmission {
  return { type: 'eventide.publish', key: sessionKey(session.user, session.start), records: [{ topic, key: session.user, value: JSON.stringify(session) }] };
}

/** Adds a batch's clicks to the sessions; returns the sessions that ended. */
function addClicks(context: SessionContext, records: readonly StageRecord<Click>[]): { context: SessionContext; ended: Session[] } {
  const open = { ...context.open };
  const skipBelow = { ...context.skipBelow };
  const closed: Session[] = [];
  let eventTime = context.eventTime;
  for (const { offset, value: click } of records) {
    const skipUntil = skipBelow[click.user];
    if (skipUntil !== undefined) {
      if (offset < skipUntil) continue;
      delete skipBelow[click.user];
    }
    const session = open[click.user];
    if (session !== undefined && click.at - session.last > context.gapMs) {
      closed.push(ended(click.user, session));
      open[click.user] = { start: click.at, last: click.at, clicks: 1 };
    } else if (session !== undefined) {
      open[click.user] = { start: Math.min(session.start, click.at), last: Math.max(session.last, click.at), clicks: session.clicks + 1 };
    } else {
      open[click.user] = { start: click.at, last: click.at, clicks: 1 };
    }
    eventTime = Math.max(eventTime, click.at);
  }
  const rest = closeQuietSessions({ ...context, open, skipBelow, eventTime }, eventTime);
  return { context: rest.context, ended: [...closed, ...rest.ended] };
}

/** Ends every open session whose last click is more than the gap before `time`. */
function closeQuietSessions(context: SessionContext, time: number): { context: SessionContext; ended: Session[] } {
  const open: Record<string, OpenSession> = {};
  const closed: Session[] = [];
  for (const [user, session] of Object.entries(context.open)) {
    if (time - session.last > context.gapMs) closed.push(ended(user, session));
    else open[user] = session;
  }
  return { context: { ...context, open }, ended: closed };
}

/** Ended sessions wait in `closing` until their publication is acknowledged. */
function withClosing(context: SessionContext, ended: readonly Session[]): SessionContext {
  const closing = { ...context.closing };
  for (const session of ended) closing[sessionKey(session.user, session.start)] = session;
  return { ...context, closing };
}

export const sessionMachine = setup({
  types: {
    input: {} as SessionInput,
    context: {} as SessionContext,
    events: {} as RuntimeMessage<Click>,
    emitted: {} as StageEmission,
  },
}).createMachine({
  id: 'sessionize',
  context: ({ input }) => ({ gapMs: input.gapMs, sessionsTopic: input.sessionsTopic, open: {}, closing: {}, skipBelow: {}, eventTime: 0 }),
  on: {
    'eventide.batch': {
      actions: enqueueActions(({ enqueue, context, event }) => {
        const { context: next, ended } = addClicks(context, event.records);
        enqueue.assign(withClosing(next, ended));
        for (const session of ended) enqueue.emit(publication(session, context.sessionsTopic));
      }),
    },
    'eventide.tick': {
      actions: enqueueActions(({ enqueue, context, event }) => {
        const { context: next, ended } = closeQuietSessions(context, event.now);
        if (ended.length === 0) return;
        enqueue.assign(withClosing(next, ended));
        for (const session of ended) enqueue.emit(publication(session, context.sessionsTopic));
      }),
    },
    'eventide.published': {
      actions: assign(({ context, event }) => {
        const { [event.key]: _acknowledged, ...closing } = context.closing;
        return { closing };
      }),
    },
    'eventide.restored': {
      // Publications after the snapshot are durable: forget them, and skip the
      // replayed clicks they already counted. Ask again for the ones in flight.
      actions: enqueueActions(({ enqueue, context, event }) => {
        const closing = { ...context.closing };
        const open = { ...context.open };
        const skipBelow = { ...context.skipBelow };
        for (const notice of event.published) {
          delete closing[notice.key];
          for (const [user, session] of Object.entries(open)) {
            if (sessionKey(user, session.start) !== notice.key) continue;
            delete open[user];
            skipBelow[user] = notice.nextOffset;
          }
        }
        enqueue.assign({ closing, open, skipBelow });
        for (const session of Object.values(closing)) enqueue.emit(publication(session, context.sessionsTopic));
      }),
    },
  },
});
