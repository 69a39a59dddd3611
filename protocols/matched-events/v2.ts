/**
 * Matched events, version 2: binary. Matched events never leave eventide, and
 * their JSON round trip (stringify in match, parse and check every field in
 * aggregate) was a fifth of the memory pipeline's CPU. A record is
 *
 * ```
 * 00 02            marker (no JSON text starts with a NUL byte) and version
 * flags            bit 0: the strings are UTF-16LE (some string holds a lone
 *                  surrogate, which UTF-8 cannot carry), else UTF-8
 * varint n, then n strings (varint byte length, bytes): every attribute name,
 *                  string value, the query id and the topic, each once
 * varint query id (a string's number), varint topic, varint partition, varint partitions
 * varint events, then per event:
 *   varint offset, varint index, float64 timestamp,
 *   attributes: varint (name's number + 1), a tag and its value, ...; 0 ends them
 *   tags: 0 null, 1 false, 2 true, 3 string (varint number), 4 float64
 * ```
 *
 * Varints are unsigned LEB128 up to `Number.MAX_SAFE_INTEGER`; doubles are
 * little-endian. The bytes depend only on the batch (strings are numbered in
 * the order they are first written), so the same batch always gives the same
 * record. Decoding trusts the layout eventide wrote but checks every read: a
 * record that is cut, names a string that is not there, holds a tag or a
 * number that cannot be, or bytes after its last event throws `DecodeError`.
 *
 * @example
 * ```ts
 * const bytes = encodeMatchedEventBatchV2({ v: 2, queryId: 'q1', source: { topic: 'events.raw', partition: 3, partitions: 6 },
 *   events: [{ offset: 42, index: 0, timestamp: 1700000000000, attributes: { appName: 'shop' } }] });
 * decodeMatchedEventBatchV2(bytes).events[0].attributes.appName; // 'shop'
 * ```
 */
import { isUtf8 } from 'node:buffer';
import type { AttributeValue } from '../event.ts';
import { DecodeError } from '../errors.ts';
import { ByteReader } from '../binary/byte-reader.ts';
import { ByteWriter } from '../binary/byte-writer.ts';
import type { MatchedEvent, MatchedEventBatch } from './batch.ts';

const CONTRACT = 'matched-events';

/** The first byte of a binary record: JSON text never starts with it. */
export const BINARY_MARKER = 0x00;
const VERSION = 2;
const UTF16_STRINGS = 0x01;

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_STRING = 3;
const TAG_FLOAT64 = 4;

/** The fewest bytes an event takes: offset, index, timestamp, end of attributes. */
const MIN_EVENT_BYTES = 1 + 1 + 8 + 1;

const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** Numbers the strings of one record in the order they are first written. */
class StringTable {
  readonly strings: string[] = [];
  readonly #numbers = new Map<string, number>();
  wellFormed = true;

  numberOf(text: string): number {
    let number = this.#numbers.get(text);
    if (number === undefined) {
      number = this.strings.length;
      this.#numbers.set(text, number);
      this.strings.push(text);
      if (this.wellFormed && !isWellFormed(text)) this.wellFormed = false;
    }
    return number;
  }
}

/** Encodes a batch of matched events as v2 binary (whatever its `v` says). */
export function encodeMatchedEventBatchV2(batch: MatchedEventBatch): Buffer {
  const { queryId, source, events } = batch;
  const table = new StringTable();
  const body = new ByteWriter(64 + events.length * 64);
  body.varint(table.numberOf(queryId));
  body.varint(table.numberOf(source.topic));
  body.varint(source.partition);
  body.varint(source.partitions);
  body.varint(events.length);
  for (const { offset, index, timestamp, attributes } of events) {
    body.varint(offset);
    body.varint(index);
    body.float64(timestamp);
    for (const name in attributes) {
      if (!Object.hasOwn(attributes, name)) continue;
      body.varint(table.numberOf(name) + 1);
      const value = attributes[name];
      if (value === null) body.byte(TAG_NULL);
      else if (value === false) body.byte(TAG_FALSE);
      else if (value === true) body.byte(TAG_TRUE);
      else if (typeof value === 'string') {
        body.byte(TAG_STRING);
        body.varint(table.numberOf(value));
      } else {
        body.byte(TAG_FLOAT64);
        body.float64(value as number);
      }
    }
    body.varint(0);
  }
  const encoding = table.wellFormed ? 'utf8' : 'utf16le';
  const encoded = table.strings.map((text) => Buffer.from(text, encoding));
  const record = new ByteWriter(body.length + encoded.reduce((sum, bytes) => sum + bytes.length + 2, 16));
  record.byte(BINARY_MARKER);
  record.byte(VERSION);
  record.byte(table.wellFormed ? 0 : UTF16_STRINGS);
  record.varint(encoded.length);
  for (const bytes of encoded) {
    record.varint(bytes.length);
    record.raw(bytes);
  }
  record.raw(body.bytes());
  return record.bytes();
}

