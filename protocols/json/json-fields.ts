/**
 * Reading JSON records field by field, with errors that say what is wrong
 * and where. Shared by every JSON contract in `protocols/`: a decoder names
 * its contract once and every failure becomes a `DecodeError` whose message
 * starts with it, e.g. `result: field "values.count" must be a number or
 * null, got a string`.
 *
 * Reasons used here: `malformed-json`, `not-an-object`, `missing-field`,
 * `invalid-field`, `unsupported-version`.
 */
import { DecodeError } from '../errors.ts';
import type { AttributeValue } from '../event.ts';
import { shortJson } from './bounded-json.ts';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a value is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value can be an event attribute: string, finite number, boolean or null. */
export function isAttributeValue(value: unknown): value is AttributeValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** `a string`, `an array`, `null`...: how a message names what it found. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number out of range';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

/** Characters of a field name kept in a path: names come from the input (attribute keys), and a message never embeds a megabyte of it. */
const MAX_NAME_IN_PATH = 100;

/** Joins a field path: `source` + `partition` → `source.partition`. A name longer than 100 characters is cut and says so. */
export function fieldPath(path: string, name: string | number): string {
  if (typeof name === 'number') return `${path}[${name}]`;
  const shown = name.length > MAX_NAME_IN_PATH ? `${name.slice(0, MAX_NAME_IN_PATH)}… (${name.length} characters)` : name;
  return path === '' ? shown : `${path}.${shown}`;
}

/**
 * Decodes UTF-8 JSON. Throws `DecodeError('malformed-json')` for invalid
 * UTF-8 or JSON, with the parser's own description of the fault.
 */
export function parseJson(bytes: Buffer, contract: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new DecodeError('malformed-json', `${contract}: the record is not valid UTF-8`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError('malformed-json', `${contract}: the record is not valid JSON (${detail})`, { cause });
  }
}

/** Decodes a JSON object; anything else throws `DecodeError('not-an-object')`. */
export function parseJsonObject(bytes: Buffer, contract: string): JsonObject {
  const value = parseJson(bytes, contract);
  if (!isJsonObject(value)) {
    throw new DecodeError('not-an-object', `${contract}: the record must be a JSON object, got ${describeJson(value)}`);
  }
  return value;
}

/** Reads and checks the typed fields of one JSON object; every failure throws a `DecodeError`. */
export class Fields {
  readonly #contract: string;
  readonly #object: JsonObject;
  readonly #path: string;

  constructor(contract: string, object: JsonObject, path = '') {
    this.#contract = contract;
    this.#object = object;
    this.#path = path;
  }

  /** The underlying object. */
  get raw(): JsonObject {
    return this.#object;
  }

  /** Throws unless field `v` equals `version` (`missing-field` or `unsupported-version`). */
  version(version: number): void {
    const value = this.#object.v;
    if (value === undefined) this.#missing('v');
    if (value !== version) {
      throw new DecodeError(
        'unsupported-version',
        // shortJson, not JSON.stringify: `v` is input, possibly nested 100,000 deep (a stack overflow) or megabytes long.
        `${this.#contract}: field "${this.path('v')}" is ${shortJson(value)}, this decoder reads version ${version}`,
      );
    }
  }

  /** The full path of a field of this object, for messages. */
  path(name: string | number): string {
    return fieldPath(this.#path, name);
  }

  /** Throws `DecodeError(reason)` about a field. */
  fail(reason: string, name: string | number, problem: string): never {
    throw new DecodeError(reason, `${this.#contract}: field "${this.path(name)}" ${problem}`);
  }

  string(name: string, options: { nonEmpty?: boolean } = {}): string {
    const value = this.#present(name);
    if (typeof value !== 'string') this.#invalid(name, 'a string', value);
    if (options.nonEmpty === true && value === '') this.fail('invalid-field', name, 'must not be empty');
    return value;
  }

  number(name: string): number {
    const value = this.#present(name);
    if (typeof value !== 'number' || !Number.isFinite(value)) this.#invalid(name, 'a finite number', value);
    return value;
  }

  /** An integer no smaller than `min` (default 0), safe in a double. */
  integer(name: string, min = 0): number {
    const value = this.#present(name);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.#invalid(name, `an integer >= ${min}`, value);
    }
    return value;
  }

  boolean(name: string): boolean {
    const value = this.#present(name);
    if (typeof value !== 'boolean') this.#invalid(name, 'a boolean', value);
    return value;
  }

  object(name: string): Fields {
    const value = this.#present(name);
    if (!isJsonObject(value)) this.#invalid(name, 'an object', value);
    return new Fields(this.#contract, value, this.path(name));
  }

  array(name: string): unknown[] {
    const value = this.#present(name);
    if (!Array.isArray(value)) this.#invalid(name, 'an array', value);
    return value;
  }

  /** The element `index` of an array field, which must be an object. */
  element(arrayName: string, array: readonly unknown[], index: number): Fields {
    const value = array[index];
    const path = fieldPath(this.path(arrayName), index);
    if (!isJsonObject(value)) {
      throw new DecodeError('invalid-field', `${this.#contract}: field "${path}" must be an object, got ${describeJson(value)}`);
    }
    return new Fields(this.#contract, value, path);
  }

  /** A flat object of attribute values (string, number, boolean, null). */
  attributes(name: string): Record<string, AttributeValue> {
    const fields = this.object(name);
    const entries = Object.entries(fields.raw);
    for (const [key, value] of entries) {
      if (!isAttributeValue(value)) fields.#invalid(key, 'a string, number, boolean or null', value);
    }
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(entries) as Record<string, AttributeValue>;
  }

  #present(name: string): unknown {
    const value = Object.hasOwn(this.#object, name) ? this.#object[name] : undefined;
    if (value === undefined) this.#missing(name);
    return value;
  }

  #missing(name: string): never {
    return this.fail('missing-field', name, 'is missing');
  }

  #invalid(name: string, expected: string, value: unknown): never {
    return this.fail('invalid-field', name, `must be ${expected}, got ${describeJson(value)}`);
  }
}
