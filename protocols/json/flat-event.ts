/**
 * The flat JSON shape of an event, shared by raw batches (`events.raw`) and
 * parsed events (`events.parsed`):
 * `{"eventType":"PageView","timestamp":1700000000000,"appName":"shop"}`.
 * `eventType` and `timestamp` become the event's own fields, every other key
 * an attribute.
 *
 * Checking returns a verdict instead of throwing, because in a raw batch one
 * bad event is rejected on its own while its neighbours are kept.
 */
import type { AttributeValue, Event } from '../event.ts';
import { describeJson, isAttributeValue, isJsonObject } from './json-fields.ts';
import { shortJson } from './bounded-json.ts';

/** Either the event, or why the element is not one (`reason` as in `DecodeError`). */
export type FlatEventVerdict =
  | { readonly ok: true; readonly event: Event }
  | { readonly ok: false; readonly reason: string; readonly message: string };

export interface FlatEventOptions {
  /** Where the element is, for messages, e.g. `event-batch: event` (with the position `readFlatEvent` is given: `event-batch: event 3`). */
  readonly where: string;
  /** Accept ISO-8601 strings (with a time zone) as timestamps and convert them. */
  readonly isoTimestamps: boolean;
  /** Keys that are not attributes: skipped, e.g. the `v` of a parsed event. */
  readonly envelopeKeys?: readonly string[];
  /** Attribute names an event may not carry, with why. */
  readonly reservedAttributes?: Readonly<Record<string, string>>;
}

// Date and optional time; a time needs a zone, or the result would depend on the machine's.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * Milliseconds since the epoch of an ISO-8601 date (`2023-11-14`, UTC) or
 * date-time with zone (`2023-11-14T22:13:20.5Z`, `...+01:00`); `undefined`
 * when the text is not one or names a day or time that does not exist.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', zoneHour = '0', zoneMinute = '0'] = match;
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999 (and 1900 has no 29 February, year 0 has).
  const lastOfMonth = new Date(0);
  lastOfMonth.setUTCFullYear(Number(year), Number(month), 0);
  const daysInMonth = lastOfMonth.getUTCDate();
  const valid =
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(zoneHour) <= 23 &&
    Number(zoneMinute) <= 59;
  if (!valid) return undefined;
  const millis = Date.parse(text);
  return Number.isFinite(millis) ? millis : undefined;
}

/** Untrusted text in a message, cut: a message never embeds a megabyte of input. */
const shortText = (text: string): string => (text.length > 100 ? `${text.slice(0, 100)}… (${text.length} characters)` : text);

/**
 * Checks one flat JSON element and turns it into an `Event`. `position` (the
 * element's index in its batch) is added to `options.where` in messages only,
 * so one options object serves a whole batch and no message text is built
 * for an event that is valid.
 */
export function readFlatEvent(element: unknown, options: FlatEventOptions, position?: number): FlatEventVerdict {
  if (!isJsonObject(element)) {
    const where = whereOf(options, position);
    return reject('not-an-object', `${where} must be a JSON object, got ${describeJson(element)}`);
  }
  const eventType = Object.hasOwn(element, 'eventType') ? element.eventType : undefined;
  if (eventType === undefined || eventType === null) {
    return reject('missing-event-type', `${whereOf(options, position)} has no "eventType"`);
  }
  if (typeof eventType !== 'string' || eventType === '') {
    return reject('missing-event-type', `${whereOf(options, position)}: "eventType" must be a non-empty string, got ${describeJson(eventType)}`);
  }
  const rawTimestamp = Object.hasOwn(element, 'timestamp') ? element.timestamp : undefined;
  if (rawTimestamp === undefined || rawTimestamp === null) {
    return reject('missing-timestamp', `${whereOf(options, position)} (${shortText(eventType)}) has no "timestamp"`);
  }
  const timestamp = readTimestamp(rawTimestamp, options.isoTimestamps);
  if (timestamp === undefined) {
    const accepted = options.isoTimestamps ? 'epoch milliseconds or an ISO-8601 date-time with a time zone' : 'epoch milliseconds';
    return reject(
      'invalid-timestamp',
      `${whereOf(options, position)} (${shortText(eventType)}): "timestamp" must be ${accepted}, got ${typeof rawTimestamp === 'object' ? describeJson(rawTimestamp) : shortJson(rawTimestamp)}`,
    );
  }
  const envelope = options.envelopeKeys;
  const reserved = options.reservedAttributes;
  // Built in place rather than through entries arrays: this runs for every event of every raw batch.
  const attributes: Record<string, AttributeValue> = {};
  for (const name in element) {
    if (name === 'eventType' || name === 'timestamp' || !Object.hasOwn(element, name) || (envelope !== undefined && envelope.includes(name))) continue;
    if (reserved !== undefined && Object.hasOwn(reserved, name)) {
      return reject('invalid-attribute', `${whereOf(options, position)} (${shortText(eventType)}): attribute "${shortText(name)}" is reserved: ${reserved[name]}`);
    }
    const value = element[name];
    if (!isAttributeValue(value)) {
      return reject(
        'invalid-attribute',
        `${whereOf(options, position)} (${shortText(eventType)}): attribute "${shortText(name)}" must be a string, number, boolean or null, got ${describeJson(value)}`,
      );
    }
    setOwn(attributes, name, value);
  }
  return { ok: true, event: { eventType, timestamp, attributes } };
}

/** Sets an own data property, so a `__proto__` key stays data instead of changing the prototype. */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/** The flat JSON object of an event, `envelope` fields first. */
export function toFlatObject(event: Event, envelope: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const name in envelope) if (Object.hasOwn(envelope, name)) setOwn(flat, name, envelope[name]);
  flat.eventType = event.eventType;
  flat.timestamp = event.timestamp;
  const { attributes } = event;
  for (const name in attributes) {
    if (Object.hasOwn(attributes, name) && name !== 'eventType' && name !== 'timestamp') setOwn(flat, name, attributes[name]);
  }
  return flat;
}

function readTimestamp(value: unknown, isoTimestamps: boolean): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && isoTimestamps) return parseIsoTimestamp(value);
  return undefined;
}

function whereOf(options: FlatEventOptions, position: number | undefined): string {
  return position === undefined ? options.where : `${options.where} ${position}`;
}

function reject(reason: string, message: string): FlatEventVerdict {
  return { ok: false, reason, message };
}