/**
 * Decodes a v2 record. Throws `DecodeError` with reason `unsupported-version`
 * (a binary record of another version), `truncated` (it ends early),
 * `invalid-field` (a string, tag or number that cannot be), `malformed-text`
 * (strings that are not valid UTF-8 or UTF-16) or `trailing-bytes`.
 */
export function decodeMatchedEventBatchV2(bytes: Buffer): MatchedEventBatch {
  const reader = new ByteReader(CONTRACT, bytes);
  if (reader.byte('the marker') !== BINARY_MARKER) reader.fail('invalid-field', 'a binary record starts with a 0 byte');
  const version = reader.byte('the version');
  if (version !== VERSION) reader.fail('unsupported-version', `the binary record is version ${version}, this decoder reads version ${VERSION} (and JSON version 1)`);
  const flags = reader.byte('the flags');
  if ((flags & ~UTF16_STRINGS) !== 0) reader.fail('invalid-field', `the flags byte is ${flags}, only bit 0 (UTF-16 strings) is defined`);
  const strings = readStrings(reader, bytes, (flags & UTF16_STRINGS) !== 0);
  const string = (what: string): string => {
    const number = reader.varint(what);
    if (number >= strings.length) reader.fail('invalid-field', `${what} is string ${number}, the record holds ${strings.length}`);
    return strings[number]!;
  };
  const queryId = string('the query id');
  if (queryId === '') reader.fail('invalid-field', 'the query id must not be empty');
  const topic = string('the source topic');
  if (topic === '') reader.fail('invalid-field', 'the source topic must not be empty');
  const partition = reader.varint('the source partition');
  const partitions = reader.varint('the source partitions');
  if (partitions < 1) reader.fail('invalid-field', 'the source partitions must be at least 1, got 0');
  const count = reader.varint('the number of events');
  if (count > reader.remaining / MIN_EVENT_BYTES) reader.truncated(`the events (${count} announced, room for at most ${Math.floor(reader.remaining / MIN_EVENT_BYTES)})`);
  const events = new Array<MatchedEvent>(count);
  let i = 0;
  try {
    for (; i < count; i++) events[i] = readEvent(reader, strings);
  } catch (error) {
    if (error instanceof DecodeError) throw new DecodeError(error.reason, error.message.replace(`${CONTRACT}: `, `${CONTRACT}: event ${i}: `), { cause: error });
    throw error;
  }
  if (reader.remaining > 0) reader.fail('trailing-bytes', `${reader.remaining} bytes follow the last event`);
  return { v: 2, queryId, source: { topic, partition, partitions }, events };
}

function readStrings(reader: ByteReader, bytes: Buffer, utf16: boolean): string[] {
  const count = reader.varint('the number of strings');
  if (count > reader.remaining) reader.truncated(`the strings (${count} announced)`);
  const strings = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const length = reader.varint('the length of a string');
    const start = reader.position;
    const text = reader.raw(length, `string ${i}`);
    if (utf16 ? length % 2 !== 0 : !isUtf8(text)) reader.fail('malformed-text', `string ${i} is not valid ${utf16 ? 'UTF-16' : 'UTF-8'}`);
    // One string each, not slices of one big one: a value kept by a window keeps only itself alive.
    strings[i] = bytes.toString(utf16 ? 'utf16le' : 'utf8', start, start + length);
  }
  return strings;
}

function readEvent(reader: ByteReader, strings: readonly string[]): MatchedEvent {
  const offset = reader.varint('an offset');
  const index = reader.varint('an index');
  const timestamp = reader.float64('a timestamp');
  if (!Number.isFinite(timestamp)) reader.fail('invalid-field', `the timestamp is ${timestamp}, not a finite number`);
  const attributes: Record<string, AttributeValue> = {};
  for (;;) {
    const name = reader.varint('an attribute name');
    if (name === 0) break;
    if (name > strings.length) reader.fail('invalid-field', `an attribute name is string ${name - 1}, the record holds ${strings.length}`);
    const tag = reader.byte('an attribute value');
    let value: AttributeValue;
    if (tag === TAG_STRING) {
      const number = reader.varint('a string value');
      if (number >= strings.length) reader.fail('invalid-field', `a string value is string ${number}, the record holds ${strings.length}`);
      value = strings[number]!;
    } else if (tag === TAG_FLOAT64) {
      value = reader.float64('a number value');
      if (!Number.isFinite(value)) reader.fail('invalid-field', `a number value is ${value}, not a finite number`);
    } else if (tag === TAG_NULL) value = null;
    else if (tag === TAG_FALSE) value = false;
    else if (tag === TAG_TRUE) value = true;
    else return reader.fail('invalid-field', `an attribute value has tag ${tag}, not one of 0 to 4`);
    const key = strings[name - 1]!;
    // A "__proto__" name stays a data property instead of changing the prototype.
    if (key === '__proto__') Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
    else attributes[key] = value;
  }
  return { offset, index, timestamp, attributes };
}
