/**
 * JSON with every object's keys in one order: the same value gives the same
 * text whatever order its keys were set in, as snapshots need (their bytes
 * are checksummed and compared). Keys that look like array indexes ("0",
 * "12") come first in numeric order, as JavaScript enumerates them; the
 * others in sorted order. Otherwise the text is `JSON.stringify`'s: `toJSON`
 * is honoured, undefined and function members are left out (and written as
 * `null` in arrays), non-finite numbers are `null`, a BigInt or a cycle is a
 * TypeError.
 *
 * `CanonicalJsonWriter` writes the same text a piece at a time, so a state of
 * tens of megabytes can be written over several turns of the event loop
 * instead of in one synchronous step; the value must not change until it is
 * done. It walks the value with a stack of its own, so depth costs no call
 * stack. A subtree of at most `NATIVE_SUBTREE_VALUES` values that is
 * already canonical (plain objects with their keys in order, no `toJSON`)
 * is written by `JSON.stringify` itself: checking the order costs a fifth of
 * writing it value by value (28.6 MB of window state: 1.7 s value by value,
 * JSON.stringify alone 0.24 s).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [undefined, 2] }); // '{"a":[null,2],"b":1}'
 * const writer = new CanonicalJsonWriter(state);
 * while (!writer.done) { pieces.push(writer.write(50_000)); await yieldToEventLoop(); }
 * ```
 */

/** The canonical JSON text of `value`, or undefined when it has none (undefined, a function). */
export function canonicalJson(value: unknown): string | undefined {
  return canonicalJsonBytes(value)?.toString('utf8');
}

/**
 * Values written per step (about 100-300 KB of text): a step's text is a
 * short-lived rope; one rope of a whole large state costs more in GC than
 * writing it.
 */
export const CANONICAL_JSON_STEP_VALUES = 16_384;

/** The canonical JSON of `value` as UTF-8, or undefined when it has none. */
export function canonicalJsonBytes(value: unknown): Buffer | undefined {
  const writer = new CanonicalJsonWriter(value);
  if (writer.done) return undefined;
  const pieces: Buffer[] = [];
  while (!writer.done) pieces.push(Buffer.from(writer.write(CANONICAL_JSON_STEP_VALUES), 'utf8'));
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

type Frame =
  | { readonly array: true; readonly value: readonly unknown[]; index: number }
  | { readonly array: false; readonly value: object; readonly keys: readonly string[]; index: number; written: boolean };

const MAX_ARRAY_INDEX = 4_294_967_294;
/** The largest subtree handed to `JSON.stringify` whole: small enough to stay one short step. */
const NATIVE_SUBTREE_VALUES = 4096;

/** Writes the canonical JSON text of one value in pieces; the concatenated pieces are `canonicalJson(value)`. */
export class CanonicalJsonWriter {
  readonly #stack: Frame[] = [];
  readonly #ancestors = new Set<object>();
  #root: { value: unknown } | null;

  /** `done` at once when the value has no JSON text (undefined, a function). */
  constructor(value: unknown) {
    const resolved = resolve(value);
    this.#root = omitted(resolved) ? null : { value: resolved };
  }

  /** Whether the whole text was written. */
  get done(): boolean {
    return this.#root === null && this.#stack.length === 0;
  }

  /** The next piece of the text: about `values` more values (members, items, scalars) of it, or what is left. */
  write(values: number): string {
    let out = '';
    let budget = values;
    if (this.#root !== null) {
      out += this.#open(this.#root.value);
      this.#root = null;
      budget--;
    }
    const stack = this.#stack;
    while (stack.length > 0 && budget > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.array) {
        if (frame.index === frame.value.length) {
          out += ']';
          this.#close(frame);
          continue;
        }
        if (frame.index > 0) out += ',';
        const item = resolve(frame.value[frame.index++]);
        out += omitted(item) ? 'null' : this.#open(item);
        budget--;
        continue;
      }
      let member: unknown;
      let key: string | undefined;
      while (frame.index < frame.keys.length) {
        const candidate = frame.keys[frame.index++]!;
        member = resolve((frame.value as Record<string, unknown>)[candidate]);
        if (!omitted(member)) {
          key = candidate;
          break;
        }
      }
      if (key === undefined) {
        out += '}';
        this.#close(frame);
        continue;
      }
      out += `${frame.written ? ',' : ''}${JSON.stringify(key)}:${this.#open(member)}`;
      frame.written = true;
      budget--;
    }
    return out;
  }

  /** The text of a scalar, or the opening bracket of an array or object (whose frame is pushed). */
  #open(value: unknown): string {
    if (value === null || typeof value !== 'object') return scalarText(value);
    if (this.#ancestors.has(value)) throw new TypeError('Converting circular structure to JSON');
    if (canonicalValues(value, NATIVE_SUBTREE_VALUES) >= 0) return JSON.stringify(value);
    this.#ancestors.add(value);
    if (Array.isArray(value)) {
      this.#stack.push({ array: true, value, index: 0 });
      return '[';
    }
    this.#stack.push({ array: false, value, keys: canonicalKeys(value), index: 0, written: false });
    return '{';
  }

  #close(frame: Frame): void {
    this.#stack.pop();
    this.#ancestors.delete(frame.value);
  }
}

