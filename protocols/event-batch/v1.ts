/**
 * Raw event batches on `events.raw`, version 1: a JSON array of flat events,
 * optionally gzip-compressed. Producers are external, so there is no `v`
 * field and the decoder is forgiving per event: a bad event is rejected on
 * its own (for the dead-letter topic) and the good events of the batch are
 * kept. Only a batch that cannot be read at all throws.
 *
 * @example
 * ```ts
 * const { events, rejected } = decodeEventBatch(record.value);
 * // [{"eventType":"PageView","timestamp":1700000000000,"appName":"shop","duration":0.3}]
 * // → events[0] = { eventType: 'PageView', timestamp: 1700000000000, attributes: { appName: 'shop', duration: 0.3 } }
 * ```
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError } from '../errors.ts';
import type { Event } from '../event.ts';
import { readFlatEvent, toFlatObject, type FlatEventOptions } from '../json/flat-event.ts';
import { describeJson, parseJson } from '../json/json-fields.ts';
import { boundedJson } from '../json/bounded-json.ts';

const CONTRACT = 'event-batch';

/** @default 8 MiB */
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** @default 100000 */
export const DEFAULT_MAX_BATCH_EVENTS = 100_000;

/** Limits that keep one batch from taking the process down. */
export interface EventBatchLimits {
  /**
   * Largest batch in bytes, compressed and again after gunzip (inflating
   * stops there, so a gzip bomb costs no more memory than this).
   * @default 8 MiB
   */
  readonly maxBytes?: number;
  /** Most events in one batch. @default 100000 */
  readonly maxEvents?: number;
}

/** One element of a batch that is not a valid event. */
export interface RejectedEvent {
  /** Its zero-based position in the batch. */
  readonly index: number;
  /** `not-an-object`, `missing-event-type`, `missing-timestamp`, `invalid-timestamp` or `invalid-attribute`. */
  readonly reason: string;
  /** What is wrong, naming the event's index and the field. */
  readonly message: string;
  /** That element's JSON, for the dead-letter topic: at most 64 KiB and 64 levels deep (the rest is cut, and says so). */
  readonly original: string;
}

/** A decoded batch: its valid events in batch order, and the rejected ones. */
export interface DecodedEventBatch {
  readonly events: Event[];
  readonly rejected: RejectedEvent[];
}

/**
 * Attribute names a raw event may not use. `v` is the version field of
 * `events.parsed` records, which are flat too, so it cannot be an attribute.
 */
export const RESERVED_ATTRIBUTES: Readonly<Record<string, string>> = {
  v: 'it is the version field of parsed events',
};

/** How every element of a raw batch is read (one object for all: this runs per event). */
const RAW_EVENT: FlatEventOptions = { where: `${CONTRACT}: event`, isoTimestamps: true, reservedAttributes: RESERVED_ATTRIBUTES };

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Decodes a raw batch. Throws `DecodeError` when the whole batch is unusable:
 * `oversized`, `corrupt-gzip`, `malformed-json`, `not-an-array`,
 * `too-many-events`. Invalid events are returned in `rejected`.
 */
export function decodeEventBatch(bytes: Buffer, limits: EventBatchLimits = {}): DecodedEventBatch {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const maxEvents = limits.maxEvents ?? DEFAULT_MAX_BATCH_EVENTS;
  if (bytes.length > maxBytes) {
    throw new DecodeError('oversized', `${CONTRACT}: the batch is ${bytes.length} bytes, more than the limit of ${maxBytes}`);
  }
  const json = isGzip(bytes) ? gunzipWithin(bytes, maxBytes) : bytes;
  const batch = parseJson(json, CONTRACT);
  if (!Array.isArray(batch)) {
    throw new DecodeError('not-an-array', `${CONTRACT}: the batch must be a JSON array of events, got ${describeJson(batch)}`);
  }
  if (batch.length > maxEvents) {
    throw new DecodeError('too-many-events', `${CONTRACT}: the batch has ${batch.length} events, more than the limit of ${maxEvents}`);
  }
  const events: Event[] = [];
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < batch.length; index++) {
    const element: unknown = batch[index];
    const verdict = readFlatEvent(element, RAW_EVENT, index);
    if (verdict.ok) events.push(verdict.event);
    else rejected.push({ index, reason: verdict.reason, message: verdict.message, original: boundedJson(element) });
  }
  return { events, rejected };
}

/** Encodes events as a raw batch (timestamps as epoch milliseconds), gzip-compressed if asked. */
export function encodeEventBatch(events: readonly Event[], options: { gzip?: boolean } = {}): Buffer {
  const json = Buffer.from(JSON.stringify(events.map((event) => toFlatObject(event))), 'utf8');
  return options.gzip === true ? gzipSync(json) : json;
}

function gunzipWithin(bytes: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeError('oversized', `${CONTRACT}: the batch inflates to more than the limit of ${maxBytes} bytes`, { cause });
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError('corrupt-gzip', `${CONTRACT}: the batch starts like gzip but does not inflate (${detail})`, { cause });
  }
}
