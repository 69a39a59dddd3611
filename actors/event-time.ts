/**
 * Event time that cannot be poisoned: a raw event whose timestamp is further
 * ahead of the stage's clock than `maxFutureMs`, or older than `maxAgeMs`,
 * is dead-lettered (`future-timestamp`, `too-old`) before it reaches any
 * watermark. One event stamped ten years ahead would otherwise move its
 * query's watermark there and make every later on-time event late; one from
 * the year −29719 would open a window nobody can close sensibly.
 *
 * Checked where raw batches enter (parse, or ingest when parse and match run
 * fused), against the `now` the runtime's clock gave the batch, so a test's
 * clock decides as the system clock does in production.
 */
import { boundedJson } from '../protocols/json/bounded-json.ts';
import type { Event } from '../protocols/event.ts';
import type { DeadLetterRequest } from '../protocols/stage.ts';

/** How far from the stage's clock an event's timestamp may be. */
export interface EventTimeBounds {
  /** Furthest ahead of now. @default 5 minutes */
  readonly maxFutureMs: number;
  /** Furthest behind now. @default 7 days */
  readonly maxAgeMs: number;
}

export const DEFAULT_EVENT_TIME_BOUNDS: EventTimeBounds = { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 24 * 3_600_000 };

/** The bounds a stage was given, the defaults filling what it was not. */
export function eventTimeBounds(given: Partial<EventTimeBounds> | undefined): EventTimeBounds {
  return { ...DEFAULT_EVENT_TIME_BOUNDS, ...given };
}

/** The dead letter for an event outside the bounds, or null for an event within them. */
export function eventTimeLetter(event: Event, now: number, bounds: EventTimeBounds, offset: number, where: string): DeadLetterRequest | null {
  const ahead = event.timestamp - now;
  if (ahead <= bounds.maxFutureMs && -ahead <= bounds.maxAgeMs) return null;
  if (where.length > 200) where = `${where.slice(0, 200)}…`;
  const future = ahead > bounds.maxFutureMs;
  const at = Number.isFinite(new Date(event.timestamp).getTime()) ? new Date(event.timestamp).toISOString() : String(event.timestamp);
  return {
    reason: future ? 'future-timestamp' : 'too-old',
    message: future
      ? `${where}: its timestamp ${at} is ${describe(ahead)} ahead of the stage's clock, more than the ${describe(bounds.maxFutureMs)} allowed (--max-event-future)`
      : `${where}: its timestamp ${at} is ${describe(-ahead)} old, more than the ${describe(bounds.maxAgeMs)} allowed (--max-event-age)`,
    offset,
    original: boundedJson({ eventType: event.eventType, timestamp: event.timestamp, ...event.attributes }),
  };
}

function describe(ms: number): string {
  if (ms >= 86_400_000) return `${(ms / 86_400_000).toFixed(ms % 86_400_000 === 0 ? 0 : 1)} days`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(ms % 3_600_000 === 0 ? 0 : 1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(ms % 60_000 === 0 ? 0 : 1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}