/**
 * How many values `value` holds, when `JSON.stringify` writes it canonically
 * (only plain objects and arrays, no `toJSON`, keys in canonical order) and
 * they are at most `limit`; otherwise -1. A cycle exceeds any limit.
 */
function canonicalValues(value: object, limit: number): number {
  let count = 0;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (++count > limit) return -1;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if (Array.isArray(item)) {
      if (prototype !== Array.prototype) return -1;
      for (let i = 0; i < item.length; i++) {
        const element = item[i] as unknown;
        if (element !== null && typeof element === 'object') pending.push(element);
        else if (++count > limit) return -1;
      }
      continue;
    }
    if ((prototype !== Object.prototype && prototype !== null) || typeof (item as { toJSON?: unknown }).toJSON === 'function') return -1;
    const keys = Object.keys(item);
    if (!sortedFrom(keys, indexKeys(keys))) return -1;
    for (const key of keys) {
      const member = (item as Record<string, unknown>)[key];
      if (member !== null && typeof member === 'object') pending.push(member);
      else if (++count > limit) return -1;
    }
  }
  return count;
}

/** `toJSON` applied as long as the value has one (a Date becomes its string). */
function resolve(value: unknown): unknown {
  let resolved = value;
  while (resolved !== null && typeof resolved === 'object' && typeof (resolved as { toJSON?: unknown }).toJSON === 'function') {
    resolved = (resolved as { toJSON(): unknown }).toJSON();
  }
  return resolved;
}

/** What JSON leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return 'null';
  }
}

/**
 * An object's keys in canonical order: array-index keys first in numeric
 * order (where `Object.keys` already puts them), then the others sorted.
 */
function canonicalKeys(value: object): readonly string[] {
  const keys = Object.keys(value);
  const indexes = indexKeys(keys);
  if (sortedFrom(keys, indexes)) return keys;
  if (indexes === 0) return keys.sort();
  // Insertion sort in place: states' objects have a handful of keys, and this allocates nothing.
  for (let i = indexes + 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= indexes && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** How many keys at the front are array indexes (`Object.keys` puts them first). */
function indexKeys(keys: readonly string[]): number {
  let indexes = 0;
  while (indexes < keys.length && isArrayIndex(keys[indexes]!)) indexes++;
  return indexes;
}

/** Whether the keys from `start` on are in sorted order. */
function sortedFrom(keys: readonly string[], start: number): boolean {
  for (let i = start + 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57 || key.length > 10 || (first === 48 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return Number(key) <= MAX_ARRAY_INDEX;
}
