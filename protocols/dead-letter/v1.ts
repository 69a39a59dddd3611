/**
 * Dead letters on `deadletter`, version 1: a record some stage could not
 * handle, with where it came from, why, and its bytes (base64 on the wire).
 *
 * @example
 * ```ts
 * encodeDeadLetter({ v: 1, stage: 'parse', reason: 'malformed-json', message: 'event-batch: ...',
 *   source: { topic: 'events.raw', partition: 0, offset: 17 }, original: Buffer.from('[{'), at: 1700000000000 });
 * ```
 */
import { Fields, parseJsonObject } from '../json/json-fields.ts';

const CONTRACT = 'dead-letter';

// Checked with the length (a multiple of 4) rather than a repeated group: a
// regex like /^(?:[A-Za-z0-9+/]{4})*...$/ recurses per group and overflows
// the stack on a few MB of text, so a large dead letter could not be read.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (text: string): boolean => text.length % 4 === 0 && BASE64.test(text);

/** A record a stage could not handle. */
export interface DeadLetter {
  readonly v: 1;
  /** The stage that gave up on it, e.g. `parse`, `aggregate`. */
  readonly stage: string;
  /** Short machine-readable reason, e.g. `malformed-json`, `late`. */
  readonly reason: string;
  /** Human-readable detail. */
  readonly message: string;
  /** The input record it came from. */
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: number };
  /** The bytes at fault (the record's, or the part of it), or `null`. Base64 on the wire. */
  readonly original: Buffer | null;
  /** When it was dead-lettered, milliseconds since the epoch. */
  readonly at: number;
}

/** Characters of a dead letter's message kept; past it the message is cut and says so. */
export const MAX_DEAD_LETTER_MESSAGE = 4096;
/** Characters of a dead letter's stage and reason kept. */
const MAX_DEAD_LETTER_LABEL = 200;
/**
 * Most bytes of a bad record kept in its dead letter. The letter must itself
 * fit in a Kafka record (1 MiB by default; base64 adds a third): an oversized
 * record copied whole would fail its transaction again on every restart.
 */
export const MAX_DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}… (cut from ${text.length} characters)` : text);

/**
 * Encodes a dead letter with every field bounded: the message, stage and
 * reason in characters, the original at `MAX_DEAD_LETTER_ORIGINAL_BYTES`
 * (writers that cut it themselves say so in the message), so a letter always
 * fits in a record of the default size.
 */
export function encodeDeadLetter(letter: DeadLetter): Buffer {
  const { stage, reason, message, source, original, at } = letter;
  return Buffer.from(
    JSON.stringify({
      v: 1,
      stage: cut(stage, MAX_DEAD_LETTER_LABEL),
      reason: cut(reason, MAX_DEAD_LETTER_LABEL),
      message: cut(message, MAX_DEAD_LETTER_MESSAGE),
      source: { topic: source.topic, partition: source.partition, offset: source.offset },
      original: original === null ? null : original.subarray(0, MAX_DEAD_LETTER_ORIGINAL_BYTES).toString('base64'),
      at,
    }),
    'utf8',
  );
}

/**
 * Decodes a dead letter. Throws `DecodeError` with reason `malformed-json`,
 * `not-an-object`, `missing-field`, `invalid-field` (e.g. `original` that is
 * not base64) or `unsupported-version`.
 */
export function decodeDeadLetter(bytes: Buffer): DeadLetter {
  const fields = new Fields(CONTRACT, parseJsonObject(bytes, CONTRACT));
  fields.version(1);
  const source = fields.object('source');
  return {
    v: 1,
    stage: fields.string('stage', { nonEmpty: true }),
    reason: fields.string('reason', { nonEmpty: true }),
    message: fields.string('message'),
    source: {
      topic: source.string('topic', { nonEmpty: true }),
      partition: source.integer('partition'),
      offset: source.integer('offset'),
    },
    original: readOriginal(fields),
    at: fields.number('at'),
  };
}

function readOriginal(fields: Fields): Buffer | null {
  if (fields.raw.original === null) return null;
  const text = fields.string('original');
  if (!isBase64(text)) fields.fail('invalid-field', 'original', 'must be base64 or null');
  return Buffer.from(text, 'base64');
}
