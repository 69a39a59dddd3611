/**
 * The partition machine of the rate-limit example: it counts each API key's
 * requests in fixed windows of event time and raises one alert, exactly
 * once, for every key and window where the count passes the key's limit.
 * Limits come from the `rate-limits` table (a changelog every node
 * follows); keys without one get the default. A request older than its
 * key's current window is dead-lettered as `late`.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { DeadLetterRequest, PartitionInput, RuntimeMessage, StageEmission } from 'eventide';

/** A request, the value of a record on the `requests` topic (keyed by API key). */
export interface Request {
  readonly apiKey: string;
  /** Event time, milliseconds since the epoch. */
  readonly at: number;
}

/** An alert, the value of a record on the `rate-alerts` topic. */
export interface RateAlert {
  readonly apiKey: string;
  readonly windowStart: number;
  readonly limit: number;
  /** The count that passed the limit (limit + 1). */
  readonly count: number;
}

interface KeyWindow {
  readonly start: number;
  readonly count: number;
  readonly alerted: boolean;
}

export interface RateLimitInput extends PartitionInput {
  readonly windowMs: number;
  readonly defaultLimit: number;
  readonly alertsTopic: string;
}

export interface RateLimitContext {
  readonly windowMs: number;
  readonly defaultLimit: number;
  readonly alertsTopic: string;
  /** Limits by API key, from the `rate-limits` table. */
  readonly limits: Readonly<Record<string, number>>;
  /** Each key's current window. */
  readonly windows: Readonly<Record<string, KeyWindow>>;
}

export const alertKey = (apiKey: string, windowStart: number): string => `${apiKey}@${windowStart}`;

export const rateLimitMachine = setup({
  types: {
    input: {} as RateLimitInput,
    context: {} as RateLimitContext,
    events: {} as RuntimeMessage<Request, number>,
    emitted: {} as StageEmission,
  },
}).createMachine({
  id: 'rate-limit',
  context: ({ input }) => ({ windowMs: input.windowMs, defaultLimit: input.defaultLimit, alertsTopic: input.alertsTopic, limits: {}, windows: {} }),
  on: {
    'eventide.table': {
      actions: assign(({ context, event }) => {
        const limits: Record<string, number> = event.reset ? {} : { ...context.limits };
        for (const change of event.changes) {
          if (change.value === null) delete limits[change.key];
          else limits[change.key] = change.value;
        }
        return { limits };
      }),
    },
    'eventide.batch': {
      actions: enqueueActions(({ enqueue, context, event }) => {
        const windows = { ...context.windows };
        const late: DeadLetterRequest[] = [];
        for (const { offset, value: request } of event.records) {
          const start = Math.floor(request.at / context.windowMs) * context.windowMs;
          const current = windows[request.apiKey];
          if (current !== undefined && start < current.start) {
            late.push({ reason: 'late', message: `request of ${request.apiKey} at ${request.at} is before its current window ${current.start}`, offset, original: JSON.stringify(request) });
            continue;
          }
          const window = current?.start === start ? current : { start, count: 0, alerted: false };
          const count = window.count + 1;
          const limit = context.limits[request.apiKey] ?? context.defaultLimit;
          const alert = count > limit && !window.alerted;
          windows[request.apiKey] = { start, count, alerted: window.alerted || alert };
          if (alert) {
            const value: RateAlert = { apiKey: request.apiKey, windowStart: start, limit, count };
            enqueue.emit({ type: 'eventide.publish', key: alertKey(request.apiKey, start), records: [{ topic: context.alertsTopic, key: request.apiKey, value: JSON.stringify(value) }] });
          }
        }
        enqueue.assign({ windows });
        if (late.length > 0) enqueue.emit({ type: 'eventide.deadletter', letters: late });
      }),
    },
    'eventide.restored': {
      // Alerts published after the snapshot are durable: their windows are alerted.
      actions: assign(({ context, event }) => {
        const windows = { ...context.windows };
        for (const [apiKey, window] of Object.entries(windows)) {
          if (event.published.some((notice) => notice.key === alertKey(apiKey, window.start))) windows[apiKey] = { ...window, alerted: true };
        }
        return { windows };
      }),
    },
  },
});
