/**
 * Parsed events on `events.parsed`, version 1: one event per record, as a
 * flat JSON object with a version field.
 *
 * @example
 * ```ts
 * encodeParsedEvent({ eventType: 'PageView', timestamp: 1700000000000, attributes: { appName: 'shop' } });
 * // {"v":1,"eventType":"PageView","timestamp":1700000000000,"appName":"shop"}
 * ```
 */
import { DecodeError, EventideError } from '../errors.ts';
import type { Event } from '../event.ts';
import { readFlatEvent, toFlatObject, type FlatEventOptions } from '../json/flat-event.ts';
import { Fields, parseJsonObject } from '../json/json-fields.ts';

const CONTRACT = 'parsed-event';
const VERSION = 1;
const PARSED_EVENT: FlatEventOptions = { where: `${CONTRACT}: the event`, isoTimestamps: false, envelopeKeys: ['v'] };

/**
 * Encodes one event. An attribute named `v` would collide with the version
 * field; raw batches reject such events, so here it is a programming error.
 */
export function encodeParsedEvent(event: Event): Buffer {
  if (Object.hasOwn(event.attributes, 'v')) {
    throw new EventideError(`${CONTRACT}: an event cannot carry an attribute named "v" (the version field)`);
  }
  return Buffer.from(JSON.stringify(toFlatObject(event, { v: VERSION })), 'utf8');
}

/**
 * Decodes one event. Throws `DecodeError` with reason `malformed-json`,
 * `not-an-object`, `missing-field` / `unsupported-version` (of `v`),
 * `missing-event-type`, `missing-timestamp`, `invalid-timestamp` (epoch
 * milliseconds only) or `invalid-attribute`.
 */
export function decodeParsedEvent(bytes: Buffer): Event {
  const object = parseJsonObject(bytes, CONTRACT);
  new Fields(CONTRACT, object).version(VERSION);
  const verdict = readFlatEvent(object, PARSED_EVENT);
  if (!verdict.ok) throw new DecodeError(verdict.reason, verdict.message);
  return verdict.event;
}
